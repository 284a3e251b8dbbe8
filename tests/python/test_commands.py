"""The console scripts a `pip install` puts on PATH: `zerobus-emulator` serves, and `zerobus-arrow
send` lands a Parquet file in it, both run from the programs the package carries."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

import arrow_zerobus_sdk_wrapper as az

SCRIPTS = Path(sys.executable).parent


def script(name: str) -> str:
    path = SCRIPTS / name
    assert path.is_file(), f"{name} is not installed next to {sys.executable}"
    return str(path)


def test_both_programs_ship_in_the_package():
    for name in ("zerobus-arrow", "zerobus-emulator"):
        assert (Path(az.__file__).parent / "_bin" / name).is_file(), name


@pytest.fixture
def emulator_process(tmp_path: Path):
    """`zerobus-emulator` through its console script, landing rows under tmp_path/landed."""
    ready = tmp_path / "ready.json"
    landed = tmp_path / "landed"
    log = (tmp_path / "emulator.log").open("w")
    process = subprocess.Popen(
        [
            script("zerobus-emulator"),
            "--port",
            "0",
            "--http-port",
            "0",
            "--ready-file",
            str(ready),
            "--data-dir",
            str(landed),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while not (ready.exists() and ready.stat().st_size > 0):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = (tmp_path / "emulator.log").read_text()
            pytest.fail(f"zerobus-emulator did not start: {output}")
        time.sleep(0.05)
    yield json.loads(ready.read_text()), landed
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_zerobus_arrow_sends_a_parquet_file_to_zerobus_emulator(emulator_process, tmp_path):
    ready, landed = emulator_process
    table = pa.table(
        {"id": pa.array(range(1000), pa.int64()), "name": [f"n{i}" for i in range(1000)]}
    )
    parquet = tmp_path / "input.parquet"
    pq.write_table(table, parquet)
    env = {
        "PATH": str(SCRIPTS),
        "ZEROBUS_ENDPOINT": ready["endpoint"],
        "ZEROBUS_UNITY_CATALOG_URL": ready["workspace_url"],
        "ZEROBUS_CLIENT_ID": "emulator-client",
        "ZEROBUS_CLIENT_SECRET": "emulator-secret",
    }
    sent = subprocess.run(
        [script("zerobus-arrow"), "send", str(parquet), "--table", "main.default.commands"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "1000 total, 1000 succeeded, 0 failed" in sent.stdout, sent.stdout

    ids = []
    for path in sorted((landed / "main.default.commands").glob("*.arrows")):
        with ipc.open_stream(path) as reader:
            ids += reader.read_all().column("id").to_pylist()
    assert sorted(ids) == list(range(1000))


def test_zerobus_arrow_reports_its_usage_errors_and_exit_status():
    wrong = subprocess.run(
        [script("zerobus-arrow"), "sned"], capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode != 0
    assert "sned" in wrong.stderr
