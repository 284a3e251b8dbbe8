"""The send path per row from Python: our package's one blocking call for a whole pyarrow Table.

The Python twin of bench/send_path_benchmark.cc's wrapper modes, on the rows it wrote with
`send_path_benchmark --write-inputs DIR` (DIR/batches.arrows, an Arrow IPC stream), against a
running `zerobus-emulator --light` (so the process CPU measured is the client's alone).

    python bench/python_send_path_benchmark.py --endpoint URL --workspace-url URL --inputs DIR \
        --mode arrow-none|arrow-lz4|arrow-zstd|protobuf [--rounds N] [--table T]

The whole table is read into memory first. One wrapper (wire format arrow with IPC compression
none, lz4_frame or zstd, or protobuf) gets one untimed warm-up send of the table (it opens the
stream), then each round times one `send_batch_sync(table)` from call to return (every row
acknowledged or failed), with the process's user+system CPU time over the same span. A round
in which not every row landed ends the program with status 1. One `RESULT {json}` line per
round on stdout, the shape bench/send_path_report.py tabulates; scripts/bench_send_path.sh runs
it next to the other clients.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyarrow as pa
from send_path_client import cpu_seconds, print_result, read_batches

from arrow_zerobus_sdk_wrapper import ZerobusWrapper

CLIENT = "arrow-zerobus-python"
# mode -> (wire_format, arrow_ipc_compression)
MODES = {
    "arrow-none": ("arrow", "none"),
    "arrow-lz4": ("arrow", "lz4_frame"),
    "arrow-zstd": ("arrow", "zstd"),
    "protobuf": ("protobuf", None),
}


def send(wrapper: ZerobusWrapper, table: pa.Table, mode: str):
    """One blocking send of the whole table: (seconds, CPU seconds, result); exits unless every
    row landed."""
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    result = wrapper.send_batch_sync(table)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    if not result.all_rows_landed or result.successful_count != table.num_rows:
        print(
            f"python_send_path_benchmark: {mode}: {result.successful_count} of "
            f"{table.num_rows} rows landed: {result.summary()}",
            file=sys.stderr,
        )
        sys.exit(1)
    return seconds, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--workspace-url", required=True)
    parser.add_argument("--inputs", required=True, type=Path, help="holds batches.arrows")
    parser.add_argument("--mode", required=True, choices=list(MODES))
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds (default 1)")
    parser.add_argument("--table", default="main.bench.python", help="table to send to")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    started = time.perf_counter()
    table = pa.Table.from_batches(read_batches(args.inputs))
    rows = table.num_rows
    if rows == 0:
        sys.exit(f"python_send_path_benchmark: {args.inputs}/batches.arrows holds no rows")
    print(
        f"{CLIENT} {args.mode}: {rows} rows in {table.column(0).num_chunks} batches loaded in "
        f"{time.perf_counter() - started:.1f} s; table {args.table}",
        file=sys.stderr,
    )

    wire_format, compression = MODES[args.mode]
    settings = {"wire_format": wire_format}
    if compression is not None:
        settings["arrow_ipc_compression"] = compression
    wrapper = ZerobusWrapper(
        endpoint=args.endpoint,
        table_name=args.table,
        client_id="emulator-client",
        client_secret="emulator-secret",
        unity_catalog_url=args.workspace_url,
        **settings,
    )
    send(wrapper, table, args.mode)  # warm-up: opens the stream, plans the schema
    for round_number in range(1, args.rounds + 1):
        seconds, cpu, result = send(wrapper, table, args.mode)
        # encoded_bytes counts the Arrow format's uncompressed IPC body: the wire bytes only
        # without compression (the C++ client measures the compressed ones).
        wire_bytes = result.encoded_bytes if args.mode in ("arrow-none", "protobuf") else None
        print_result(CLIENT, args.mode, round_number, rows, seconds, cpu, wire_bytes)
    error = wrapper.shutdown_sync()
    if error is not None:
        sys.exit(f"python_send_path_benchmark: {args.mode}: shutdown: {error}")


if __name__ == "__main__":
    main()
