"""Partial success and the quarantine workflow: failed rows out, landed rows exactly what the
table received, errors grouped and counted."""

from __future__ import annotations

import pyarrow as pa
import pytest
from support import landed_ids, people, with_bad_rows

from arrow_zerobus_sdk_wrapper import (
    ConfigurationError,
    ConversionError,
    TransmissionError,
    TransmissionResult,
    ZerobusError,
    ZerobusWrapper,
)


def test_quarantine_workflow(wrapper, emulator, table):
    batch = with_bad_rows()
    result = wrapper.send_batch_sync(batch)

    assert result.success and result.is_partial_success()
    assert result.has_failed_rows() and result.has_successful_rows()
    assert (result.total_rows, result.successful_count, result.failed_count) == (6, 4, 2)
    assert result.get_failed_row_indices() == [1, 4]
    assert result.get_successful_row_indices() == [0, 2, 3, 5] == result.successful_rows

    # Quarantine: exactly the bad rows, in row order, with the batch's schema.
    failed = result.extract_failed_batch(batch)
    assert isinstance(failed, pa.RecordBatch)
    assert failed.schema == batch.schema
    assert failed.to_pydict() == {"id": [11, None], "name": [None, "e"], "score": [2.0, 5.0]}

    # Landed: exactly what the table received.
    landed = result.extract_successful_batch(batch)
    assert landed.column("id").to_pylist() == [10, 12, 13, 15]
    assert landed_ids(emulator, table) == [10, 12, 13, 15]
    assert emulator.counters(table)["records"] == 4

    # Errors: which row, which type, why.
    assert [row for row, _ in result.failed_rows] == [1, 4]
    assert "name" in result.failed_rows[0][1] and "id" in result.failed_rows[1][1]
    for _, error in result.row_errors:
        assert isinstance(error, ConversionError) and isinstance(error, ZerobusError)
        assert error.retryable is False and error.code == "INVALID_ARGUMENT"
        assert "null" in error.cause
    assert result.group_errors_by_type() == {"ConversionError": [1, 4]}
    assert result.get_failed_row_indices_by_error_type("ConversionError") == [1, 4]
    assert result.get_failed_row_indices_by_error_type(ConversionError) == [1, 4]
    assert result.get_failed_row_indices_by_error_type("TransmissionError") == []
    stats = result.get_error_statistics()
    assert stats == {
        "total_rows": 6,
        "successful_count": 4,
        "failed_count": 2,
        "success_rate": pytest.approx(4 / 6),
        "failure_rate": pytest.approx(2 / 6),
        "error_type_counts": {"ConversionError": 2},
    }
    messages = result.get_error_messages()
    assert len(messages) == 2 and messages[0].startswith("row 1: ")


def test_every_row_failing(wrapper, emulator, table):
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False)])
    batch = pa.RecordBatch.from_arrays([pa.array([None, None], pa.int64())], schema=schema)
    result = wrapper.send_batch_sync(batch)
    assert not result.success and not result.is_partial_success()
    assert isinstance(result.error, ConversionError)
    assert result.extract_successful_batch(batch) is None
    assert result.extract_failed_batch(batch).num_rows == 2


def test_refused_by_the_service(settings, emulator, table):
    emulator.set_fault_script(
        table,
        {
            "events": [
                {
                    "after_requests": 1,
                    "kind": "error",
                    "code": "INVALID_ARGUMENT",
                    "message": "records refused by the test",
                }
            ]
        },
    )
    wrapper = ZerobusWrapper(**settings)
    result = wrapper.send_batch_sync(people(5))
    # Closing reports the stream's end, as a value (it is in the result already).
    closed = wrapper.shutdown_sync()
    assert isinstance(closed, ZerobusError) and "records refused" in closed.cause
    assert wrapper.shutdown_sync() is closed
    assert not result.success
    assert result.failed_count == 5 and result.successful_count == 0
    assert isinstance(result.error, ZerobusError)
    assert "records refused by the test" in result.error.cause
    assert all(isinstance(error, TransmissionError) for _, error in result.row_errors)
    assert result.group_errors_by_type() == {"TransmissionError": [0, 1, 2, 3, 4]}
    assert result.extract_successful_batch(people(5)) is None


def test_extract_with_another_batch_is_an_error(wrapper):
    result = wrapper.send_batch_sync(with_bad_rows())
    with pytest.raises(ZerobusError, match="pass the batch that was sent"):
        result.extract_failed_batch(people(2))


def test_result_built_by_hand():
    result = TransmissionResult(
        True,
        failed_rows=[(1, "ConversionError: bad value"), (3, TransmissionError("refused"))],
        successful_rows=[0, 2],
        total_rows=4,
        successful_count=2,
        failed_count=2,
    )
    assert result.is_partial_success()
    assert result.group_errors_by_type() == {"ConversionError": [1], "TransmissionError": [3]}
    assert isinstance(result.row_errors[1][1], TransmissionError)
    batch = people(4)
    assert result.extract_failed_batch(batch).column("id").to_pylist() == [1, 3]
    assert "success=True" in repr(result)


