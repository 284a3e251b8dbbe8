"""Conformance: the official SDK's Arrow Flight stream, unchanged, against zerobus-emulator.

The SDK (databricks-zerobus-ingest-sdk) opens an Arrow Flight DoPut per stream and sends pyarrow
record batches; each test checks what the emulator landed (DIR/<table>/<stream id>.arrows, one
Arrow IPC stream file per DoPut) and what its counters say, so a test fails when the emulator's
Flight endpoint answers differently from what the SDK expects of the real service.
"""

from __future__ import annotations

import asyncio
import time

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is needed for the SDK's Arrow Flight streams")
_core = pytest.importorskip("zerobus._zerobus_core")
if not hasattr(_core, "arrow"):
    pytest.skip(
        "this build of databricks-zerobus-ingest-sdk has no Arrow Flight support "
        "(zerobus._zerobus_core.arrow is missing)",
        allow_module_level=True,
    )

from zerobus.sdk.aio import ZerobusSdk as AsyncZerobusSdk  # noqa: E402
from zerobus.sdk.shared import NonRetriableException, ZerobusException  # noqa: E402
from zerobus.sdk.shared.arrow import (  # noqa: E402
    ArrowStreamConfigurationOptions,
    IPCCompression,
)
from zerobus.sdk.sync import ZerobusSdk  # noqa: E402

CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
TABLE = "main.default.arrow_conformance"
COLUMNS = [
    {"name": "id", "type": "BIGINT", "nullable": False},
    {"name": "name", "type": "STRING", "nullable": True},
    {"name": "at", "type": "TIMESTAMP", "nullable": True},
]
SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("name", pa.large_utf8()),
        pa.field("at", pa.timestamp("us", tz="UTC")),
    ]
)
ROWS_PER_BATCH = 10


# ---- helpers --------------------------------------------------------------------------------


def options(**overrides) -> ArrowStreamConfigurationOptions:
    """Stream options with small timeouts so a failing scenario ends in seconds."""
    settings = dict(
        recovery_backoff_ms=50,
        recovery_timeout_ms=2000,
        recovery_retries=3,
        server_lack_of_ack_timeout_ms=3000,
        flush_timeout_ms=5000,
        connection_timeout_ms=5000,
    )
    settings.update(overrides)
    return ArrowStreamConfigurationOptions(**settings)


def open_stream(emulator, schema=SCHEMA, **opts):
    sdk = ZerobusSdk(emulator.endpoint, emulator.workspace_url)
    sdk._inner.set_use_tls(False)  # the emulator serves plaintext on loopback
    stream = sdk.create_arrow_stream(TABLE, schema, CLIENT_ID, CLIENT_SECRET, options(**opts))
    emulator.clients.append(stream)  # closed at teardown if the test did not get that far
    return stream


def batch(index: int, schema=SCHEMA):
    """Batch `index`: ids [index * ROWS_PER_BATCH, (index + 1) * ROWS_PER_BATCH)."""
    ids = list(range(index * ROWS_PER_BATCH, (index + 1) * ROWS_PER_BATCH))
    columns = {
        "id": ids,
        "name": [f"row {i}" for i in ids],
        "at": [1_700_000_000_000_000 + i for i in ids],
    }
    return pa.record_batch({f.name: columns[f.name] for f in schema}, schema=schema)


def landed_streams(emulator) -> list[pa.Table]:
    """The landing file of every DoPut that landed rows, ordered by its first id."""
    table_dir = emulator.data_dir / TABLE
    tables = [
        pa.ipc.open_stream(path.read_bytes()).read_all() for path in table_dir.glob("*.arrows")
    ]
    tables = [t for t in tables if t.num_rows > 0]
    return sorted(tables, key=lambda t: t.column("id")[0].as_py())


def landed_ids(emulator) -> list[list[int]]:
    return [t.column("id").to_pylist() for t in landed_streams(emulator)]


def ids(batches: range) -> list[int]:
    return list(range(batches.start * ROWS_PER_BATCH, batches.stop * ROWS_PER_BATCH))


# ---- happy paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["NONE", "LZ4_FRAME", "ZSTD"])
def test_arrow_stream_lands_batches(start_emulator, compression):
    emulator = start_emulator(tables={TABLE: COLUMNS})
    stream = open_stream(emulator, ipc_compression=getattr(IPCCompression, compression))
    offsets = [stream.ingest_batch(batch(i)) for i in range(4)]
    assert offsets == [0, 1, 2, 3]
    stream.wait_for_offset(3)
    stream.flush()
    stream.close()
    assert stream.get_unacked_batches() == []

    landed = landed_streams(emulator)
    assert len(landed) == 1
    expected = pa.Table.from_batches([batch(i) for i in range(4)])
    assert landed[0].schema.equals(SCHEMA)
    assert landed[0].equals(expected)
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1
    assert counters["streams_refused"] == 0
    assert counters["requests"] == 4
    assert counters["records"] == 4 * ROWS_PER_BATCH
    assert counters["acks"] >= 1


def test_arrow_stream_omitting_nullable_column(start_emulator):
    emulator = start_emulator(tables={TABLE: COLUMNS})
    narrow = pa.schema(
        [pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.large_utf8())]
    )
    stream = open_stream(emulator, narrow)
    assert stream.ingest_batch(batch(0, narrow)) == 0
    stream.flush()
    stream.close()
    assert landed_ids(emulator) == [ids(range(1))]


