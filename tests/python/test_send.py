"""Sending: every kind of input, both calling styles, and the wrapper's lifecycle."""

from __future__ import annotations

import asyncio

import polars as pl
import pyarrow as pa
import pytest
from support import landed_ids, people, with_bad_rows

from arrow_zerobus_sdk_wrapper import ConfigurationError, TransmissionResult, ZerobusWrapper

ACCEPTED = (
    "a pyarrow RecordBatch, Table or RecordBatchReader, a polars DataFrame, or any object "
    "implementing __arrow_c_stream__ or __arrow_c_array__"
)


def test_sync_and_async(wrapper, emulator, table, wire_format):
    result = wrapper.send_batch_sync(people(3))
    assert isinstance(result, TransmissionResult)
    assert (result.success, result.total_rows, result.successful_count) == (True, 3, 3)
    assert result.successful_rows == [0, 1, 2]
    assert result.failed_rows == [] and result.row_errors == [] and result.error is None
    assert result.attempts == 1 and result.requests_sent >= 1 and result.encoded_bytes > 0
    # Arrow Flight gives a stream no id: stream_ids stays empty in that format.
    assert len(result.stream_ids) == (wire_format == "protobuf") and result.latency_ms > 0
    assert result.batch_size_bytes > 0 and not result.writer_disabled
    assert result.requests_replayed == 0 and result.rows_replayed == 0

    async def main():
        return await wrapper.send_batch(people(2, start=3))

    result = asyncio.run(main())
    assert result.success and result.successful_rows == [0, 1]
    assert landed_ids(emulator, table) == [0, 1, 2, 3, 4]
    stats = wrapper.stats()
    assert stats["batches"] == 2 and stats["rows_succeeded"] == 5


def test_table_rows_numbered_across_batches(wrapper, emulator, table):
    bad = with_bad_rows()  # rows 1 and 4 cannot be converted
    good = pa.RecordBatch.from_arrays(people(4, start=100).columns, schema=bad.schema)
    data = pa.Table.from_batches([good, bad, good])
    result = wrapper.send_batch_sync(data)
    assert result.total_rows == 14
    assert result.get_failed_row_indices() == [5, 8]
    assert result.successful_count == 12
    failed = result.extract_failed_batch(data)
    assert failed.to_pydict() == {"id": [11, None], "name": [None, "e"], "score": [2.0, 5.0]}
    landed = result.extract_successful_batch(data)
    assert landed.num_rows == 12
    assert sorted(landed_ids(emulator, table)) == sorted(i for i in landed.column("id").to_pylist())


def test_record_batch_reader_from_python_generator(wrapper, emulator, table):
    def batches():
        for start in range(0, 50, 10):
            yield people(10, start=start)

    reader = pa.RecordBatchReader.from_batches(people(1).schema, batches())
    result = wrapper.send_batch_sync(reader)
    assert result.success and result.total_rows == 50
    assert result.successful_rows == list(range(50))

    async def main():
        reader = pa.RecordBatchReader.from_batches(people(1).schema, batches())
        return await wrapper.send_batch(reader)

    assert asyncio.run(main()).successful_count == 50
    assert landed_ids(emulator, table) == list(range(50)) * 2


def test_reader_that_fails_midway(wrapper):
    def batches():
        yield people(5)
        raise ValueError("the source broke")

    reader = pa.RecordBatchReader.from_batches(people(1).schema, batches())
    result = wrapper.send_batch_sync(reader)
    assert not result.success
    assert "the source broke" in result.error.cause
    assert result.successful_rows == [0, 1, 2, 3, 4]


def test_polars_dataframe(wrapper, emulator, table):
    frame = pl.DataFrame(
        {"id": [1, 2, 3], "name": ["Ada", "Grace", None], "tags": [["a"], [], ["b", "c"]]}
    )
    result = wrapper.send_batch_sync(frame)
    assert result.success and result.successful_count == 3
    rows = emulator.landed_rows(table)
    assert [row.get("name") for row in rows] == ["Ada", "Grace", None]
    assert [row.get("tags", []) for row in rows] == [["a"], [], ["b", "c"]]
    # Views (string_view) come back as plain strings.
    landed = result.extract_successful_batch(frame)
    assert landed.schema.field("name").type == pa.string()
    assert landed.column("name").to_pylist() == ["Ada", "Grace", None]


