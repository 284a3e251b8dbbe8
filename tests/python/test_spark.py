"""Spark (issue 19): `arrow_zerobus_sdk_wrapper.spark.write_to_zerobus` against a
`zerobus-emulator` process holding the service's quotas, with Spark in local mode: two task slots
and one retry of a failed task (`local[2,2]`), batches of 500 rows. What landed is read from the
emulator's files (`--data-dir`) and checked against the input by id: every input row landed
exactly once or is in the quarantine with its cause, and where delivery is at least once (a cut
connection, a retried task) the duplicates are bounded by what the result reports.

The module's emulator accepts one client secret, a random sentinel: the last test looks for it in
the query plan, the event log, the JVM's output (Spark's log and the executors' Python stderr),
Python logging and the test's own output.

The emulator binary comes from ARROW_ZEROBUS_EMULATOR (scripts/test.sh sets it).
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import sys
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import (
    CUT_TWICE,
    emulator_process_settings,
    landed_ids_of_process,
    landed_table,
    start_emulator_process,
)

from arrow_zerobus_sdk_wrapper import ConfigurationError, RowsFailedError, WrapperConfiguration

EMULATOR = os.environ.get("ARROW_ZEROBUS_EMULATOR", "")
pytestmark = pytest.mark.skipif(
    not EMULATOR, reason="ARROW_ZEROBUS_EMULATOR is not set (scripts/test.sh sets it)"
)

#: The only client secret the module's emulator accepts: searched for everywhere at the end.
SECRET = f"sentinel-{secrets.token_hex(12)}"
BATCH_ROWS = 500

ROWS = "main.spark.rows"
STREAMING = "main.spark.streaming"
TYPES = {"protobuf": "main.spark.types_protobuf", "arrow": "main.spark.types_arrow"}
CUT = "main.spark.cut"
RETRY_BEFORE = "main.spark.retry_before"
RETRY_AFTER = "main.spark.retry_after"
SECRETS = "main.spark.secrets"
CONFIG = "main.spark.config"

PEOPLE = [("id", "BIGINT", False), ("name", "STRING", False)]
TYPE_COLUMNS = [
    ("id", "BIGINT", False),
    ("ts", "TIMESTAMP", True),
    ("local_ts", "TIMESTAMP_NTZ", True),
    ("day", "DATE", True),
    ("amount", "DECIMAL(12,2)", True),
    ("tags", "ARRAY<STRING>", True),
    ("attrs", "MAP<STRING,BIGINT>", True),
    ("address", "STRUCT<street:STRING,zip:INT>", True),
]
TABLES = {
    ROWS: PEOPLE,
    STREAMING: PEOPLE,
    **{table: TYPE_COLUMNS for table in TYPES.values()},
    CUT: [("id", "BIGINT", False), ("payload", "STRING", True)],
    RETRY_BEFORE: [("id", "BIGINT", False)],
    RETRY_AFTER: [("id", "BIGINT", False), ("payload", "STRING", True)],
    SECRETS: [("id", "BIGINT", False)],
    CONFIG: [("id", "BIGINT", False)],
}
#: CUT's connections are cut twice (support.CUT_TWICE).
FAULTS = {CUT: CUT_TWICE}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("spark-emulator")
    emulator = start_emulator_process(EMULATOR, workdir, TABLES, FAULTS, SECRET)
    yield emulator
    emulator.stop()


def settings(server: Any, table: str, **overrides: object) -> dict[str, object]:
    return emulator_process_settings(server, SECRET, table, **overrides)


@pytest.fixture(scope="module")
def spark_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("spark")
    (root / "events").mkdir()
    return {"events": root / "events", "output": root / "jvm-output.log"}


@pytest.fixture(scope="module")
def spark(spark_files: dict[str, Path]):
    """A local SparkSession: 2 task slots, a failed task tried twice, 500-row Arrow batches, the
    event log uncompressed in a temporary directory, and the JVM's stdout and stderr (Spark's
    log and, forwarded by Spark, the Python workers' stderr) in a file."""
    from pyspark import cloudpickle
    from pyspark.sql import SparkSession

    # The test's mapInArrow functions run in Spark's Python workers, which cannot import this
    # module: pickle them by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    builder = (
        SparkSession.builder.master("local[2,2]")
        .appName("arrow-zerobus-test-spark")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", spark_files["events"].as_uri())
        .config("spark.eventLog.compress", "false")
    )
    # The executors' Python: PySpark takes it from PYSPARK_PYTHON when the context starts
    # (spark.pyspark.python is read by spark-submit only), by default `python3` on the PATH.
    previous_python = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with open(spark_files["output"], "wb") as output:
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        try:
            session = builder.getOrCreate()  # the JVM inherits the file as stdout and stderr
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    session.sparkContext.setLogLevel("INFO")
    yield session
    session.stop()
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    if previous_python is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = previous_python


