"""examples/python_example.py runs (against the emulator it starts itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python_example.py"


def test_python_example_runs():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROBUS_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "using the local emulator" in out
    assert "Partial success: 6 succeeded, 2 failed" in out
    assert "Quarantined 2 rows" in out
    assert "ConversionError: 2 rows [3, 4]" in out
    assert "The emulator holds 6 rows of main.sales.orders" in out
