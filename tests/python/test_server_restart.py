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
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator

# The process helper shared with the command line's restart test.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from emulator_process import EmulatorProcess, landed_ids  # noqa: E402

EMULATOR = os.environ.get("ARROW_ZEROBUS_EMULATOR", "")
pytestmark = pytest.mark.skipif(
    not EMULATOR, reason="ARROW_ZEROBUS_EMULATOR is not set (scripts/test.sh sets it)"
)

TABLE = "main.default.restarts"
ROWS = 2_000_000


class RestartingEmulator(EmulatorProcess):
    """The emulator process (tests/cli/emulator_process.py: port 0 first, then the same ports),
    each stream paced to 400,000 records/s; settings() points a wrapper at it."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(EMULATOR, workdir, ["--stream-records-per-second", "400000"])

    def settings(self, **overrides: object) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "unity_catalog_url": self.workspace_url,
            "client_id": Emulator.client_id,
            "client_secret": Emulator.client_secret,
            "table_name": TABLE,
            "retry_base_delay_ms": 50,
            "retry_max_delay_ms": 500,
            **overrides,
        }


@pytest.fixture
def server(tmp_path: Path):
    emulator = RestartingEmulator(tmp_path)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.mark.parametrize("wire_format", ["protobuf", "arrow"])
def test_a_send_survives_three_server_restarts(server: RestartingEmulator, wire_format: str):
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
    ids = landed_ids(server.workdir / "landed", TABLE)
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
                "rows_replayed": result.rows_replayed,
            }
        )
    )
    assert duplicates >= 0
    assert duplicates == 0 or replayed > 0, "duplicates without a replay"
    # Each extra send of a request counts its rows: the bound the result gives on duplicates.
    assert duplicates <= result.rows_replayed, (duplicates, result.rows_replayed)


def test_a_server_that_stays_down_fails_the_rows_with_the_cause(server: RestartingEmulator):
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