def _landed_id_set(landed: str, table: str) -> set[int]:
    """In a Spark worker: the ids landed so far (files still being written: whole batches)."""
    ids: set[int] = set()
    directory = Path(landed) / table
    for path in directory.glob("*.arrows") if directory.is_dir() else []:
        with pa.OSFile(str(path)) as source:
            try:
                reader = pa.ipc.open_stream(source)
                while True:
                    ids.update(reader.read_next_batch().column("id").to_pylist())
            except (StopIteration, pa.ArrowInvalid, OSError):
                pass
    return ids


def _fail_first_attempt_of_partition_0(landed: str, table: str, after_landed: list[int] | None):
    """A mapInArrow function passing its batches through, except in the first attempt of
    partition 0: there it raises before its first batch (`after_landed` None) or, asked for its
    fourth batch, once the ids `after_landed` have landed (at most 60 s). Spark buffers what it
    pipes to the next Python worker (64 KiB): the three batches before the fourth, of 100 KB
    each, push the first one through to the writer."""

    def fail_once(batches):
        from pyspark import TaskContext

        context = TaskContext.get()
        doomed = context.partitionId() == 0 and context.attemptNumber() == 0
        for index, batch in enumerate(batches):
            if doomed and after_landed is None:
                raise RuntimeError("injected failure of partition 0's first attempt")
            if doomed and index == 3:
                deadline = time.monotonic() + 60
                while not set(after_landed) <= _landed_id_set(landed, table):
                    if time.monotonic() > deadline:
                        raise TimeoutError("partition 0's first batch did not land within 60 s")
                    time.sleep(0.05)
                raise RuntimeError("injected failure of partition 0's first attempt")
            yield batch

    return fail_once


def _always_fail(batches):
    for _ in batches:
        raise RuntimeError("injected failure of every attempt")
        yield  # a generator, as mapInArrow wants


def test_every_row_lands_once_or_is_quarantined_with_its_cause(spark, server):
    """8,000 rows in 4 partitions, one row per partition with a null in the table's NOT NULL
    column (schema_source table: a ConversionError of that row), two streams per task."""
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    rows = 8000
    bad = {777, 2777, 4777, 6777}
    df = spark.range(0, rows, 1, 4).selectExpr(
        "id", "CASE WHEN id % 2000 = 777 THEN NULL ELSE concat('name-', id) END AS name"
    )
    result = write_to_zerobus(df, settings(server, ROWS), schema_source="table", stream_count=2)

    assert (result.rows_landed, result.rows_failed) == (rows - 4, 4), result
    assert result.failures_by_type == {"ConversionError": 4}
    assert (result.tasks, result.retried_tasks, result.possible_duplicates) == (4, 0, 0)
    assert result.batches == rows // BATCH_ROWS
    # 4 tasks x 2 lanes opened; a lane the server kept up without may have carried nothing.
    assert result.streams_opened == 8 and 4 <= len(result.stream_ids) <= 8
    assert result.bytes_sent > 0 and result.arrow_bytes > 0 and result.seconds > 0
    assert sorted(landed_ids_of_process(server, ROWS)) == sorted(set(range(rows)) - bad)

    quarantine = result.quarantine
    assert quarantine.columns == ["id", "name", "_zerobus_error_type", "_zerobus_error"]
    failed = quarantine.orderBy("id").collect()
    assert [row.id for row in failed] == sorted(bad)
    for row in failed:
        assert row.name is None
        assert row._zerobus_error_type == "ConversionError"
        assert "column 'name'" in row._zerobus_error and "null" in row._zerobus_error, row
    assert [error["error_type"] for error in result.first_errors] == ["ConversionError"] * 4
    # The quarantine is read from the checkpoint: using it again sends nothing again.
    assert quarantine.count() == 4 and quarantine.where("id = 777").count() == 1
    assert len(landed_ids_of_process(server, ROWS)) == rows - 4


