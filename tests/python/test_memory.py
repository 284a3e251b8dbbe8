"""Arrow data is read in place: importing a large batch does not copy it.

The batch is 80 values of 1 MiB, over the 64 KiB record limit set here, so no row becomes a
record: what the send costs in memory is the import of the data (and the per-row errors), not
encoded records. A copy of the data would show as 80 MiB more resident memory."""

from __future__ import annotations

import os

import polars as pl
import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import ZerobusWrapper

ROWS = 80
VALUE_BYTES = 1 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def big_batch() -> pa.RecordBatch:
    blobs = pa.array([bytes([65 + i % 26]) * VALUE_BYTES for i in range(ROWS)], pa.binary())
    return pa.record_batch({"id": pa.array(range(ROWS), pa.int64()), "blob": blobs})


@pytest.mark.parametrize("kind", ["record_batch", "table", "polars"])
def test_large_input_is_not_copied(tmp_path, kind):
    batch = big_batch()
    data = {
        "record_batch": lambda: batch,
        "table": lambda: pa.Table.from_batches([batch]),
        "polars": lambda: pl.from_arrow(batch),
    }[kind]()
    with ZerobusWrapper(
        endpoint="https://workspace.cloud.databricks.com",
        table_name="main.default.memory",
        debug_protobuf_enabled=True,  # writer-disabled mode needs a debug format
        debug_output_dir=tmp_path,
        zerobus_writer_disabled=True,
        max_record_bytes=64 * 1024,
    ) as wrapper:
        wrapper.send_batch_sync(data.slice(0, 1) if kind != "polars" else data.head(1))  # warm up
        before = resident_bytes()
        result = wrapper.send_batch_sync(data)
        growth = resident_bytes() - before
    assert result.total_rows == ROWS and result.failed_count == ROWS
    assert result.batch_size_bytes >= ROWS * VALUE_BYTES
    # Well under one copy of the data (80 MiB); allocator noise is a few MiB at most.
    assert growth < ROWS * VALUE_BYTES // 4, f"resident memory grew by {growth / 2**20:.1f} MiB"
