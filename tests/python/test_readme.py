"""The Python snippets of the original README (Quick Start > Python, Writer Disabled Mode >
Python, Python Example with DuckDB), with their API usage unchanged, pointed at the emulator.

Two adaptations, both outside the API: the README's table "my_table" becomes a three-part name
(Zerobus tables are catalog.schema.table and the wrapper validates that), and DuckDB queries the
debug files through pyarrow instead of its `arrow` community extension (installing that
downloads it, which needs internet access)."""

from __future__ import annotations

import asyncio
import glob

import duckdb
import pyarrow as pa
import pyarrow.ipc as ipc
from support import with_bad_rows

from arrow_zerobus_sdk_wrapper import ZerobusWrapper


def quick_start(settings: dict[str, object], make_batch) -> None:
    """README Quick Start > Python, as written (endpoint, table and credentials from the
    emulator; the batch from `make_batch`, the README's own by default)."""

    async def main():
        wrapper = ZerobusWrapper(
            endpoint=settings["endpoint"],
            table_name=settings["table_name"],
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            unity_catalog_url=settings["unity_catalog_url"],
        )
        batch = make_batch()
        # Send batch
        result = await wrapper.send_batch(batch)
        if result.success:
            print("Batch sent successfully!")
            # Handle per-row errors (if any)
            if result.is_partial_success():
                print(
                    f"⚠️ Partial success: {result.successful_count} succeeded, "
                    f"{result.failed_count} failed"
                )
                # Extract and quarantine failed rows
                failed_batch = result.extract_failed_batch(batch)
                if failed_batch is not None:
                    print(f"Quarantining {failed_batch.num_rows} failed rows")
                # Extract and write successful rows
                successful_batch = result.extract_successful_batch(batch)
                if successful_batch is not None:
                    print(f"Writing {successful_batch.num_rows} successful rows")
            # Analyze error patterns
            if result.has_failed_rows():
                stats = result.get_error_statistics()
                print(f"Success rate: {stats['success_rate'] * 100:.1}%")
                grouped = result.group_errors_by_type()
                for error_type, indices in grouped.items():
                    print(f" {error_type}: {len(indices)} rows")
        await wrapper.shutdown()

    asyncio.run(main())


def readme_batch() -> pa.RecordBatch:
    # Create Arrow RecordBatch (the README's code)
    schema = pa.schema(
        [
            pa.field("id", pa.int64()),
            pa.field("name", pa.string()),
        ]
    )
    arrays = [
        pa.array([1, 2, 3], type=pa.int64()),
        pa.array(["Alice", "Bob", "Charlie"], type=pa.string()),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def test_quick_start(emulator, settings, table, capsys):
    quick_start(settings, readme_batch)
    assert capsys.readouterr().out == "Batch sent successfully!\n"
    assert len(emulator.landed_records(table)) == 3  # the records' protobuf bytes
    assert emulator.landed_rows(table) == [
        {"id": 1, "name": "Alice"},
        {"id": 2, "name": "Bob"},
        {"id": 3, "name": "Charlie"},
    ]


def test_quick_start_partial_success_branch(emulator, settings, table, capsys):
    quick_start(settings, with_bad_rows)
    assert capsys.readouterr().out.splitlines() == [
        "Batch sent successfully!",
        "⚠️ Partial success: 4 succeeded, 2 failed",
        "Quarantining 2 failed rows",
        "Writing 4 successful rows",
        "Success rate: 7e+01%",  # the README's format spec ".1" (one significant digit)
        " ConversionError: 2 rows",
    ]
    assert emulator.counters(table)["records"] == 4


def test_writer_disabled_mode(tmp_path, monkeypatch):
    """Writer Disabled Mode > Python: no credentials, debug files written, no network."""
    monkeypatch.chdir(tmp_path)
    batch = readme_batch()

    async def main():
        wrapper = ZerobusWrapper(
            endpoint="https://workspace.cloud.databricks.com",
            table_name="main.default.my_table",
            debug_enabled=True,
            debug_output_dir="./debug_output",
            zerobus_writer_disabled=True,  # Enable disabled mode
            # No credentials required when writer is disabled
        )
        result = await wrapper.send_batch(batch)
        # Debug files written, no network calls made
        await wrapper.shutdown()
        return result

    result = asyncio.run(main())
    assert result.success and result.writer_disabled
    assert result.successful_count == 3
    assert result.stream_ids == []
    arrow_files = glob.glob("debug_output/zerobus/arrow/*.arrows")
    assert len(arrow_files) == 1
    assert ipc.open_stream(arrow_files[0]).read_all().to_pydict() == batch.to_pydict()
    assert len(glob.glob("debug_output/zerobus/proto/*.pbs")) == 1


def test_python_example_with_duckdb(tmp_path, monkeypatch):
    """Python Example with DuckDB: the README's two queries, over the debug files read with
    pyarrow (the replacement scan of DuckDB's Python client finds the `table` variable)."""
    monkeypatch.chdir(tmp_path)
    with ZerobusWrapper(
        endpoint="https://workspace.cloud.databricks.com",
        table_name="main.default.scores",
        debug_enabled=True,
        debug_output_dir="./debug_output",
        debug_max_file_rows=100,  # several files, as the README's multi-file query expects
        zerobus_writer_disabled=True,
    ) as wrapper:
        for start in range(0, 250, 50):
            ids = list(range(start, start + 50))
            wrapper.send_batch_sync(
                pa.record_batch({"id": ids, "name": [f"n{i}" for i in ids], "score": ids})
            )

    # Connect to DuckDB
    conn = duckdb.connect()
    # Read Arrow debug files (with pyarrow, each row tagged with its file's name)
    files = sorted(glob.glob("debug_output/zerobus/arrow/*.arrows"))
    assert len(files) >= 2
    tables = []
    for path in files:
        data = ipc.open_stream(path).read_all()
        tables.append(data.append_column("file_name", pa.array([path] * data.num_rows)))
    debug_rows = pa.concat_tables(tables)  # noqa: F841 (DuckDB finds the variable by name)
    result = conn.execute(
        """
    SELECT *
    FROM debug_rows
    LIMIT 100
    """
    ).fetchall()
    assert len(result) == 100
    # Analyze data across multiple files
    stats = conn.execute(
        """
    SELECT
    COUNT(*) as total_rows,
    COUNT(DISTINCT file_name) as num_files
    FROM debug_rows
    """
    ).fetchall()
    assert stats == [(250, len(files))]
    high = conn.execute(
        "SELECT id, name, score FROM debug_rows WHERE score > 240 ORDER BY score DESC"
    ).fetchall()
    assert [row[0] for row in high] == list(range(249, 240, -1))
