"""Helpers shared by the Python tests: test data and readers of what landed."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from arrow_zerobus_sdk_wrapper.emulator import Emulator


def landed_ids(emulator: Emulator, table: str) -> list[int]:
    """The id column of every row landed in `table` (int64 is a string in protobuf JSON)."""
    return [int(row["id"]) for row in emulator.landed_rows(table)]


def people(n: int = 3, start: int = 0) -> pa.RecordBatch:
    """A batch of `n` rows: id int64, name string, score float64."""
    ids = list(range(start, start + n))
    return pa.record_batch(
        {
            "id": pa.array(ids, pa.int64()),
            "name": pa.array([f"name-{i}" for i in ids], pa.string()),
            "score": pa.array([i * 0.5 for i in ids], pa.float64()),
        }
    )


def with_bad_rows() -> pa.RecordBatch:
    """Six rows whose id and name are required: rows 1 and 4 have nulls there, so they cannot
    become records (ConversionError) while the others land."""
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("name", pa.string(), nullable=False),
            pa.field("score", pa.float64()),
        ]
    )
    return pa.RecordBatch.from_arrays(
        [
            pa.array([10, 11, 12, 13, None, 15], pa.int64()),
            pa.array(["a", None, "c", "d", "e", "f"], pa.string()),
            pa.array([1.0, 2.0, None, 4.0, 5.0, 6.0], pa.float64()),
        ],
        schema=schema,
    )


def tmp_debug_files(root: Path, kind: str) -> list[Path]:
    """Debug files of one kind ("arrow", "proto", "descriptors") under a debug_output_dir."""
    return sorted((root / "zerobus" / kind).glob("*"))
