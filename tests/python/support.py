"""Helpers shared by the Python tests: test data and readers of what landed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

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


def landed_table(landed: Path, table: str) -> pa.Table | None:
    """Every row a `zerobus-emulator --data-dir landed` process landed in `table` (all its
    streams' files), or None when nothing landed. A file still open (or cut) is read up to its
    last whole batch: a batch lands before it is acknowledged."""
    batches: list[pa.RecordBatch] = []
    schema = None
    for path in sorted((landed / table).glob("*.arrows")):
        with pa.OSFile(str(path)) as source:
            try:
                reader = pa.ipc.open_stream(source)
            except (pa.ArrowInvalid, OSError):
                continue  # not even the schema yet
            schema = reader.schema
            while True:
                try:
                    batches.append(reader.read_next_batch())
                except StopIteration:
                    break
                except (pa.ArrowInvalid, OSError):
                    break
    if schema is None:
        return None
    return pa.Table.from_batches(batches, schema=schema)


def start_emulator_process(
    binary: str,
    workdir: Path,
    tables: dict[str, list[tuple[str, str, bool]]],
    faults: dict[str, Any],
    client_secret: str,
) -> Any:
    """A started `zerobus-emulator` process (tests/cli/emulator_process.py) with the service's
    quotas, landing in `workdir`/landed: `tables` declared ({table: [(name, type, nullable)]}),
    the fault script `faults`, and `client_secret` the one secret it accepts. Stop it with
    ``stop()``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    from emulator_process import EmulatorProcess

    declared = workdir / "tables.json"
    declared.write_text(
        json.dumps(
            {
                table: [{"name": n, "type": t, "nullable": null} for n, t, null in columns]
                for table, columns in tables.items()
            }
        )
    )
    script = workdir / "faults.json"
    script.write_text(json.dumps(faults))
    emulator = EmulatorProcess(
        binary,
        workdir,
        [
            "--tables",
            str(declared),
            "--fault-script",
            str(script),
            "--client-secret",
            client_secret,
            "--service-quotas",
        ],
    )
    emulator.start()
    return emulator


def landed_ids_of_process(server: Any, table: str) -> list[int]:
    """The id column of every row a process from start_emulator_process landed in `table`."""
    landed = landed_table(server.workdir / "landed", table)
    return [] if landed is None else landed.column("id").to_pylist()


#: A fault script for one table: a request refused with the 6002 stream timeout (it does not
#: land), then a connection killed after a request landed, whose ack is lost (it lands again).
CUT_TWICE = {
    "events": [
        {"after_requests": 2, "kind": "unavailable_6002"},
        {"after_requests": 3, "kind": "kill"},
    ]
}


def emulator_process_settings(
    server: Any, client_secret: str, table: str, /, **overrides: object
) -> dict[str, object]:
    """Wrapper settings for `table` on a process from start_emulator_process, with short retry
    delays and bounds on every send: a stream in trouble gives up after 20 s, a request
    unacknowledged for 30 s fails (a write then reports its rows failed, never hangs). Any
    setting, the client secret too, can be overridden."""
    return {
        "endpoint": server.endpoint,
        "unity_catalog_url": server.workspace_url,
        "client_id": Emulator.client_id,
        "client_secret": client_secret,
        "table_name": table,
        "retry_base_delay_ms": 10,
        "retry_max_delay_ms": 200,
        "retry_timeout_ms": 20_000,
        "flush_timeout_ms": 30_000,
        **overrides,
    }