def test_invalid_utf8_is_the_same_row_error_in_both_formats(wrapper, emulator, table):
    # from_buffers does not validate: row 1 holds the bytes ff fe, which are not UTF-8.
    offsets = pa.array([0, 2, 4, 7], pa.int32()).buffers()[1]
    names = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"ok\xff\xfeyes")])
    batch = pa.record_batch({"id": pa.array([1, 2, 3], pa.int64()), "name": names})
    result = wrapper.send_batch_sync(batch)
    assert result.get_failed_row_indices() == [1]
    ((_, error),) = result.row_errors
    assert isinstance(error, ConversionError)
    assert error.cause == (
        "row 1, column 'name': value of 2 bytes is not valid UTF-8 (string columns must hold "
        "UTF-8; send bytes as binary)"
    )
    assert landed_ids(emulator, table) == [1, 3]


def test_record_size_limit_is_protobuf_only(wrapper, wire_format, emulator, table):
    # max_record_bytes (4,194,285 by default) bounds a Protobuf record, as the service does; the
    # Arrow format has no per-row limit (docs/api.md, "Wire formats").
    big = "x" * (5 * 1024 * 1024)
    batch = pa.record_batch({"id": pa.array([1, 2], pa.int64()), "name": [big, "small"]})
    result = wrapper.send_batch_sync(batch)
    if wire_format == "protobuf":
        assert result.get_failed_row_indices() == [0]
        ((_, error),) = result.row_errors
        assert isinstance(error, ConversionError)
        assert "exceeds the limit of 4194285 bytes" in error.cause
        assert landed_ids(emulator, table) == [2]
    else:
        assert result.failed_count == 0 and result.successful_count == 2
        assert landed_ids(emulator, table) == [1, 2]


def test_all_rows_landed_is_false_while_success_is_true(wrapper):
    result = wrapper.send_batch_sync(with_bad_rows())
    assert result.success and not result.all_rows_landed
    assert wrapper.send_batch_sync(people(3, start=100)).all_rows_landed


def test_failed_batch_after_sending_a_reader(wrapper, emulator, table):
    # 1,000 rows in 4 batches, 5 of them with a null in the required id: the reader is spent
    # once sent, so the failed rows come from the result itself.
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    bad = {3, 250, 251, 600, 999}
    ids = [None if i in bad else i for i in range(1000)]
    data = pa.Table.from_arrays(
        [pa.array(ids, pa.int64()), pa.array([f"n{i}" for i in range(1000)])], schema=schema
    )
    reader = pa.RecordBatchReader.from_batches(schema, data.to_batches(max_chunksize=250))
    result = wrapper.send_batch_sync(reader)
    assert result.success and not result.all_rows_landed
    assert result.get_failed_row_indices() == sorted(bad)
    with pytest.raises(ZerobusError, match="batch given has 0"):
        result.extract_failed_batch(reader)

    failed = result.failed_batch()
    assert failed.schema.names == [
        "id",
        "name",
        "_zerobus_row",
        "_zerobus_error_type",
        "_zerobus_error",
    ]
    assert failed.schema.field("id").nullable
    assert failed.column("name").to_pylist() == [f"n{i}" for i in sorted(bad)]
    assert failed.column("_zerobus_row").to_pylist() == sorted(bad)
    assert set(failed.column("_zerobus_error_type").to_pylist()) == {"ConversionError"}
    assert failed.column("_zerobus_error").to_pylist() == [m for _, m in _messages(result)]
    assert len(landed_ids(emulator, table)) == 995


def _messages(result):
    return [(row, error.cause) for row, error in result.row_errors]


def test_failed_batch_is_empty_when_every_row_landed(wrapper):
    result = wrapper.send_batch_sync(pa.Table.from_batches([people(4)]))
    failed = result.failed_batch()
    assert failed.num_rows == 0
    assert failed.schema.names[-3:] == ["_zerobus_row", "_zerobus_error_type", "_zerobus_error"]


def test_failed_batch_of_a_result_built_by_hand_is_an_error():
    result = TransmissionResult(
        False, failed_rows=[(0, "ConversionError: bad")], total_rows=1, failed_count=1
    )
    with pytest.raises(ZerobusError, match="extract_failed_batch"):
        result.failed_batch()


def test_unsupported_column_type_is_refused_once(wrapper, emulator, table):
    # DuckDB's INTERVAL is Arrow's month_day_nano_interval, which no Delta column holds.
    duckdb = pytest.importorskip("duckdb")
    relation = duckdb.sql("SELECT i AS id, INTERVAL 1 DAY AS span FROM range(3000) t(i)")
    with pytest.raises(ConfigurationError) as caught:
        wrapper.send_batch_sync(relation)
    assert str(caught.value).count("month_day_nano_interval") == 1
    assert "column 'span'" in str(caught.value)
    batch = pa.record_batch({"span": pa.array([(1, 2, 3)], pa.month_day_nano_interval())})
    with pytest.raises(ConfigurationError, match="column 'span'"):
        wrapper.send_batch_sync(batch)
    assert emulator.counters(table)["records"] == 0
