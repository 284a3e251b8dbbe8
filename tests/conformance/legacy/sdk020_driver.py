"""Drives databricks-zerobus-ingest-sdk 0.2.0 (the pure-Python grpcio client) against an emulator.

Runs under .venv-sdk020 (scripts/setup_legacy_sdk.sh), not the main venv: 0.2.0 and the current
SDK are both the `zerobus` package. tests/conformance/test_legacy_sdk_020.py starts it as

    .venv-sdk020/bin/python sdk020_driver.py '<JSON settings>'

with GRPC_DEFAULT_SSL_ROOTS_FILE_PATH naming the test CA: 0.2.0 always opens
grpc.secure_channel(host, grpc.ssl_channel_credentials()), whose default roots gRPC reads from
that file. Settings: endpoint ("host:port", no scheme), workspace_url, table, client_id,
client_secret, records (ids 0..records-1), options (StreamConfigurationOptions keywords).

It creates a stream, ingests the records (one request each, as 0.2.0 sends them), waits for every
acknowledgment, flushes and closes, and prints one JSON line: what it did, or where it failed
("stage" and the exception's class and message). The test reads what landed from the emulator.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from zerobus.sdk.shared import StreamConfigurationOptions, TableProperties
from zerobus.sdk.sync import ZerobusSdk

ACK_TIMEOUT_S = 60.0


def row_class():
    """proto2 `test.Row {optional int64 id = 1; optional string name = 2;}`."""
    field = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="row.proto", package="test", syntax="proto2")
    row = file.message_type.add(name="Row")
    row.field.add(name="id", number=1, type=field.TYPE_INT64, label=field.LABEL_OPTIONAL)
    row.field.add(name="name", number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("test.Row"))


def acknowledged(ack) -> bool:
    """Whether a RecordAcknowledgment has its offset (not pending, not failed)."""
    try:
        ack.wait_for_ack(timeout_sec=0)
    except Exception:
        return False
    return True


def failure(stage: str, error: BaseException, **report) -> dict:
    return {
        **report,
        "ok": False,
        "stage": stage,
        "error": type(error).__name__,
        "message": str(error),
    }


def run(settings: dict) -> dict:
    Row = row_class()
    sdk = ZerobusSdk(settings["endpoint"], settings["workspace_url"])
    options = StreamConfigurationOptions(**settings.get("options", {}))
    started = time.monotonic()
    try:
        stream = sdk.create_stream(
            settings["client_id"],
            settings["client_secret"],
            TableProperties(settings["table"], Row.DESCRIPTOR),
            options,
        )
    except Exception as error:
        return failure("create_stream", error)
    report = {"first_stream_id": stream.stream_id}
    acks = []
    try:
        for i in range(settings["records"]):
            acks.append(stream.ingest_record(Row(id=i, name=f"row {i}")))
        report["ingest_s"] = round(time.monotonic() - started, 3)
        offsets = [ack.wait_for_ack(timeout_sec=ACK_TIMEOUT_S) for ack in acks]
        report["acked"] = len(offsets)
        stream.flush()
        report["last_stream_id"] = stream.stream_id
        stream.close()
    except Exception as error:
        report["acked"] = sum(1 for ack in acks if acknowledged(ack))
        report["unacked"] = len(list(stream.get_unacked_records()))
        report["state"] = stream.get_state().name
        return failure("ingest", error, **report)
    report["state"] = stream.get_state().name
    report["seconds"] = round(time.monotonic() - started, 3)
    return {**report, "ok": True}


def main() -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    print(json.dumps(run(json.loads(sys.argv[1]))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
