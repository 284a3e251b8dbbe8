"""Fixtures for the conformance suite: the zerobus-emulator binary as a subprocess per test.

The binary is build/emulator/zerobus-emulator unless ARROW_ZEROBUS_EMULATOR names another one.
A missing binary fails the tests (build it with scripts/build.sh); it is never a skip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.ipc
import pytest

REPO = Path(__file__).resolve().parents[2]
DEFAULT_EMULATOR = REPO / "build" / "emulator" / "zerobus-emulator"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def emulator_binary() -> Path:
    path = Path(os.environ.get("ARROW_ZEROBUS_EMULATOR", str(DEFAULT_EMULATOR)))
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"zerobus-emulator binary not found at {path}: build it (scripts/build.sh) or set "
            "ARROW_ZEROBUS_EMULATOR to its path",
            pytrace=False,
        )
    return path


@dataclass
class Emulator:
    """One running zerobus-emulator process."""

    process: subprocess.Popen
    endpoint: str
    workspace_url: str
    data_dir: Path
    workdir: Path
    counters: dict[str, dict[str, int]] | None = field(default=None)
    clients: list[Any] = field(default_factory=list)  # SDK streams to close before stopping

    def stop(self) -> dict[str, dict[str, int]]:
        """Stops the emulator (SIGTERM) and returns its per-table counters."""
        if self.counters is not None:
            return self.counters
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"zerobus-emulator did not stop within {STOP_TIMEOUT_S} s of SIGTERM")
        stdout = (self.workdir / "stdout.txt").read_text()
        if code != 0:
            pytest.fail(f"zerobus-emulator exited with {code}:\n{stdout}\n{self.stderr()}")
        first_line, _, rest = stdout.partition("\n")
        if "serving" not in first_line:
            pytest.fail(f"unexpected first line from zerobus-emulator: {first_line!r}")
        try:
            self.counters = json.loads(rest)
        except json.JSONDecodeError as error:
            pytest.fail(f"zerobus-emulator counters are not JSON ({error}):\n{rest}")
        return self.counters

    def table_counters(self, table: str) -> dict[str, int]:
        """Stops the emulator (if still running) and returns one table's counters."""
        counters = self.stop()
        assert table in counters, f"no counters for {table}: {counters}"
        return counters[table]

    def stderr(self) -> str:
        return (self.workdir / "stderr.txt").read_text()

    def streams(self, table: str) -> dict[str, list[dict[str, Any]]]:
        """The rows landed per stream id, in file order: DIR/<table>/<stream id>.arrows (Arrow IPC
        with the table's types, both wire formats) or .jsonl (JSON record streams)."""
        table_dir = self.data_dir / table
        if not table_dir.is_dir():
            return {}
        streams: dict[str, list[dict[str, Any]]] = {}
        for path in sorted(table_dir.glob("*.jsonl")):
            lines = path.read_text().splitlines()
            streams[path.stem] = [json.loads(line) for line in lines if line]
        for path in sorted(table_dir.glob("*.arrows")):
            with pyarrow.ipc.open_stream(path) as reader:
                streams[path.stem] = reader.read_all().to_pylist()
        return streams


@pytest.fixture
def start_emulator(tmp_path: Path) -> Iterator:
    """Factory: start_emulator(fault_script=None, tables=None, args=()) -> Emulator.

    `fault_script` and `tables` are JSON-able objects written to files for --fault-script and
    --tables. Every emulator started is stopped at teardown.
    """
    binary = emulator_binary()
    started: list[Emulator] = []

    def start(
        fault_script: dict | None = None, tables: dict | None = None, args: tuple[str, ...] = ()
    ) -> Emulator:
        workdir = tmp_path / f"emulator{len(started)}"
        workdir.mkdir()
        data_dir = workdir / "data"
        ready_file = workdir / "ready.json"
        command = [str(binary), "--data-dir", str(data_dir), "--ready-file", str(ready_file)]
        if fault_script is not None:
            (workdir / "faults.json").write_text(json.dumps(fault_script))
            command += ["--fault-script", str(workdir / "faults.json")]
        if tables is not None:
            (workdir / "tables.json").write_text(json.dumps(tables))
            command += ["--tables", str(workdir / "tables.json")]
        command += list(args)
        with (
            open(workdir / "stdout.txt", "w") as stdout,
            open(workdir / "stderr.txt", "w") as stderr,
        ):
            process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready_file.exists():
            if process.poll() is not None:
                pytest.fail(
                    f"zerobus-emulator exited with {process.returncode} before it was ready:\n"
                    + (workdir / "stderr.txt").read_text()
                )
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                pytest.fail(f"zerobus-emulator not ready within {READY_TIMEOUT_S} s")
            time.sleep(0.01)
        ready = json.loads(ready_file.read_text())
        emulator = Emulator(process, ready["endpoint"], ready["workspace_url"], data_dir, workdir)
        started.append(emulator)
        return emulator

    yield start

    for emulator in started:
        for client in emulator.clients:
            try:
                client.close()
            except Exception:
                pass  # a failed stream raises its failure again; the test has reported it
        if emulator.process.poll() is None:
            emulator.process.send_signal(signal.SIGTERM)
            try:
                emulator.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                emulator.process.kill()
                emulator.process.wait()


@pytest.fixture
def emulator(start_emulator) -> Emulator:
    """An emulator with no fault script and no declared tables."""
    return start_emulator()