def test_async_arrow_stream(start_emulator):
    emulator = start_emulator(tables={TABLE: COLUMNS})

    async def run() -> list[int]:
        sdk = AsyncZerobusSdk(emulator.endpoint, emulator.workspace_url)
        await sdk._inner.set_use_tls(False)
        stream = await sdk.create_arrow_stream(TABLE, SCHEMA, CLIENT_ID, CLIENT_SECRET, options())
        offsets = [await stream.ingest_batch(batch(i)) for i in range(3)]
        await stream.flush()
        await stream.close()
        return offsets

    assert asyncio.run(run()) == [0, 1, 2]
    assert landed_ids(emulator) == [ids(range(3))]


# ---- schema refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "cause", "named"),
    [
        ([("name", pa.large_utf8(), True)], "MISSING_REQUIRED_COLUMN", "'id'"),
        (
            [("name", pa.large_utf8(), True), ("id", pa.int64(), False)],
            "FIELD_OUT_OF_ORDER",
            "'id'",
        ),
        ([("id", pa.int64(), False), ("name", pa.utf8(), True)], "TYPE_INCOMPATIBLE", "'name'"),
        (
            [("id", pa.int64(), False), ("color", pa.large_utf8(), True)],
            "FIELD_NOT_IN_TABLE",
            "'color'",
        ),
    ],
)
def test_arrow_schema_mismatch_is_reported_with_its_cause(start_emulator, fields, cause, named):
    emulator = start_emulator(tables={TABLE: COLUMNS})
    schema = pa.schema(
        [pa.field(name, type_, nullable=nullable) for name, type_, nullable in fields]
    )
    with pytest.raises(NonRetriableException) as raised:
        open_stream(emulator, schema)
    message = str(raised.value)
    assert "does not match the target table" in message, message  # the SDK's InvalidSchema
    assert cause in message, message
    assert named in message, message
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 0
    assert counters["streams_refused"] == 1  # not retried


# ---- faults mid-stream ----------------------------------------------------------------------


def test_arrow_unavailable_6002_recovers_exactly_once(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"events": [{"after_requests": 3, "kind": "unavailable_6002"}]}}
    )
    stream = open_stream(emulator)
    offsets = []
    for i in range(6):
        offsets.append(stream.ingest_batch(batch(i)))
        stream.wait_for_offset(offsets[-1])  # acked one by one: the refused batch is the third
    stream.flush()
    stream.close()
    assert offsets == list(range(6))
    assert landed_ids(emulator) == [ids(range(2)), ids(range(2, 6))]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 2
    assert counters["records"] == 6 * ROWS_PER_BATCH


def test_arrow_close_signal_rotates_stream(start_emulator):
    emulator = start_emulator(
        fault_script={
            "*": {"events": [{"after_requests": 2, "kind": "close_signal", "duration_ms": 1000}]}
        }
    )
    stream = open_stream(emulator, stream_paused_max_wait_time_ms=100)
    first = [stream.ingest_batch(batch(i)) for i in range(2)]
    stream.wait_for_offset(first[-1])  # the second batch's ack carried the close signal
    # The SDK rotates in the background: it opens a new DoPut, which creates a landing file.
    deadline = time.monotonic() + 3.0
    while len(list((emulator.data_dir / TABLE).glob("*.arrows"))) < 2:
        assert time.monotonic() < deadline, "the SDK did not open a new stream after the signal"
        time.sleep(0.02)
    rest = [stream.ingest_batch(batch(i)) for i in range(2, 6)]
    stream.flush()
    stream.close()
    assert first + rest == list(range(6))
    assert landed_ids(emulator) == [ids(range(2)), ids(range(2, 6))]
    counters = emulator.table_counters(TABLE)
    assert counters["close_signals"] == 1
    assert counters["streams_created"] == 2


def test_arrow_kill_replays_the_unacked_batch(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"events": [{"after_requests": 2, "kind": "kill"}]}}
    )
    stream = open_stream(emulator)
    assert stream.ingest_batch(batch(0)) == 0
    stream.wait_for_offset(0)  # acked before the kill: never replayed
    assert [stream.ingest_batch(batch(i)) for i in range(1, 4)] == [1, 2, 3]
    stream.flush()
    stream.close()
    # The second batch landed but the connection was cut before its ack: it is sent again.
    assert landed_ids(emulator) == [ids(range(2)), ids(range(1, 4))]
    counters = emulator.table_counters(TABLE)
    assert counters["connections_killed"] == 1
    assert counters["streams_created"] == 2


def test_arrow_non_retryable_error_fails_the_stream(start_emulator):
    emulator = start_emulator(
        fault_script={
            "*": {
                "events": [
                    {
                        "after_requests": 2,
                        "kind": "error",
                        "code": "INVALID_ARGUMENT",
                        "message": "conformance: batch rejected",
                    }
                ]
            }
        }
    )
    stream = open_stream(emulator)
    stream.ingest_batch(batch(0))
    stream.wait_for_offset(0)
    stream.ingest_batch(batch(1))
    with pytest.raises(ZerobusException):
        stream.flush()
    with pytest.raises(NonRetriableException, match="conformance: batch rejected"):
        stream.close()
    assert [b.column("id").to_pylist() for b in stream.get_unacked_batches()] == [ids(range(1, 2))]
    assert landed_ids(emulator) == [ids(range(1))]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1  # not retried
    assert counters["records"] == ROWS_PER_BATCH
