"""Write a Spark DataFrame to a Delta table through Zerobus, every row accounted for.

::

    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    result = write_to_zerobus(
        df,
        endpoint="https://1234567890.zerobus.us-west-2.cloud.databricks.com",
        table_name="main.sales.orders",
        unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
        client_id="my-service-principal",
        client_secret=dbutils.secrets.get("zerobus", "secret"),
        stream_count=4,                      # streams per task: tasks x 4 streams in all
    )
    print(result.rows_landed, result.rows_failed, result.failures_by_type)
    result.quarantine.write.mode("append").parquet("/quarantine/orders")   # failed rows + cause

Each Spark task sends its partition through one ZerobusWrapper (``df.mapInArrow``), batch by
batch as Spark hands them over (``spark.sql.execution.arrow.maxRecordsPerBatch`` rows each;
nothing is collected on the driver). Settings are those of ZerobusWrapper, as keywords, a dict or
a WrapperConfiguration (whose client secret must be passed again as ``client_secret=``: it never
gives it back). Works in a Structured Streaming ``foreachBatch`` too::

    def each_batch(batch_df, batch_id):
        write_to_zerobus(batch_df, settings).raise_if_failed()   # or keep the quarantine

    stream.writeStream.foreachBatch(each_batch).start()

Needs PySpark (``pip install 'arrow-zerobus-sdk-wrapper[spark]'``, Java 17) and this package on
every executor. The executors run the Python that ``PYSPARK_PYTHON`` names when the SparkSession
starts (``spark-submit`` sets it from ``spark.pyspark.python``), by default ``python3`` on the
PATH: point it at the Python where the package is installed.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ._partition_writer import (
    ERROR_COLUMN,
    ERROR_TYPE_COLUMN,
    PartitionWriter,
    ShippedSettings,
    TaskSummary,
    WriteSummary,
    check_columns,
)
from .config import WrapperConfiguration
from .errors import ConfigurationError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["ZerobusWriteResult", "WriteSummary", "write_to_zerobus"]

#: Set on the one summary row each task adds to the output of ``mapInArrow`` (JSON); null on
#: the quarantined rows. Never in the quarantine the caller gets.
SUMMARY_COLUMN = "_zerobus_task_summary"


def _require_pyspark() -> None:
    try:
        import pyspark.sql  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "arrow_zerobus_sdk_wrapper.spark needs PySpark: pip install "
            "'arrow-zerobus-sdk-wrapper[spark]' (PySpark also needs Java 17)"
        ) from error


@dataclasses.dataclass
class ZerobusWriteResult(WriteSummary):
    """What :func:`write_to_zerobus` did: the totals of :class:`WriteSummary` (rows landed and
    failed, failures per type, first errors, streams, bytes, time, tasks, retried tasks) and the
    quarantine.

    Attributes:
        quarantine: a DataFrame of the rows that did not land: the DataFrame's columns (all
            nullable), ``_zerobus_error_type`` and ``_zerobus_error`` (the cause). It is read
            from a local checkpoint of the write's output (executor storage), so using it any
            number of times never sends anything again (if an executor holding part of it is
            lost, reading it fails rather than send again); write it somewhere durable if it
            must outlive the SparkContext. ``result.rows_failed`` is its row count.
    """

    quarantine: Any = None


def write_to_zerobus(
    df: DataFrame,
    config: WrapperConfiguration | Mapping[str, Any] | None = None,
    /,
    **settings: Any,
) -> ZerobusWriteResult:
    """Sends every row of `df` to the table once, from the executors, and returns what became of
    each row: the totals and the quarantine (see :class:`ZerobusWriteResult`).

    `config` and `settings` are the settings of ZerobusWrapper (``stream_count`` gives each task
    that many streams). They are validated here, on the driver: ConfigurationError lists every
    problem before any task starts. A column named ``_zerobus_error_type``,
    ``_zerobus_error`` or ``_zerobus_task_summary`` is refused (ConfigurationError naming it).

    The write runs exactly once per call: one Spark job computes ``df.mapInArrow`` (each task
    opens a wrapper, sends its partition batch by batch, and outputs its failed rows and one
    summary row) into a local checkpoint (``localCheckpoint(eager=True)``); only the summary rows
    come to the driver, and the quarantine is read from the checkpoint, whose lineage no longer
    holds the send.

    Spark's task retries: a task that fails (an executor lost, an exception) is run again, and
    its earlier attempt may have landed part of the partition before it failed; the retry sends
    the whole partition again, so those rows land twice (delivery is at least once). Spark
    discards the failed attempt's output, so no row is reported twice: the counts are those of
    the attempt Spark kept. Retried tasks are counted (``TaskContext.attemptNumber() > 0``:
    ``retried_tasks``, ``retried_partitions``) with their rows (``rows_in_retried_tasks``), an
    upper bound on the rows an earlier attempt landed; ``possible_duplicates`` adds the rows
    replayed after reconnects. Not counted, because PySpark does not tell a task which stage
    attempt it belongs to: a task re-run by a new attempt of its stage (after a shuffle fetch
    failure upstream of the write) starts again at attempt 0. With ``spark.speculation`` on, a
    speculative copy of a task may send the partition alongside the original and only one of
    them is reported: a warning says so; keep speculation off for this job.

    Secrets: the client secret travels in the task's pickled function in a holder that shows
    ``***`` and does not hold it as text; it is never put in the Spark configuration, the
    environment, the query plan (``df.explain()``), the event log or the UI, and errors never
    name it.

    Types: Spark's types arrive as Arrow types (timestamp as ``timestamp[us, tz]``, decimal as
    ``decimal128``, date as ``date32``, arrays, maps and structs as lists, maps and structs) and
    go through the wrapper's one type table, as any Arrow data does.
    """
    _require_pyspark()
    from pyspark.sql import functions
    from pyspark.sql.types import StringType, StructField, StructType

    started = time.monotonic()
    shipped = ShippedSettings.resolve(config, settings, "write_to_zerobus()")
    check_columns(df.columns, "the DataFrame")
    for name in df.columns:
        if name.lower() == SUMMARY_COLUMN:
            raise ConfigurationError(
                f"the DataFrame has a column named {name!r}, the name of the column that "
                f"carries each task's summary; rename it before writing",
                code="INVALID_ARGUMENT",
            )
    spark = df.sparkSession
    if str(spark.conf.get("spark.speculation", "false")).lower() == "true":
        warnings.warn(
            "spark.speculation is on: a speculative copy of a task may send its partition "
            "too, and only one copy is reported, so rows may land twice without being counted "
            "in possible_duplicates",
            UserWarning,
            stacklevel=2,
        )
    output = StructType(
        [StructField(field.name, field.dataType, True, field.metadata) for field in df.schema]
        + [
            StructField(ERROR_TYPE_COLUMN, StringType(), True),
            StructField(ERROR_COLUMN, StringType(), True),
            StructField(SUMMARY_COLUMN, StringType(), True),
        ]
    )
    mapped = _send_plan(df, shipped, output, _arrow_schema(output, spark))
    checkpoint = mapped.localCheckpoint(eager=True)
    summary_rows = (
        checkpoint.where(functions.col(SUMMARY_COLUMN).isNotNull()).select(SUMMARY_COLUMN).collect()
    )
    tasks = [TaskSummary.from_json(row[0]) for row in summary_rows]
    quarantine = checkpoint.where(functions.col(SUMMARY_COLUMN).isNull()).drop(SUMMARY_COLUMN)
    totals = WriteSummary._totals(shipped.table_name, tasks, time.monotonic() - started)
    return ZerobusWriteResult(**totals, quarantine=quarantine)


def _send_plan(df: DataFrame, shipped: ShippedSettings, output: Any, arrow: pa.Schema):
    """The lazy DataFrame whose evaluation sends `df` (every evaluation sends again: only
    write_to_zerobus evaluates it, once)."""
    return df.mapInArrow(_task_function(shipped, arrow), output)


def _task_function(shipped: ShippedSettings, arrow: pa.Schema):
    """The function each task runs (pickled with the settings; its name shows in the plan)."""

    def zerobus_write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _run_task(batches, shipped, arrow)

    return zerobus_write


def _run_task(
    batches: Iterator[pa.RecordBatch], shipped: ShippedSettings, arrow: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """In a Spark task: sends the partition, yields its failed rows, then its summary row."""
    from pyspark import TaskContext

    context = TaskContext.get()
    partition = context.partitionId() if context is not None else 0
    attempt = context.attemptNumber() if context is not None else 0
    writer = PartitionWriter(shipped, task=partition, attempt=attempt)
    width = len(arrow) - 1  # the data's columns and the two error columns
    for quarantined in writer.write(batches):
        columns = [
            column if column.type == arrow.field(i).type else column.cast(arrow.field(i).type)
            for i, column in enumerate(quarantined.columns)
        ]
        columns.append(pa.nulls(quarantined.num_rows, pa.string()))
        yield pa.RecordBatch.from_arrays(columns, schema=arrow)
    summary = [pa.nulls(1, arrow.field(i).type) for i in range(width)]
    summary.append(pa.array([writer.summary.to_json()], pa.string()))
    yield pa.RecordBatch.from_arrays(summary, schema=arrow)


def _arrow_schema(schema: Any, spark: SparkSession) -> pa.Schema:
    """The Arrow schema Spark expects back from mapInArrow for `schema`, as it converts it."""
    from pyspark.sql.pandas.types import to_arrow_schema

    parameters = inspect.signature(to_arrow_schema).parameters
    options: dict[str, Any] = {}
    if "timezone" in parameters:
        options["timezone"] = spark.conf.get("spark.sql.session.timeZone", "UTC")
    if "prefers_large_types" in parameters:
        large = spark.conf.get("spark.sql.execution.arrow.useLargeVarTypes", "false")
        options["prefers_large_types"] = str(large).lower() == "true"
    return to_arrow_schema(schema, **options)