def test_any_pycapsule_exporter(wrapper, emulator, table):
    batch = people(4)

    class StreamOnly:
        def __arrow_c_stream__(self, requested_schema=None):
            return pa.Table.from_batches([batch]).__arrow_c_stream__(requested_schema)

    class ArrayOnly:
        def __arrow_c_array__(self, requested_schema=None):
            return batch.__arrow_c_array__(requested_schema)

    assert wrapper.send_batch_sync(StreamOnly()).successful_count == 4
    assert wrapper.send_batch_sync(ArrayOnly()).successful_count == 4
    struct_array = pa.StructArray.from_arrays(batch.columns, names=batch.schema.names)
    assert wrapper.send_batch_sync(struct_array).successful_count == 4
    assert len(landed_ids(emulator, table)) == 12


@pytest.mark.parametrize("bad", [[1, 2, 3], None, {"id": [1]}, "text", 42])
def test_bad_input_type(wrapper, bad):
    with pytest.raises(TypeError) as caught:
        wrapper.send_batch_sync(bad)
    assert ACCEPTED in str(caught.value)

    async def main():
        await wrapper.send_batch(bad)

    with pytest.raises(TypeError, match="send_batch expects"):
        asyncio.run(main())


def test_non_struct_arrow_data(wrapper):
    with pytest.raises(TypeError, match="not a record batch") as caught:
        wrapper.send_batch_sync(pa.array([1, 2, 3]))
    assert ACCEPTED in str(caught.value)


def test_empty_batch(wrapper, emulator, table):
    result = wrapper.send_batch_sync(people(0))
    assert result.success and result.total_rows == 0
    assert result.extract_failed_batch(people(0)) is None
    assert result.extract_successful_batch(people(0)) is None
    assert emulator.counters(table)["streams_created"] == 0  # an empty batch never connects


def test_shutdown_twice_and_use_after_shutdown(settings, table):
    wrapper = ZerobusWrapper(**settings)
    assert wrapper.send_batch_sync(people(1)).success
    wrapper.shutdown_sync()
    wrapper.shutdown_sync()  # nothing more to do
    assert wrapper.is_shut_down
    with pytest.raises(ConfigurationError, match=f"wrapper for table {table} is shut down"):
        wrapper.send_batch_sync(people(1))

    async def main():
        await wrapper.shutdown()  # still fine
        with pytest.raises(ConfigurationError, match="is shut down") as caught:
            await wrapper.send_batch(people(1))
        assert caught.value.retryable is False

    asyncio.run(main())


def test_context_managers(settings, emulator, table):
    with ZerobusWrapper(**settings) as wrapper:
        wrapper.send_batch_sync(people(2))
    assert wrapper.is_shut_down

    async def main():
        async with ZerobusWrapper(**settings) as wrapper:
            await wrapper.send_batch(people(2, start=2))
            await wrapper.flush()
        return wrapper

    assert asyncio.run(main()).is_shut_down
    # Two wrappers, two streams: each stream's rows land in order, the streams in any order.
    assert sorted(landed_ids(emulator, table)) == [0, 1, 2, 3]


def test_flush_waits_for_sends(wrapper, emulator, table):
    async def main():
        tasks = [
            asyncio.ensure_future(wrapper.send_batch(people(10, start=i * 10))) for i in range(5)
        ]
        await asyncio.sleep(0)  # each task runs until its send is submitted
        await wrapper.flush()
        assert emulator.counters(table)["records"] == 50
        await asyncio.gather(*tasks)

    asyncio.run(main())


def test_result_after_its_loop_closed_is_dropped(wrapper):
    # A result that arrives after its loop was closed is dropped quietly.
    loop = asyncio.new_event_loop()
    task = loop.create_task(wrapper.send_batch(people(3)))
    task._log_destroy_pending = False  # it stays pending: its loop is gone
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    assert not task.done() or task.result().success
    wrapper.flush_sync()


@pytest.mark.parametrize(("codec", "level"), [("zstd", 9), ("lz4_frame", None), ("zstd", None)])
def test_arrow_format_with_ipc_compression_lands_every_row(emulator, table, codec, level):
    settings = {
        **emulator.settings(table),
        "wire_format": "arrow",
        "arrow_ipc_compression": codec,
        "arrow_ipc_compression_level": level,
    }
    with ZerobusWrapper(**settings) as wrapper:
        assert wrapper.config.arrow_ipc_compression_level == level
        result = wrapper.send_batch_sync(people(50))
    assert result.all_rows_landed and result.successful_count == 50
    assert landed_ids(emulator, table) == list(range(50))
