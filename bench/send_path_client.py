"""What the Python clients of scripts/bench_send_path.sh share: the inputs that
`send_path_benchmark --write-inputs DIR` wrote, the process's CPU time, and the `RESULT {json}`
line bench/send_path_report.py tabulates."""

from __future__ import annotations

import json
import resource
from pathlib import Path


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_batches(inputs: Path) -> list:
    """Every batch of DIR/batches.arrows, in memory, in order."""
    import pyarrow as pa

    with pa.OSFile(str(inputs / "batches.arrows")) as source:
        return list(pa.ipc.open_stream(source))


def print_result(
    client: str,
    mode: str,
    round_number: int,
    rows: int,
    seconds: float,
    cpu: float,
    wire_bytes: int | None = None,
) -> None:
    """One round's RESULT line on stdout; wire bytes only where the client knows them."""
    line = {
        "client": client,
        "mode": mode,
        "round": round_number,
        "rows": rows,
        "seconds": round(seconds, 6),
        "rows_per_second": round(rows / seconds),
        "cpu_ns_per_row": round(cpu * 1e9 / rows, 2),
    }
    if wire_bytes is not None:
        line["wire_bytes_per_row"] = round(wire_bytes / rows, 2)
    print("RESULT " + json.dumps(line), flush=True)
