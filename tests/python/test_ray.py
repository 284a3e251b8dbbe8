"""Ray Data (issue 19): `arrow_zerobus_sdk_wrapper.ray.ZerobusDatasink` against a
`zerobus-emulator` process holding the service's quotas, with Ray started locally on 2 CPUs.
What landed is read from the emulator's files (`--data-dir`) and checked against the input by
id: every row landed exactly once or is in the quarantine (Parquet files) with its cause, or the
write raised naming the counts and the first errors; a connection cut mid-write loses no row.

The module's emulator accepts one client secret, a random sentinel, looked for in the datasink's
repr and pickled bytes, Ray's logs, Python logging and the test's output.

The emulator binary comes from ARROW_ZEROBUS_EMULATOR (scripts/test.sh sets it).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import (
    CUT_TWICE,
    emulator_process_settings,
    landed_ids_of_process,
    start_emulator_process,
)

from arrow_zerobus_sdk_wrapper import ConfigurationError, RowsFailedError

EMULATOR = os.environ.get("ARROW_ZEROBUS_EMULATOR", "")
pytestmark = pytest.mark.skipif(
    not EMULATOR, reason="ARROW_ZEROBUS_EMULATOR is not set (scripts/test.sh sets it)"
)

SECRET = f"sentinel-{secrets.token_hex(12)}"

QUARANTINED = "main.ray.quarantined"
RAISED = "main.ray.raised"
CUT = "main.ray.cut"
SECRETS = "main.ray.secrets"
BUNDLED = "main.ray.bundled"
PEOPLE = [("id", "BIGINT", False), ("name", "STRING", False)]
TABLES = {
    QUARANTINED: PEOPLE,
    RAISED: PEOPLE,
    CUT: [("id", "BIGINT", False), ("payload", "STRING", True)],
    SECRETS: [("id", "BIGINT", False)],
    BUNDLED: [("id", "BIGINT", False)],
}
#: CUT's connections are cut twice (support.CUT_TWICE).
FAULTS = {CUT: CUT_TWICE}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("ray-emulator")
    emulator = start_emulator_process(EMULATOR, workdir, TABLES, FAULTS, SECRET)
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def settings(server: Any, table: str, **overrides: object) -> dict[str, object]:
    return emulator_process_settings(server, SECRET, table, **overrides)


def people_blocks(blocks: int, rows: int, bad_offset: int | None = 777) -> list[pa.Table]:
    """`blocks` tables of `rows` rows (id, name); the row at `bad_offset` of each has no
    name."""
    tables = []
    for block in range(blocks):
        ids = list(range(block * rows, (block + 1) * rows))
        names = [None if i - block * rows == bad_offset else f"name-{i}" for i in ids]
        tables.append(pa.table({"id": pa.array(ids, pa.int64()), "name": pa.array(names)}))
    return tables


def test_failed_rows_go_to_the_quarantine_files(ray_local, server, tmp_path):
    """4 blocks of 2,000 rows, one row per block with a null in the table's NOT NULL column
    (schema_source table: a ConversionError): the others land once, the bad ones are in Parquet
    files with their cause, and the write succeeds."""
    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    quarantine = tmp_path / "quarantine"
    sink = ZerobusDatasink(
        settings(server, QUARANTINED),
        schema_source="table",
        stream_count=2,
        quarantine_dir=quarantine,
    )
    ray_local.data.from_arrow(people_blocks(4, 2000)).write_datasink(sink)

    result = sink.result
    bad = {777, 2777, 4777, 6777}
    assert (result.rows_landed, result.rows_failed) == (8000 - 4, 4), result
    assert result.failures_by_type == {"ConversionError": 4}
    assert result.tasks >= 1 and result.streams_opened == 2 * result.tasks
    assert result.bytes_sent > 0 and result.possible_duplicates == 0
    assert sorted(landed_ids_of_process(server, QUARANTINED)) == sorted(set(range(8000)) - bad)

    files = result.quarantine_files
    assert sorted(str(path) for path in quarantine.iterdir()) == files  # nothing partial left
    assert 1 <= len(files) <= result.tasks
    failed = pa.concat_tables(pq.read_table(path) for path in files).sort_by("id")
    assert failed.column_names == ["id", "name", "_zerobus_error_type", "_zerobus_error"]
    assert failed.column("id").to_pylist() == sorted(bad)
    assert failed.column("name").to_pylist() == [None] * 4
    assert set(failed.column("_zerobus_error_type").to_pylist()) == {"ConversionError"}
    for cause in failed.column("_zerobus_error").to_pylist():
        assert "column 'name'" in cause and "null" in cause, cause


def test_without_a_quarantine_the_write_raises_with_counts_and_first_errors(ray_local, server):
    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    sink = ZerobusDatasink(settings(server, RAISED), schema_source="table")
    with pytest.raises(RowsFailedError) as raised:
        ray_local.data.from_arrow(people_blocks(4, 1000, bad_offset=10)).write_datasink(sink)

    error = raised.value
    message = str(error)
    assert message.startswith(f"4 of 4000 rows did not land in {RAISED} ("), message
    assert "ConversionError: 4)" in message
    assert "first errors: task " in message and "column 'name'" in message
    assert error.retryable is False and error.error_type == "RowsFailedError"
    assert (error.summary.rows_failed, error.summary.rows_landed) == (4, 3996)
    assert len(error.summary.first_errors) == 4
    assert sink.result is not None and sink.result.rows_failed == 4  # also when it raised
    assert sorted(landed_ids_of_process(server, RAISED)) == sorted(
        set(range(4000)) - {10, 1010, 2010, 3010}
    )


def test_a_connection_cut_mid_write_loses_no_row(ray_local, server, tmp_path):
    """The emulator cuts the connections twice (a refused request, then a kill after a request
    landed): every row is acknowledged, and the duplicates are at most the rows replayed."""
    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    rows = 20_000
    blocks = [
        pa.table(
            {
                "id": pa.array(range(start, start + rows // 2), pa.int64()),
                "payload": pa.array(["x" * 40] * (rows // 2)),
            }
        )
        for start in (0, rows // 2)
    ]
    sink = ZerobusDatasink(
        settings(server, CUT, max_request_bytes=16 * 1024, max_record_bytes=1024),
        quarantine_dir=tmp_path / "quarantine",
    )
    ray_local.data.from_arrow(blocks).write_datasink(sink)

    result = sink.result
    assert (result.rows_landed, result.rows_failed) == (rows, 0), result.first_errors
    assert result.quarantine_files == []
    ids = landed_ids_of_process(server, CUT)
    assert set(ids) == set(range(rows))
    duplicates = len(ids) - rows
    print(json.dumps({"duplicates": duplicates, "rows_replayed": result.rows_replayed}))
    assert result.requests_replayed >= 2, "the two cuts were not recovered by replays"
    assert 0 < duplicates <= result.rows_replayed == result.possible_duplicates


def test_blocks_are_bundled_and_column_names_checked(ray_local, server):
    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    blocks = [pa.table({"id": pa.array(range(i * 100, i * 100 + 100))}) for i in range(4)]
    sink = ZerobusDatasink(settings(server, BUNDLED), min_rows_per_write=400)
    ray_local.data.from_arrow(blocks).write_datasink(sink)
    assert (sink.result.rows_landed, sink.result.tasks, sink.result.streams_opened) == (400, 1, 1)
    assert sorted(landed_ids_of_process(server, BUNDLED)) == list(range(400))

    renamed = [block.rename_columns(["_zerobus_error"]) for block in blocks]
    refused = ZerobusDatasink(settings(server, BUNDLED))
    with pytest.raises(ConfigurationError, match="'_zerobus_error'"):
        ray_local.data.from_arrow(renamed).write_datasink(refused)
    with pytest.raises(ConfigurationError, match="min_rows_per_write"):
        ZerobusDatasink(settings(server, BUNDLED), min_rows_per_write=0)
    with pytest.raises(ConfigurationError, match="retry_max_delay_ms"):
        ZerobusDatasink(settings(server, BUNDLED, retry_max_delay_ms=-1))
    assert len(landed_ids_of_process(server, BUNDLED)) == 400  # none of these sent anything


def test_the_client_secret_shows_nowhere(ray_local, server, caplog, capfd):
    """The datasink travels to the workers pickled: its repr, str and pickled bytes never hold
    the secret, which still reaches them (rows land); nor do Ray's logs, errors, Python logging
    or the test's output."""
    from ray import cloudpickle

    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    caplog.set_level(logging.DEBUG)
    sink = ZerobusDatasink(settings(server, SECRETS))
    pickled = pickle.dumps(sink)
    cloudpickled = cloudpickle.dumps(sink)
    copy = pickle.loads(pickled)
    dataset = ray_local.data.from_arrow(
        [pa.table({"id": pa.array(range(i * 500, i * 500 + 500), pa.int64())}) for i in range(2)]
    )
    dataset.write_datasink(copy)  # the unpickled copy still has the secret: rows land
    assert (copy.result.rows_landed, copy.result.rows_failed) == (1000, 0)

    wrong = ZerobusDatasink(settings(server, SECRETS, client_secret=SECRET + "-wrong"))
    with pytest.raises(RowsFailedError) as raised:
        dataset.write_datasink(wrong)
    assert "AuthenticationError: 1000" in str(raised.value)

    logs_dir = Path(ray_local._private.worker._global_node.get_logs_dir_path())
    logs = b"".join(path.read_bytes() for path in logs_dir.rglob("*") if path.is_file())
    assert b"Zerobus" in logs  # Ray logged the writes there (its datasink's name)
    captured = capfd.readouterr()
    places = {
        "repr": repr(sink) + repr(copy) + repr(wrong),
        "str": str(sink) + str(copy),
        "attributes": repr(vars(sink)),
        "RowsFailedError": str(raised.value) + repr(raised.value.summary),
        "results": repr(copy.result) + repr(wrong.result),
        "Python logging": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
    }
    assert [place for place, text in places.items() if SECRET in text] == []
    for name, data in {"pickle": pickled, "cloudpickle": cloudpickled, "Ray's logs": logs}.items():
        assert SECRET.encode() not in data, name


