"""zerobus-emulator as a process that a test kills and starts again: the first start listens on
ports the OS picks (port 0), every later one on those same ports, so that a client keeps its
endpoint. Used by tests/cli/send_server_restart.py and tests/python/test_server_restart.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa


class EmulatorProcess:
    """`binary` with `args`, landing rows under workdir/landed; start(), kill() (SIGKILL),
    start() again, stop()."""

    def __init__(self, binary: str, workdir: Path, args: list[str] | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.args = list(args or [])
        self.grpc_port = 0
        self.http_port = 0
        self.endpoint = ""
        self.workspace_url = ""
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 30) -> None:
        """Starts the process and waits for its ready file, at most `timeout` seconds (a port
        still held a moment after a kill makes the new process exit: it is started again)."""
        ready = self.workdir / "ready.json"
        ready.unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            log_path = self.workdir / f"emulator-{self.starts}.log"
            with open(log_path, "w") as log:
                self.process = subprocess.Popen(
                    [
                        self.binary,
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(self.grpc_port),
                        "--http-port",
                        str(self.http_port),
                        "--data-dir",
                        str(self.workdir / "landed"),
                        "--ready-file",
                        str(ready),
                        *self.args,
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            while self.process.poll() is None and time.monotonic() < deadline:
                if ready.exists() and ready.stat().st_size > 0:
                    break
                time.sleep(0.01)
            if ready.exists() and ready.stat().st_size > 0:
                break
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"the emulator did not serve within {timeout} s: {log_path.read_text()[-2000:]}"
                )
            time.sleep(0.1)
        info = json.loads(ready.read_text())
        if self.starts == 0:
            self.endpoint = info["endpoint"]
            self.workspace_url = info["workspace_url"]
            self.grpc_port = urlparse(self.endpoint).port or 0
            self.http_port = urlparse(self.workspace_url).port or 0
            if self.grpc_port <= 0 or self.http_port <= 0:
                raise RuntimeError(f"no ports in the ready file: {info}")
        elif info["endpoint"] != self.endpoint:
            raise RuntimeError(f"restarted on {info['endpoint']}, not {self.endpoint}")
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def landed_ids(landed: Path, table: str) -> list[int]:
    """Every id the emulator processes wrote for `table`. A file cut by SIGKILL is read up to its
    last whole batch: a batch lands before it is acknowledged, so no acknowledged row is lost."""
    ids: list[int] = []
    for path in sorted((landed / table).glob("*.arrows")):
        with pa.OSFile(str(path)) as source:
            try:
                reader = pa.ipc.open_stream(source)
            except (pa.ArrowInvalid, OSError):
                continue  # killed before the schema was whole
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (pa.ArrowInvalid, OSError):
                    break  # the tail a killed process left half-written
                ids.extend(batch.column("id").to_pylist())
    return ids
