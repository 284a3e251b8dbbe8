"""The writer the Spark and Ray integrations share (`_partition_writer`), without either engine:
one task's batches through one wrapper against the in-process emulator. Every row read is landed
or in the quarantine with its cause, also when a batch or the wrapper is refused as a whole; the
settings travel pickled without the secret showing."""

from __future__ import annotations

import json
import pickle

import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import ConfigurationError, RowsFailedError, WrapperConfiguration
from arrow_zerobus_sdk_wrapper._partition_writer import (
    PartitionWriter,
    Secret,
    ShippedSettings,
    TaskSummary,
    WriteSummary,
)
from arrow_zerobus_sdk_wrapper.emulator import Emulator

TABLE = "main.writer.people"
PEOPLE = [("id", "BIGINT", False), ("name", "STRING", False)]


def batch(start: int, rows: int, bad: set[int] = frozenset()) -> pa.RecordBatch:
    ids = list(range(start, start + rows))
    return pa.record_batch(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array([None if i in bad else f"n{i}" for i in ids], pa.string()),
        }
    )


def shipped(emu: Emulator, table: str = TABLE, **settings: object) -> ShippedSettings:
    # Through pickle, as the tasks get it.
    return pickle.loads(
        pickle.dumps(ShippedSettings.resolve(None, {**emu.settings(table), **settings}, "test"))
    )


def test_every_row_is_landed_or_quarantined_with_its_cause(tmp_path):
    with Emulator(tables={TABLE: PEOPLE}, data_dir=tmp_path) as emu:
        writer = PartitionWriter(shipped(emu, schema_source="table", stream_count=2), task=7)
        data = [batch(i * 100, 100, {i * 100 + 5}) for i in range(10)]
        data.insert(3, batch(10_000, 0))  # an empty batch opens nothing and counts nothing
        quarantine = pa.Table.from_batches(list(writer.write(iter(data))))
        landed = sorted(row["id"] for row in emu.landed_rows(TABLE))
    summary = writer.summary
    bad = [i * 100 + 5 for i in range(10)]
    assert (summary.task, summary.rows, summary.rows_landed, summary.rows_failed) == (
        7,
        1000,
        990,
        10,
    )
    assert summary.failures_by_type == {"ConversionError": 10}
    assert summary.batches == 10 and summary.streams_opened == 2 and summary.bytes_sent > 0
    assert [e["row"] for e in summary.first_errors] == bad[:5]  # rows of the task's data
    assert landed == sorted(set(range(1000)) - set(bad))
    assert quarantine.column_names == ["id", "name", "_zerobus_error_type", "_zerobus_error"]
    assert quarantine.column("id").to_pylist() == bad
    assert quarantine.schema.field("id").nullable  # every field nullable
    assert set(quarantine.column("_zerobus_error_type").to_pylist()) == {"ConversionError"}
    assert TaskSummary.from_json(summary.to_json()) == summary


def test_a_batch_refused_as_a_whole_is_quarantined_with_the_cause():
    """A batch whose schema cannot be sent is refused before any row is read: all its rows go
    to the quarantine with the ConfigurationError naming the column; the next batches land."""
    spans = pa.record_batch(
        {"id": pa.array([1, 2], pa.int64()), "span": pa.array([pa.MonthDayNano([1, 2, 3])] * 2)}
    )
    with Emulator() as emu:
        writer = PartitionWriter(shipped(emu, "main.writer.any"))
        out = list(writer.write([batch(0, 10), spans, batch(10, 10)]))
    assert (writer.summary.rows, writer.summary.rows_landed, writer.summary.rows_failed) == (
        22,
        20,
        2,
    )
    assert writer.summary.failures_by_type == {"ConfigurationError": 2}
    (refused,) = out
    assert refused.column("id").to_pylist() == [1, 2]
    assert refused.schema.field("span").type == pa.month_day_nano_interval()
    assert "column 'span'" in refused.column("_zerobus_error")[0].as_py()


def test_a_wrapper_that_cannot_be_created_quarantines_every_row():
    """schema_source table for a table Unity Catalog does not know: the wrapper fails on the
    executor (HTTP 404); every row of the task is quarantined with that cause, none lost."""
    with Emulator() as emu:
        writer = PartitionWriter(shipped(emu, "main.writer.nowhere", schema_source="table"))
        out = pa.Table.from_batches(list(writer.write([batch(0, 5), batch(5, 5)])))
    assert (writer.summary.rows_landed, writer.summary.rows_failed) == (0, 10)
    assert out.column("id").to_pylist() == list(range(10))
    cause = out.column("_zerobus_error")[0].as_py()
    assert "main.writer.nowhere" in cause and "404" in cause, cause


