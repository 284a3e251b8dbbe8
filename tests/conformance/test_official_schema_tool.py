"""The official Python SDK's schema tool (`python -m zerobus.tools.generate_proto`, unchanged)
against the emulator's Unity Catalog endpoint: it takes its plain all-apis token, reads a declared
table's columns, writes the .proto the table needs; that proto, compiled by protoc, opens a stream
on the same table through the official SDK and its record lands. So the TableInfo the emulator
serves is one an independent client of the service reads, and the emulator's create-time schema
check agrees with the official generator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from test_official_sdk import CLIENT_ID, CLIENT_SECRET, open_stream

TABLE = "main.default.schema_tool"
COLUMNS = [
    {"name": "id", "type": "BIGINT", "nullable": False},
    {"name": "qty", "type": "INT", "nullable": True},
    {"name": "small", "type": "SMALLINT", "nullable": True},
    {"name": "tiny", "type": "TINYINT", "nullable": True},
    {"name": "name", "type": "STRING", "nullable": True},
    {"name": "active", "type": "BOOLEAN", "nullable": True},
    {"name": "price", "type": "DOUBLE", "nullable": True},
    {"name": "ratio", "type": "FLOAT", "nullable": True},
    {"name": "blob", "type": "BINARY", "nullable": True},
    {"name": "day", "type": "DATE", "nullable": True},
    {"name": "at", "type": "TIMESTAMP", "nullable": True},
    {"name": "local_at", "type": "TIMESTAMP_NTZ", "nullable": True},
    {"name": "tags", "type": "ARRAY<STRING>", "nullable": True},
    {"name": "counts", "type": "MAP<STRING, BIGINT>", "nullable": True},
    {"name": "home_address", "type": "STRUCT<street: STRING, zip: INT>", "nullable": True},
    {"name": "payload", "type": "VARIANT", "nullable": True},
]
TOOL_TIMEOUT_S = 60


def generate_proto(emulator, table: str, output: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "zerobus.tools.generate_proto",
            "--uc-endpoint",
            emulator.workspace_url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--table",
            table,
            "--proto-msg",
            "Orders",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_S,
    )


def compile_message_class(proto: Path):
    """The message Orders of `proto`, compiled by protoc into a descriptor set."""
    descriptor_set = proto.with_suffix(".pb")
    subprocess.run(
        [
            "protoc",
            f"--proto_path={proto.parent}",
            f"--descriptor_set_out={descriptor_set}",
            proto.name,
        ],
        check=True,
        capture_output=True,
        timeout=TOOL_TIMEOUT_S,
    )
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("Orders"))


def test_the_official_schema_tool_reads_the_emulators_table_and_its_proto_streams(
    start_emulator, tmp_path
):
    if shutil.which("protoc") is None:
        pytest.fail("protoc is missing: scripts/setup.sh installs protobuf-compiler")
    emulator = start_emulator(tables={TABLE: COLUMNS})
    proto = tmp_path / "orders.proto"
    generated = generate_proto(emulator, TABLE, proto)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    text = proto.read_text()
    for line in (
        "required int64 id = 1;",
        "optional int32 tiny = 4;",
        "optional int32 day = 10;",
        "optional int64 at = 11;",
        "optional int64 local_at = 12;",
        "repeated string tags = 13;",
        "map<string, int64> counts = 14;",
        "optional HomeAddress home_address = 15;",
        "optional string payload = 16;",
    ):
        assert line in text, f"{line!r} not in the generated proto:\n{text}"

    Orders = compile_message_class(proto)
    stream = open_stream(emulator, Orders, table=TABLE)
    record = Orders(id=7, name="seven", tags=["a", "b"], payload='{"k": 1}')
    record.counts["x"] = 3
    record.home_address.street = "Main St"
    assert stream.ingest_records_offset([record.SerializeToString()]) == 0
    stream.flush()
    stream.close()
    [landed] = list(emulator.streams(TABLE).values())
    assert [(row["id"], row["name"]) for row in landed] == [(7, "seven")]


def test_the_official_schema_tool_reports_an_undeclared_table(emulator, tmp_path):
    generated = generate_proto(emulator, "main.default.not_declared", tmp_path / "x.proto")
    assert generated.returncode != 0
    output = generated.stdout + generated.stderr
    assert "404" in output and "main.default.not_declared" in output, output
