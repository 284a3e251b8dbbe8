"""Conformance: the official Databricks Zerobus Python SDK, unchanged, against zerobus-emulator.

Each test starts its own emulator (conftest.py), drives it with the SDK
(databricks-zerobus-ingest-sdk, a Rust core under PyO3) over plaintext loopback, and checks what
the emulator landed in its data directory and what its counters say, so a test fails when the
emulator answers differently from what the SDK expects of the real service.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from zerobus.sdk.aio import ZerobusSdk as AsyncZerobusSdk
from zerobus.sdk.shared import (
    NonRetriableException,
    StreamConfigurationOptions,
    TableProperties,
    ZerobusException,
)
from zerobus.sdk.sync import ZerobusSdk

CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
TABLE = "main.default.conformance"
MAX_RECORD_BYTES = 4194285  # the emulator's record limit (EmulatorOptions::max_record_bytes)

F = descriptor_pb2.FieldDescriptorProto


# ---- helpers --------------------------------------------------------------------------------


def message_class(fields: list[tuple], nested: Sequence[tuple[str, list[tuple]]] = ()):
    """Builds a proto2 message class `test.Row` from (name, type, label[, type_name]) tuples;
    `nested` adds nested message types (name, fields) inside Row."""

    def add_fields(message, specs):
        for number, spec in enumerate(specs, start=1):
            name, type_, label, *type_name = spec
            added = message.field.add(name=name, number=number, type=type_, label=label)
            if type_name:
                added.type_name = type_name[0]

    file = descriptor_pb2.FileDescriptorProto(name="row.proto", package="test", syntax="proto2")
    row = file.message_type.add(name="Row")
    add_fields(row, fields)
    for name, specs in nested:
        add_fields(row.nested_type.add(name=name), specs)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("test.Row"))


def simple_row_class():
    return message_class(
        [("id", F.TYPE_INT64, F.LABEL_OPTIONAL), ("name", F.TYPE_STRING, F.LABEL_OPTIONAL)]
    )


def options(**overrides: Any) -> StreamConfigurationOptions:
    """Stream options with small timeouts so a failing scenario ends in seconds."""
    settings = dict(
        recovery_backoff_ms=50,
        recovery_timeout_ms=2000,
        recovery_retries=3,
        server_lack_of_ack_timeout_ms=3000,
        flush_timeout_ms=4000,
    )
    settings.update(overrides)
    return StreamConfigurationOptions(**settings)


def sdk_for(emulator) -> ZerobusSdk:
    sdk = ZerobusSdk(emulator.endpoint, emulator.workspace_url)
    sdk._inner.set_use_tls(False)  # the emulator serves plaintext on loopback
    return sdk


def open_stream(emulator, row_class, table: str = TABLE, secret: str = CLIENT_SECRET, **opts):
    stream = sdk_for(emulator).create_stream(
        CLIENT_ID, secret, TableProperties(table, row_class.DESCRIPTOR), options(**opts)
    )
    emulator.clients.append(stream)  # closed at teardown if the test did not get that far
    return stream


def simple_rows(row_class, ids) -> list[bytes]:
    return [row_class(id=i, name=f"row {i}").SerializeToString() for i in ids]


def expected_simple(ids) -> list[dict[str, Any]]:
    # the rows as the landing file's Arrow columns read back: int64 and large_utf8
    return [{"id": i, "name": f"row {i}"} for i in ids]


def landed_ids(emulator, table: str = TABLE) -> list[list[int]]:
    """Ids landed per stream, streams ordered by their first id (empty streams dropped)."""
    streams = [[int(row["id"]) for row in rows] for rows in emulator.streams(table).values()]
    return sorted((ids for ids in streams if ids), key=lambda ids: ids[0])


def flat(streams: list[list[int]]) -> list[int]:
    return [i for ids in streams for i in ids]


def duplicates(ids: list[int]) -> list[int]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def unacked_ids(stream, row_class) -> list[int]:
    return [row_class.FromString(bytes(record)).id for record in stream.get_unacked_records()]


# ---- happy paths ----------------------------------------------------------------------------


def test_oauth_create_single_records_flush_close(emulator):
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    offsets = [stream.ingest_record_offset(record) for record in simple_rows(Row, range(3))]
    assert offsets == [0, 1, 2]
    stream.wait_for_offset(2)
    stream.flush()
    stream.close()
    assert list(stream.get_unacked_records()) == []  # only a closed stream answers

    streams = emulator.streams(TABLE)
    assert list(streams.values()) == [expected_simple(range(3))]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1
    assert counters["streams_refused"] == 0
    assert counters["requests"] == 3
    assert counters["records"] == 3
    assert counters["acks"] >= 1  # acks are cumulative: the last one covers all three


def test_batches_one_offset_per_batch(emulator):
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    assert stream.ingest_records_offset(simple_rows(Row, range(10))) == 0
    assert stream.ingest_records_offset(simple_rows(Row, range(10, 1010))) == 1
    assert stream.ingest_records_offset(simple_rows(Row, range(1010, 1011))) == 2
    assert stream.ingest_records_offset([]) is None  # nothing sent, no offset used
    stream.flush()
    stream.close()

    assert list(emulator.streams(TABLE).values()) == [expected_simple(range(1011))]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1
    assert counters["requests"] == 3
    assert counters["records"] == 1011


def test_mixed_singles_and_batches(emulator):
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    offsets = [
        stream.ingest_record_offset(simple_rows(Row, [0])[0]),
        stream.ingest_records_offset(simple_rows(Row, range(1, 4))),
        stream.ingest_record_offset(simple_rows(Row, [4])[0]),
        stream.ingest_records_offset(simple_rows(Row, range(5, 105))),
        stream.ingest_record_offset(simple_rows(Row, [105])[0]),
    ]
    assert offsets == [0, 1, 2, 3, 4]
    stream.wait_for_offset(4)
    stream.flush()
    stream.close()

    assert list(emulator.streams(TABLE).values()) == [expected_simple(range(106))]
    counters = emulator.table_counters(TABLE)
    assert (counters["requests"], counters["records"]) == (5, 106)


def test_nowait_variants_then_flush(emulator):
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    for record in simple_rows(Row, range(5)):
        stream.ingest_record_nowait(record)
    stream.ingest_records_nowait(simple_rows(Row, range(5, 55)))
    # The SDK documents that a nowait call runs as a detached task that flush() may overtake,
    # and that such tasks are unordered; so wait for them to land before flushing.
    deadline = time.monotonic() + 3.0
    while len(flat(landed_ids(emulator))) < 55 and time.monotonic() < deadline:
        time.sleep(0.02)
    stream.flush()
    stream.close()
    assert list(stream.get_unacked_records()) == []

    landed = flat(landed_ids(emulator))
    assert sorted(landed) == list(range(55))  # every record exactly once
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1
    assert counters["records"] == 55
    assert counters["requests"] == 6  # five singles and one batch


def test_nested_message_and_repeated_fields(emulator):
    Row = message_class(
        [
            ("id", F.TYPE_INT64, F.LABEL_OPTIONAL),
            ("address", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".test.Row.Address"),
            ("tags", F.TYPE_STRING, F.LABEL_REPEATED),
            ("scores", F.TYPE_INT32, F.LABEL_REPEATED),
            ("contacts", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".test.Row.Address"),
            ("active", F.TYPE_BOOL, F.LABEL_OPTIONAL),
            ("ratio", F.TYPE_DOUBLE, F.LABEL_OPTIONAL),
        ],
        nested=[
            (
                "Address",
                [
                    ("street", F.TYPE_STRING, F.LABEL_OPTIONAL),
                    ("zip", F.TYPE_INT32, F.LABEL_OPTIONAL),
                ],
            )
        ],
    )
    rows = [
        Row(
            id=1,
            address=Row.Address(street="Main St 1", zip=12345),
            tags=["a", "b"],
            scores=[3, -1, 7],
            contacts=[Row.Address(street="x", zip=1), Row.Address(street="y")],
            active=True,
            ratio=0.5,
        ),
        Row(id=2),  # nested and repeated fields left empty
    ]
    stream = open_stream(emulator, Row)
    assert stream.ingest_records_offset([row.SerializeToString() for row in rows]) == 0
    stream.flush()
    stream.close()

    assert list(emulator.streams(TABLE).values()) == [
        [
            {
                "id": 1,
                "address": {"street": "Main St 1", "zip": 12345},
                "tags": ["a", "b"],
                "scores": [3, -1, 7],
                "contacts": [{"street": "x", "zip": 1}, {"street": "y", "zip": None}],
                "active": True,
                "ratio": 0.5,
            },
            # absent fields land as nulls, absent repeated fields as empty lists
            {
                "id": 2,
                "address": None,
                "tags": [],
                "scores": [],
                "contacts": [],
                "active": None,
                "ratio": None,
            },
        ]
    ]


def test_async_sdk(emulator):
    Row = simple_row_class()

    async def run() -> list[int]:
        sdk = AsyncZerobusSdk(emulator.endpoint, emulator.workspace_url)
        await sdk._inner.set_use_tls(False)
        stream = await sdk.create_stream(
            CLIENT_ID, CLIENT_SECRET, TableProperties(TABLE, Row.DESCRIPTOR), options()
        )
        offsets = [await stream.ingest_record_offset(r) for r in simple_rows(Row, range(2))]
        offsets.append(await stream.ingest_records_offset(simple_rows(Row, range(2, 12))))
        await stream.flush()
        await stream.close()
        return offsets

    assert asyncio.run(run()) == [0, 1, 2]
    assert list(emulator.streams(TABLE).values()) == [expected_simple(range(12))]


# ---- refusals at create ---------------------------------------------------------------------


def test_wrong_client_secret_fails_create(emulator):
    Row = simple_row_class()
    started = time.monotonic()
    with pytest.raises(NonRetriableException) as raised:
        open_stream(emulator, Row, secret="not-the-secret")
    elapsed = time.monotonic() - started
    message = str(raised.value)
    assert "401" in message, message
    assert "invalid_client" in message.lower(), message
    assert elapsed < 2.0, f"a non-retryable auth failure took {elapsed:.1f} s (retried?)"
    counters = emulator.stop()
    assert counters.get(TABLE, {}).get("streams_created", 0) == 0


PEOPLE_COLUMNS = [
    {"name": "id", "type": "BIGINT", "nullable": False},
    {"name": "name", "type": "STRING", "nullable": False},
    {"name": "note", "type": "STRING", "nullable": True},
]


def test_descriptor_missing_not_null_column_is_refused(start_emulator):
    emulator = start_emulator(tables={TABLE: PEOPLE_COLUMNS})
    Row = message_class([("id", F.TYPE_INT64, F.LABEL_OPTIONAL)])  # no "name"
    with pytest.raises(ZerobusException) as raised:
        open_stream(emulator, Row)
    message = str(raised.value)
    assert "SCHEMA_VALIDATION_FAILED" in message or "MISSING_REQUIRED_COLUMN" in message, message
    assert "name" in message, message
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 0
    assert counters["streams_refused"] >= 1


def test_descriptor_omitting_nullable_column_fits(start_emulator):
    emulator = start_emulator(tables={TABLE: PEOPLE_COLUMNS})
    Row = simple_row_class()  # id, name; the nullable "note" is left out
    stream = open_stream(emulator, Row)
    assert stream.ingest_records_offset(simple_rows(Row, range(4))) == 0
    stream.flush()
    stream.close()
    # the table's columns land, in table order: the left-out one as nulls
    expected = [{**row, "note": None} for row in expected_simple(range(4))]
    assert list(emulator.streams(TABLE).values()) == [expected]
    assert emulator.table_counters(TABLE)["streams_created"] == 1


def test_create_error_then_recovery_opens_on_second_attempt(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"create_errors": [{"code": "UNAVAILABLE", "message": "warming up"}]}}
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    assert stream.ingest_records_offset(simple_rows(Row, range(3))) == 0
    stream.flush()
    stream.close()
    assert landed_ids(emulator) == [[0, 1, 2]]
    counters = emulator.table_counters(TABLE)
    assert (counters["streams_refused"], counters["streams_created"]) == (1, 1)


# ---- faults mid-stream ----------------------------------------------------------------------


def test_unavailable_6002_recovers_exactly_once(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"events": [{"after_requests": 3, "kind": "unavailable_6002"}]}}
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    offsets = [stream.ingest_record_offset(record) for record in simple_rows(Row, range(10))]
    assert offsets == list(range(10))
    stream.flush()
    stream.close()
    assert list(stream.get_unacked_records()) == []  # only a closed stream answers

    # The third request was refused (it did not land) and replayed on the new stream; the first
    # two were acked before the RPC ended, so none is sent twice.
    assert landed_ids(emulator) == [[0, 1], list(range(2, 10))]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 2
    assert counters["records"] == 10
    assert counters["connections_killed"] == 0


def test_close_signal_rotates_stream(start_emulator):
    emulator = start_emulator(
        fault_script={
            "*": {"events": [{"after_requests": 3, "kind": "close_signal", "duration_ms": 300}]}
        }
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row, stream_paused_max_wait_time_ms=100)
    first = [stream.ingest_record_offset(record) for record in simple_rows(Row, range(3))]
    stream.wait_for_offset(first[-1])  # the third request carried the close signal
    time.sleep(0.5)  # past the signal's duration: the server has ended the first stream
    rest = [stream.ingest_record_offset(record) for record in simple_rows(Row, range(3, 10))]
    assert first + rest == list(range(10))
    stream.flush()
    stream.close()

    landed = landed_ids(emulator)
    assert sorted(flat(landed)) == list(range(10)), landed
    assert landed[0][:3] == [0, 1, 2]
    counters = emulator.table_counters(TABLE)
    assert counters["close_signals"] == 1
    assert counters["streams_created"] >= 2


def test_kill_replays_only_the_unacked_request(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"events": [{"after_requests": 2, "kind": "kill"}]}}
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    assert stream.ingest_records_offset(simple_rows(Row, range(5))) == 0
    stream.wait_for_offset(0)  # acked before the kill: never replayed
    # The second request (ids 5..9) lands, the connection is cut before its ack: it is replayed.
    offsets = [stream.ingest_records_offset(simple_rows(Row, range(i, i + 5))) for i in (5, 10, 15)]
    assert offsets == [1, 2, 3]
    stream.flush()
    stream.close()

    landed = flat(landed_ids(emulator))
    assert sorted(set(landed)) == list(range(20)), landed
    assert duplicates(landed) == list(range(5, 10)), landed
    assert len(landed) == 25
    counters = emulator.table_counters(TABLE)
    assert counters["connections_killed"] == 1
    assert counters["streams_created"] == 2
    assert counters["records"] == 25


@pytest.mark.parametrize("code", ["INVALID_ARGUMENT", "PERMISSION_DENIED"])
def test_non_retryable_error_surfaces_with_server_message(start_emulator, code):
    message = f"conformance: record rejected ({code})"
    emulator = start_emulator(
        fault_script={
            "*": {
                "events": [{"after_requests": 3, "kind": "error", "code": code, "message": message}]
            }
        }
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    queued = 0
    for record in simple_rows(Row, range(10)):
        try:
            stream.ingest_record_offset(record)
        except ZerobusException:
            break  # the refusal of request 3 may close the stream before the loop is done
        queued += 1
    assert queued >= 3
    with pytest.raises(NonRetriableException, match=r"record rejected \(" + code):
        stream.flush()
    with pytest.raises(ZerobusException):
        stream.ingest_record_offset(simple_rows(Row, [10])[0])
    stream.close()
    # Requests 1 and 2 were acked before the error; request 3 was refused and the rest never read.
    assert unacked_ids(stream, Row) == list(range(2, queued))

    assert landed_ids(emulator) == [[0, 1]]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1  # not retried
    assert counters["records"] == 2


def test_oversized_record_is_refused_naming_the_limit(emulator):
    Row = simple_row_class()
    stream = open_stream(emulator, Row)
    assert stream.ingest_record_offset(simple_rows(Row, [0])[0]) == 0
    stream.wait_for_offset(0)
    big = Row(id=1, name="x" * (MAX_RECORD_BYTES + 1)).SerializeToString()
    assert len(big) > MAX_RECORD_BYTES
    with pytest.raises(ZerobusException) as raised:
        stream.ingest_record_offset(big)
        stream.flush()
    message = str(raised.value)
    assert str(MAX_RECORD_BYTES) in message, message
    assert "maximum record size" in message, message
    stream.close()

    assert landed_ids(emulator) == [[0]]
    counters = emulator.table_counters(TABLE)
    assert counters["records"] == 1
    assert counters["streams_created"] == 1


def test_recovery_disabled_fails_without_reconnect(start_emulator):
    emulator = start_emulator(
        fault_script={"*": {"events": [{"after_requests": 3, "kind": "unavailable_6002"}]}}
    )
    Row = simple_row_class()
    stream = open_stream(emulator, Row, recovery=False)
    for record in simple_rows(Row, range(10)):
        stream.ingest_record_offset(record)
    with pytest.raises(ZerobusException, match="6002"):
        stream.flush()
    stream.close()
    assert unacked_ids(stream, Row) == list(range(2, 10))

    assert landed_ids(emulator) == [[0, 1]]
    counters = emulator.table_counters(TABLE)
    assert counters["streams_created"] == 1
    assert counters["records"] == 2