def test_quarantine_files_of_abandoned_attempts_are_removed(tmp_path):
    """A task attempt that dies leaves partial files; its retry's files replace them where the
    names meet; on completion, this write's files no task reported are removed, and other
    writes' files are left alone."""
    from arrow_zerobus_sdk_wrapper.ray import _QuarantineFiles, _remove_unreported

    rows = pa.record_batch({"id": pa.array([1], pa.int64()), "_zerobus_error": ["cause"]})
    wider = pa.record_batch({"id": pa.array([2], pa.int64()), "x": [1], "_zerobus_error": ["c"]})
    abandoned = _QuarantineFiles(str(tmp_path), "write1-000000")
    abandoned.write(rows)
    abandoned.write(wider)  # another schema: a second file
    abandoned.abandon()
    unreported = _QuarantineFiles(str(tmp_path), "write1-000001")
    unreported.write(rows)
    unreported.close()
    retry = _QuarantineFiles(str(tmp_path), "write1-000000")
    retry.write(rows)
    (reported,) = retry.close()
    other = tmp_path / "write2-000000-0.parquet"
    pq.write_table(pa.Table.from_batches([rows]), other)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "write1-000000-0.parquet",
        "write1-000000-1.parquet.partial",
        "write1-000001-0.parquet",
        "write2-000000-0.parquet",
    ]
    _remove_unreported(str(tmp_path), {"write1-"}, {reported})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "write1-000000-0.parquet",
        "write2-000000-0.parquet",
    ]
    assert pq.read_table(reported).to_pylist() == [{"id": 1, "_zerobus_error": "cause"}]
