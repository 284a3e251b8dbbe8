"""A server that restarts under a running send (issue 15): `zerobus-emulator` as a process, killed
with SIGKILL and started again on the same ports in the middle of a 2,000,000-row send of a Table,
three times. The emulator holds each stream to 400,000 records/s, so the send lasts past the last
restart. It completes once the server is back (within the retry policy), every row is
acknowledged or failed, every acknowledged row landed, and the duplicates come only from replays
and are counted. A server that stays down past the retry budget fails the rows with the cause.

The emulator binary comes from ARROW_ZEROBUS_EMULATOR (scripts/test.sh sets it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator

EMULATOR = os.environ.get("ARROW_ZEROBUS_EMULATOR", "")
pytestmark = pytest.mark.skipif(
    not EMULATOR, reason="ARROW_ZEROBUS_EMULATOR is not set (scripts/test.sh sets it)"
)

TABLE = "main.default.restarts"
ROWS = 2_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmulatorProcess:
    """zerobus-emulator on fixed ports, so that a restart serves the same endpoint."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.grpc_port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        ready = self.workdir / "ready.json"
        ready.unlink(missing_ok=True)
        deadline = time.monotonic() + 20
        while True:
            log = open(self.workdir / f"emulator-{self.starts}.log", "w")
            self.process = subprocess.Popen(
                [
                    EMULATOR,
                    "--port",
                    str(self.grpc_port),
                    "--http-port",
                    str(self.http_port),
                    "--data-dir",
                    str(self.workdir / "landed"),
                    "--ready-file",
                    str(ready),
                    "--stream-records-per-second",
                    "400000",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            while not ready.exists() and self.process.poll() is None:
                time.sleep(0.02)
            if ready.exists():
                self.starts += 1
                return
            # The port may still be held for a moment after the kill: try again, within bounds.
            assert time.monotonic() < deadline, (
                self.workdir / f"emulator-{self.starts}.log"
            ).read_text()
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def settings(self, **overrides: object) -> dict[str, object]:
        return {
            "endpoint": f"http://127.0.0.1:{self.grpc_port}",
            "unity_catalog_url": f"http://127.0.0.1:{self.http_port}",
            "client_id": Emulator.client_id,
            "client_secret": Emulator.client_secret,
            "table_name": TABLE,
            "retry_base_delay_ms": 50,
            "retry_max_delay_ms": 500,
            **overrides,
        }


def landed_ids(landed: Path) -> list[int]:
    """Every id in the landing files of every run; a file cut by SIGKILL is read up to its last
    whole batch (a batch lands before it is acknowledged, so nothing acknowledged is lost)."""
    ids: list[int] = []
    for path in sorted((landed / TABLE).glob("*.arrows")):
        with pa.OSFile(str(path)) as source:
            reader = pa.ipc.open_stream(source)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, OSError):
                    break  # the tail a killed process left half-written
                ids.extend(batch.column("id").to_pylist())
    return ids


@pytest.fixture
def server(tmp_path: Path):
    emulator = EmulatorProcess(tmp_path)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.mark.parametrize("wire_format", ["protobuf", "arrow"])
def test_a_send_survives_three_server_restarts(server: EmulatorProcess, wire_format: str):
    table = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "name": pa.array([f"n{i % 1000}" for i in range(ROWS)]),
        }
    )
    outcome: dict[str, object] = {}

    def send() -> None:
        settings = server.settings(wire_format=wire_format, retry_timeout_ms=30_000)
        with ZerobusWrapper(**settings) as wrapper:
            outcome["result"] = wrapper.send_batch_sync(table)
            outcome["stats"] = wrapper.stats()

    sender = threading.Thread(target=send)
    sender.start()
    for _ in range(3):
        time.sleep(0.8)
        assert sender.is_alive(), "the send ended before the server restarted"
        server.kill()
        time.sleep(0.5)  # down for a while: the client retries and keeps to its window
        server.start()
    sender.join(timeout=180)
    assert not sender.is_alive(), "the send did not end within 180 s of the last restart"

    result = outcome["result"]
    assert result.total_rows == ROWS
    assert result.failed_count == 0, result.failed_rows[:3]
    assert result.successful_count == ROWS
    ids = landed_ids(server.workdir / "landed")
    assert set(ids) == set(range(ROWS)), "an acknowledged row did not land"
    duplicates = len(ids) - ROWS
    replayed = outcome["stats"]["requests_replayed"]
    print(
        json.dumps(
            {
                "format": wire_format,
                "restarts": 3,
                "landed": len(ids),
                "duplicates": duplicates,
                "requests_replayed": replayed,
            }
        )
    )
    assert duplicates >= 0
    assert duplicates == 0 or replayed > 0, "duplicates without a replay"


def test_a_server_that_stays_down_fails_the_rows_with_the_cause(server: EmulatorProcess):
    batch = pa.record_batch({"id": pa.array(range(10_000), pa.int64())})
    server.kill()
    started = time.monotonic()
    with ZerobusWrapper(**server.settings(retry_timeout_ms=2_000, connect_timeout_ms=500)) as w:
        result = w.send_batch_sync(batch)
    elapsed = time.monotonic() - started
    assert result.failed_count == 10_000
    assert elapsed < 15, f"the send took {elapsed:.1f} s with a 2 s retry budget"
    cause = result.failed_rows[0][1]
    assert "127.0.0.1" in cause and ("UNAVAILABLE" in cause or "Connection" in cause), cause
