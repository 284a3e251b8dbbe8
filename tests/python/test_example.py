"""The Python examples run (each against the emulator it starts itself): examples/python_example.py,
and the scale-out ones of docs/scale-out.md, examples/spark_example.py (Spark in local mode) and
examples/ray_example.py (a local Ray)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str) -> str:
    """Runs examples/<name> without any ZEROBUS_ setting (so it uses the emulator); its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROBUS_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_python_example_runs():
    out = run_example("python_example.py")
    assert "using the local emulator" in out
    assert "Partial success: 6 succeeded, 2 failed" in out
    assert "Quarantined 2 rows" in out
    assert "ConversionError: 2 rows [3, 4]" in out
    assert "The emulator holds 6 rows of main.sales.orders" in out


def test_spark_example_runs():
    out = run_example("spark_example.py")
    assert "4 tasks, 8 streams: 998 rows landed, 2 failed" in out
    assert "ConversionError: 2 rows" in out
    for order in (250, 750):
        assert (
            f"order {order}: ConversionError: row 0, column 'customer': null in a non-nullable"
            in out
        )
    assert "The emulator holds 998 rows of main.sales.orders" in out


def test_ray_example_runs():
    out = run_example("ray_example.py")
    assert "4 write tasks: 998 rows landed, 2 failed" in out
    assert "Quarantine: 2 Parquet files" in out
    for order in (250, 750):
        assert (
            f"order {order}: ConversionError: row 0, column 'customer': null in a non-nullable"
            in out
        )
    assert "The emulator holds 998 rows of main.sales.orders" in out