def test_the_write_summary_adds_up_tasks_and_raises_naming_counts():
    tasks = [
        TaskSummary(task=0, rows=10, rows_landed=10, rows_replayed=3, stream_ids=["a"]),
        TaskSummary(
            task=1,
            attempt=1,
            rows=10,
            rows_landed=8,
            rows_failed=2,
            failures_by_type={"TransmissionError": 2},
            rows_failed_retryable=2,
            first_errors=[{"task": 1, "row": 4, "error_type": "TransmissionError", "message": "m"}],
            stream_ids=["b", "a"],
            close_error="TransmissionError: closing",
        ),
    ]
    total = WriteSummary.from_tasks("main.a.b", tasks, 1.5)
    assert (total.rows_landed, total.rows_failed, total.total_rows) == (18, 2, 20)
    assert (total.retried_tasks, total.retried_partitions, total.rows_in_retried_tasks) == (
        1,
        [1],
        10,
    )
    assert total.possible_duplicates == 13 and total.stream_ids == ["a", "b"]
    assert total.close_errors == ["task 1: TransmissionError: closing"]
    with pytest.raises(RowsFailedError) as raised:
        total.raise_if_failed()
    assert str(raised.value) == (
        "2 of 20 rows did not land in main.a.b (2 tasks; TransmissionError: 2); "
        "first errors: task 1 row 4: TransmissionError: m"
    )
    assert raised.value.retryable is True  # every failed row's error was retryable
    copy = pickle.loads(pickle.dumps(raised.value))
    assert copy.summary == total.summary_only() and str(copy) == str(raised.value)
    WriteSummary.from_tasks("main.a.b", tasks[:1], 0).raise_if_failed()  # nothing failed


def test_secrets_never_show_and_a_configuration_must_give_them_again(tmp_path):
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret) + str(secret) + f"{secret}"
    assert b"s3cr3t" not in pickle.dumps(secret)
    assert pickle.loads(pickle.dumps(secret)).reveal() == "s3cr3t-value"

    settings = {
        "endpoint": "http://127.0.0.1:1",
        "table_name": "main.a.b",
        "unity_catalog_url": "http://127.0.0.1:2",
        "client_id": "id",
        "client_secret": "s3cr3t-value",
        "observability_headers": "authorization=s3cr3t-header",
    }
    config = WrapperConfiguration(**settings)
    with pytest.raises(ConfigurationError) as raised:
        ShippedSettings.resolve(config, {}, "write()")
    assert "client_secret=..., observability_headers=..." in str(raised.value)
    again = ShippedSettings.resolve(
        config,
        {"client_secret": "s3cr3t-value", "observability_headers": "authorization=s3cr3t-header"},
        "write()",
    )
    assert "s3cr3t" not in repr(again) and b"s3cr3t" not in pickle.dumps(again)
    assert again.configuration() == config  # the same settings on the other side

    with pytest.raises(ConfigurationError, match="stream_count"):
        ShippedSettings.resolve(None, {**settings, "stream_count": 0}, "write()")
    with pytest.raises(ConfigurationError, match="client_secret is '\\*\\*\\*', the mask"):
        ShippedSettings.resolve(None, config.to_dict(), "write()")
    with pytest.raises(ConfigurationError, match="resume_stream_ids cannot be used"):
        ShippedSettings.resolve(
            None, {**settings, "delivery": "exactly_once", "resume_stream_ids": "a"}, "write()"
        )

    # table_schema travels as the file's bytes: the executor needs no copy of the file.
    schema_file = tmp_path / "table.json"
    schema_file.write_text(json.dumps({"name": "b", "catalog_name": "main", "schema_name": "a"}))
    with_schema = ShippedSettings.resolve(
        None, {**settings, "schema_source": "table", "table_schema": str(schema_file)}, "write()"
    )
    schema_file.unlink()
    rebuilt = pickle.loads(pickle.dumps(with_schema)).configuration()
    assert json.loads(rebuilt.table_schema) == {
        "name": "b",
        "catalog_name": "main",
        "schema_name": "a",
    }
    assert rebuilt.descriptor_proto is None
