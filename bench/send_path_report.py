"""Tabulates the RESULT lines of the send-path benchmarks (scripts/bench_send_path.sh).

    python bench/send_path_report.py [FILE ...]      # no FILE: read stdin

Reads every `RESULT {json}` line (bench/rust_sdk, bench/send_path_benchmark.cc,
bench/python_send_path_benchmark.py, bench/official_python_send_path_benchmark.py), groups them
by (client, mode) and prints one Markdown table of medians across rounds: rows/s, the client's
CPU ns per row, wire bytes per row (where the client reports it), rows/s relative to the
official Rust SDK's arrow-none, and, for arrow-zerobus-cpp, rows/s as a share of the bare
stream carrying the same bytes (bare-arrow for arrow-none, bare-protobuf for protobuf). Lines
starting with `NOTE ` are printed under the table, once each; other lines are ignored.
"""

from __future__ import annotations

import fileinput
import json
import statistics
import sys
from collections import defaultdict

RUST_PREFIX = "official-rust-sdk"
CPP = "arrow-zerobus-cpp"
PYTHON = "arrow-zerobus-python"
OFFICIAL_PYTHON_PREFIX = "official-python-sdk"
MODE_ORDER = ["arrow-none", "arrow-zstd", "arrow-lz4", "protobuf", "bare-arrow", "bare-protobuf"]


def group_rank(client: str, mode: str) -> int:
    """Rust SDK, our C++ client, the bare streams, our Python package, the official Python SDK,
    anything else."""
    if client.startswith(RUST_PREFIX):
        return 0
    if client == CPP:
        return 2 if mode.startswith("bare-") else 1
    if client == PYTHON:
        return 3
    if client.startswith(OFFICIAL_PYTHON_PREFIX):
        return 4
    return 5


def sort_key(key: tuple[str, str]) -> tuple:
    client, mode = key
    mode_rank = MODE_ORDER.index(mode) if mode in MODE_ORDER else len(MODE_ORDER)
    return (group_rank(client, mode), client, mode_rank, mode)


def median_of(results: list[dict], field: str) -> float | None:
    values = [r[field] for r in results if r.get(field) is not None]
    return statistics.median(values) if values else None


def bare_mode(mode: str) -> str | None:
    """The bare stream carrying the same bytes: uncompressed Arrow, or Protobuf."""
    if mode == "arrow-none":
        return "bare-arrow"
    if mode == "protobuf":
        return "bare-protobuf"
    return None


def read(lines) -> tuple[dict[tuple[str, str], list[dict]], list[str]]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    notes: list[str] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if line.startswith("NOTE "):
            if line not in notes:
                notes.append(line)
        elif line.startswith("RESULT "):
            try:
                result = json.loads(line[len("RESULT ") :])
                groups[(result["client"], result["mode"])].append(result)
            except (ValueError, KeyError) as error:
                print(f"send_path_report: line {number}: {error}: {line}", file=sys.stderr)
    return groups, notes


def table(groups: dict[tuple[str, str], list[dict]]) -> list[str]:
    medians = {key: median_of(results, "rows_per_second") for key, results in groups.items()}
    rust = next(
        (v for (c, m), v in medians.items() if c.startswith(RUST_PREFIX) and m == "arrow-none"),
        None,
    )
    lines = [
        "| client | mode | rounds | rows/s (median) | client CPU ns/row (median) "
        "| wire bytes/row (median) | rows/s vs Rust SDK arrow-none | % of bare stream |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key in sorted(groups, key=sort_key):
        client, mode = key
        results = groups[key]
        rate = medians[key]
        cpu = median_of(results, "cpu_ns_per_row")
        wire = median_of(results, "wire_bytes_per_row")
        versus_rust = f"{rate / rust:.2f}x" if rust else ""
        of_bare = ""
        bare = medians.get((CPP, bare_mode(mode) or ""))
        if client == CPP and not mode.startswith("bare-") and bare:
            of_bare = f"{100 * rate / bare:.0f}%"
        lines.append(
            f"| {client} | {mode} | {len(results)} | {rate:,.0f} "
            f"| {'' if cpu is None else f'{cpu:.1f}'} | {'' if wire is None else f'{wire:.1f}'} "
            f"| {versus_rust} | {of_bare} |"
        )
    return lines


def main() -> None:
    groups, notes = read(fileinput.input(sys.argv[1:]))
    if not groups:
        print("send_path_report: no RESULT lines", file=sys.stderr)
        sys.exit(1)
    row_counts = sorted({r["rows"] for results in groups.values() for r in results})
    print(f"Rows per round: {', '.join(f'{n:,}' for n in row_counts)}")
    print()
    print("\n".join(table(groups)))
    if notes:
        print()
        print("\n".join(notes))


if __name__ == "__main__":
    main()