@pytest.mark.parametrize("wire_format", ["protobuf", "arrow"])
def test_spark_types_land_through_the_type_table(spark, server, wire_format):
    """Spark's timestamp, timestamp_ntz, date, decimal, array, map and struct, as its Arrow
    conversion gives them, land in a table of those column types with their values."""
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    df = spark.range(0, 20, 1, 2).selectExpr(
        "id",
        "CASE WHEN id = 3 THEN NULL ELSE timestamp_micros(1709251199123456 + id) END AS ts",
        "CAST(timestamp_micros(1709251199123456 - id * 86400000000) AS TIMESTAMP_NTZ) AS local_ts",
        "CASE WHEN id = 4 THEN NULL ELSE date_add(DATE '2024-02-28', CAST(id AS INT)) END AS day",
        "CAST(CASE WHEN id = 5 THEN NULL ELSE (id - 10) * 1000 + 0.25 END AS DECIMAL(12,2))"
        " AS amount",
        "array(concat('tag-', id), 'x') AS tags",
        "map('k', id, 'k2', id * 2) AS attrs",
        "CASE WHEN id = 6 THEN NULL ELSE named_struct('street', "
        "CASE WHEN id = 7 THEN NULL ELSE concat(id, ' Main St') END, "
        "'zip', CAST(10000 + id AS INT)) END AS address",
    )
    table = TYPES[wire_format]
    result = write_to_zerobus(df, settings(server, table, wire_format=wire_format))
    assert (result.rows_landed, result.rows_failed) == (20, 0), result.first_errors

    landed = landed_table(server.workdir / "landed", table)
    assert landed is not None
    landed = landed.sort_by("id")
    epoch = datetime.datetime(1970, 1, 1)
    micros = datetime.timedelta(microseconds=1)
    expected = {
        "id": list(range(20)),
        "ts": [
            None if i == 3 else (epoch + (1709251199123456 + i) * micros).replace(tzinfo=UTC)
            for i in range(20)
        ],
        "local_ts": [epoch + (1709251199123456 - i * 86400000000) * micros for i in range(20)],
        "day": [
            None if i == 4 else datetime.date(2024, 2, 28) + datetime.timedelta(days=i)
            for i in range(20)
        ],
        # DECIMAL lands as its exact text at the column's scale.
        "amount": [
            None if i == 5 else str(Decimal((i - 10) * 1000) + Decimal("0.25")) for i in range(20)
        ],
        "tags": [[f"tag-{i}", "x"] for i in range(20)],
        "attrs": [[("k", i), ("k2", i * 2)] for i in range(20)],
        "address": [
            None if i == 6 else {"street": None if i == 7 else f"{i} Main St", "zip": 10000 + i}
            for i in range(20)
        ],
    }
    utc = pa.timestamp("us", "UTC")
    assert landed.column("ts").cast(utc).to_pylist() == expected["ts"]
    for name in ("id", "local_ts", "day", "amount", "tags", "attrs", "address"):
        assert landed.column(name).to_pylist() == expected[name], name
    assert expected["amount"][0] == "-9999.75" and expected["amount"][11] == "1000.25"


def test_a_connection_cut_mid_job_loses_no_row(spark, server):
    """The emulator cuts the connections twice while 2 tasks send 20,000 rows (small requests):
    a refused request (replayed, lands once) and a kill after a request landed (replayed: it
    lands twice). Every row is acknowledged, and the duplicates are at most the rows the result
    says were replayed."""
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    rows = 20_000
    df = spark.range(0, rows, 1, 2).selectExpr("id", "repeat('x', 40) AS payload")
    result = write_to_zerobus(
        df, settings(server, CUT, max_request_bytes=16 * 1024, max_record_bytes=1024)
    )

    assert (result.rows_landed, result.rows_failed) == (rows, 0), result.first_errors
    ids = landed_ids_of_process(server, CUT)
    assert set(ids) == set(range(rows))
    duplicates = len(ids) - rows
    print(
        json.dumps(
            {
                "duplicates": duplicates,
                "requests_replayed": result.requests_replayed,
                "rows_replayed": result.rows_replayed,
                "streams_opened": result.streams_opened,
            }
        )
    )
    assert result.requests_replayed >= 2, "the two cuts were not recovered by replays"
    assert len(list((server.workdir / "landed" / CUT).glob("*.arrows"))) >= 4  # reconnects
    assert 0 < duplicates <= result.rows_replayed == result.possible_duplicates


def test_a_task_retried_before_it_sent_anything_lands_each_row_once(spark, server):
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    rows = 4000
    source = spark.range(0, rows, 1, 2)
    landed_dir = str(server.workdir / "landed")
    df = source.mapInArrow(
        _fail_first_attempt_of_partition_0(landed_dir, RETRY_BEFORE, None), source.schema
    )
    result = write_to_zerobus(df, settings(server, RETRY_BEFORE))

    assert (result.rows_landed, result.rows_failed) == (rows, 0)
    assert (result.retried_tasks, result.retried_partitions) == (1, [0])
    assert result.rows_in_retried_tasks == rows // 2  # partition 0: the bound, here not reached
    assert sorted(landed_ids_of_process(server, RETRY_BEFORE)) == list(range(rows))


def test_a_task_retried_after_its_first_batch_landed_is_counted_once(spark, server):
    """Partition 0's first attempt fails once its first batch landed (and maybe the next ones):
    the retry sends the whole partition again, so those rows land twice (at least once). The
    result counts every row once and bounds the duplicates by the retried partition's rows."""
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    rows = 4000
    source = spark.range(0, rows, 1, 2).selectExpr("id", "repeat('x', 200) AS payload")
    landed_dir = str(server.workdir / "landed")
    first_batch = list(range(BATCH_ROWS))
    df = source.mapInArrow(
        _fail_first_attempt_of_partition_0(landed_dir, RETRY_AFTER, first_batch), source.schema
    )
    result = write_to_zerobus(df, settings(server, RETRY_AFTER))

    assert (result.rows_landed, result.rows_failed) == (rows, 0)  # not double-reported
    assert (result.tasks, result.retried_tasks, result.retried_partitions) == (2, 1, [0])
    ids = landed_ids_of_process(server, RETRY_AFTER)
    assert set(ids) == set(range(rows))
    counts: dict[int, int] = {}
    for id_ in ids:
        counts[id_] = counts.get(id_, 0) + 1
    twice = {id_ for id_, count in counts.items() if count > 1}
    print(json.dumps({"duplicates": len(ids) - rows, "bound": result.possible_duplicates}))
    assert set(first_batch) <= twice, "the first attempt's batch did not land twice"
    assert twice <= set(range(rows // 2)), "a row outside the retried partition landed twice"
    assert max(counts.values()) == 2
    assert len(ids) - rows <= result.rows_in_retried_tasks == rows // 2
    assert result.possible_duplicates >= len(ids) - rows


def test_a_streaming_query_writes_each_micro_batch(spark, server, tmp_path):
    """A Structured Streaming query over Parquet files, one file per micro-batch, calls
    write_to_zerobus in foreachBatch: every row lands once, the bad one is in its batch's
    quarantine."""
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    source = tmp_path / "input"
    source.mkdir()
    for part in range(3):
        ids = range(part * 1000, part * 1000 + 1000)
        names = [None if i == 1500 else f"name-{i}" for i in ids]
        pq.write_table(
            pa.table({"id": pa.array(ids, pa.int64()), "name": pa.array(names, pa.string())}),
            source / f"part-{part}.parquet",
        )
    outcomes: list[tuple[int, int, int, list[int]]] = []

    def each_batch(batch_df, batch_id: int) -> None:
        result = write_to_zerobus(batch_df, settings(server, STREAMING), schema_source="table")
        failed = [row.id for row in result.quarantine.collect()]
        outcomes.append((batch_id, result.rows_landed, result.rows_failed, failed))

    query = (
        spark.readStream.schema("id BIGINT, name STRING")
        .option("maxFilesPerTrigger", 1)
        .parquet(str(source))
        .writeStream.foreachBatch(each_batch)
        .option("checkpointLocation", str(tmp_path / "checkpoint"))
        .trigger(availableNow=True)
        .start()
    )
    try:
        assert query.awaitTermination(180), "the streaming query did not end within 180 s"
    finally:
        query.stop()
    assert query.exception() is None
    assert [outcome[0] for outcome in outcomes] == [0, 1, 2]
    assert sum(outcome[1] for outcome in outcomes) == 2999
    assert [outcome[3] for outcome in outcomes if outcome[2]] == [[1500]]
    assert sorted(landed_ids_of_process(server, STREAMING)) == sorted(set(range(3000)) - {1500})


def test_settings_and_column_names_are_checked_on_the_driver(spark, server):
    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    df = spark.range(0, 100, 1, 2)
    for name in ("_zerobus_error", "_ZEROBUS_ERROR_TYPE", "_zerobus_task_summary"):
        with pytest.raises(ConfigurationError, match=name):
            write_to_zerobus(df.withColumnRenamed("id", name), settings(server, CONFIG))
    with pytest.raises(ConfigurationError, match="stream_count"):
        write_to_zerobus(df, settings(server, CONFIG, stream_count=0))
    config = WrapperConfiguration(**settings(server, CONFIG))
    with pytest.raises(ConfigurationError, match="client_secret="):
        write_to_zerobus(df, config)  # a configuration never gives its secret back
    assert landed_ids_of_process(server, CONFIG) == []  # none of these started a task

    result = write_to_zerobus(df, config, client_secret=SECRET, stream_count=2)
    assert (result.rows_landed, result.rows_failed, result.streams_opened) == (100, 0, 4)
    assert sorted(landed_ids_of_process(server, CONFIG)) == list(range(100))


def test_the_client_secret_shows_nowhere(spark, spark_files, server, caplog, capfd):
    """The sentinel secret reaches the executors (rows land) but not the query plan, the event
    log, Spark's log, the executors' output, errors, Python logging or the test's output."""
    from pyspark import cloudpickle

    from arrow_zerobus_sdk_wrapper._partition_writer import ShippedSettings
    from arrow_zerobus_sdk_wrapper.spark import (
        _arrow_schema,
        _send_plan,
        _task_function,
        write_to_zerobus,
    )

    caplog.set_level(logging.DEBUG)
    df = spark.range(0, 1000, 1, 2)
    good = write_to_zerobus(df, settings(server, SECRETS))
    assert (good.rows_landed, good.rows_failed) == (1000, 0)  # the secret reached the tasks

    wrong = write_to_zerobus(df, settings(server, SECRETS, client_secret=SECRET + "-wrong"))
    assert (wrong.rows_landed, wrong.rows_failed) == (0, 1000)
    assert set(wrong.failures_by_type) == {"AuthenticationError"}
    causes = [row[0] for row in wrong.quarantine.select("_zerobus_error").distinct().collect()]
    with pytest.raises(RowsFailedError) as raised:
        wrong.raise_if_failed()
    assert "AuthenticationError: 1000" in str(raised.value)

    failing = df.mapInArrow(_always_fail, df.schema)
    with pytest.raises(Exception) as job_error:
        write_to_zerobus(failing, settings(server, SECRETS))
    assert "injected failure of every attempt" in str(job_error.value)

    shipped = ShippedSettings.resolve(None, settings(server, SECRETS), "test")
    output = _output_schema(df)
    arrow = _arrow_schema(output, spark)
    planned = _send_plan(df, shipped, output, arrow)
    plan = planned._jdf.queryExecution().toString()
    planned.explain(mode="extended")
    assert "zerobus_write" in plan  # the send is in the plan, by its function's name
    pickled = cloudpickle.dumps(_task_function(shipped, arrow))
    assert SECRET.encode() not in pickled and SECRET[9:].encode() not in pickled
    assert SECRET not in repr(shipped) and SECRET not in str(shipped)

    event_log = "".join(
        path.read_text(errors="replace")
        for path in spark_files["events"].rglob("*")
        if path.is_file()
    )
    assert "zerobus_write" in event_log  # the plans of the writes are logged
    jvm_output = spark_files["output"].read_text(errors="replace")
    assert "injected failure of every attempt" in jvm_output  # the failed tasks are logged
    captured = capfd.readouterr()
    places = {
        "quarantine causes": "\n".join(causes),
        "RowsFailedError": str(raised.value),
        "results": repr(good) + repr(wrong),
        "the failed job's error": str(job_error.value),
        "the query plan": plan,
        "the event log": event_log,
        "the JVM's output": jvm_output,
        "Spark's configuration": repr(spark.sparkContext.getConf().getAll()),
        "the environment": repr(dict(os.environ)),
        "Python logging": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
    }
    assert [place for place, text in places.items() if SECRET in text] == []
    assert len(caplog.records) > 0 and len(event_log) > 0 and len(jvm_output) > 0


def _output_schema(df):
    from pyspark.sql.types import StringType, StructField, StructType

    from arrow_zerobus_sdk_wrapper.spark import SUMMARY_COLUMN

    return StructType(
        [StructField(field.name, field.dataType, True) for field in df.schema]
        + [
            StructField("_zerobus_error_type", StringType(), True),
            StructField("_zerobus_error", StringType(), True),
            StructField(SUMMARY_COLUMN, StringType(), True),
        ]
    )
