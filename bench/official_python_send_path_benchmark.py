"""The send path per row through the official Zerobus Python SDK's Arrow Flight stream.

The official Python SDK (module `zerobus`, package databricks-zerobus-ingest-sdk) on the rows
`send_path_benchmark --write-inputs DIR` wrote (DIR/batches.arrows, an Arrow IPC stream),
against a running `zerobus-emulator --light`: the Python counterpart of bench/rust_sdk.

    python bench/official_python_send_path_benchmark.py --endpoint URL --workspace-url URL \
        --inputs DIR --mode arrow-none|arrow-zstd|arrow-lz4 [--rounds N] [--table T]
    python bench/official_python_send_path_benchmark.py --check

Modes set ArrowStreamConfigurationOptions.ipc_compression: arrow-none is IPCCompression.NONE (the
Python SDK's default), arrow-zstd ZSTD, arrow-lz4 LZ4_FRAME. Recovery is off, so a failure ends
the run instead of being retried inside the timed region.

All batches are read into memory first. One untimed warm-up round, then per round, as
bench/rust_sdk does: open a stream (not timed); time from the first batch handed to
`ingest_batch` until `flush()` returns (every batch acknowledged), with the process's
user+system CPU time over the same span; close (not timed) and check that no batch is left
unacknowledged and that the offsets were 0..batches-1. One `RESULT {json}` line per round on
stdout (bench/send_path_report.py tabulates them).

--check exits 0 when the SDK and its Arrow stream API are importable; otherwise it prints why
on stdout and exits 3 (scripts/bench_send_path.sh then skips this client and says so).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from send_path_client import cpu_seconds, print_result, read_batches

if TYPE_CHECKING:
    import pyarrow as pa

PACKAGE = "databricks-zerobus-ingest-sdk"
COMPRESSION = {"arrow-none": "NONE", "arrow-zstd": "ZSTD", "arrow-lz4": "LZ4_FRAME"}


def missing_arrow_api() -> str | None:
    """Why the SDK's Arrow stream cannot be used here, or None when it can."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return f"{PACKAGE} is not installed in this Python environment"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return f"{PACKAGE} {version}: pyarrow, which its Arrow stream needs, is not installed"
    try:
        import zerobus._zerobus_core as core
    except ImportError as error:
        return f"{PACKAGE} {version}: cannot import zerobus._zerobus_core ({error})"
    if not hasattr(core, "arrow"):
        return f"{PACKAGE} {version} has no Arrow Flight support (zerobus._zerobus_core.arrow)"
    try:
        from zerobus.sdk.shared.arrow import IPCCompression  # noqa: F401
        from zerobus.sdk.sync import ZerobusSdk
    except ImportError as error:
        return f"{PACKAGE} {version}: no Arrow stream API ({error})"
    if not hasattr(ZerobusSdk, "create_arrow_stream"):
        return f"{PACKAGE} {version}: ZerobusSdk has no create_arrow_stream"
    return None


def one_round(sdk, args, options, batches: list[pa.RecordBatch]) -> tuple[float, float]:
    """Opens a stream, times ingest_batch of every batch and flush(), closes and checks."""
    stream = sdk.create_arrow_stream(
        args.table, batches[0].schema, args.client_id, args.client_secret, options
    )
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    offsets = [stream.ingest_batch(batch) for batch in batches]
    stream.flush()
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    stream.close()
    unacked = stream.get_unacked_batches()
    if unacked:
        raise RuntimeError(f"{len(unacked)} batches unacknowledged after flush and close")
    if offsets != list(range(len(batches))):
        raise RuntimeError(f"offsets {offsets[:3]}... are not 0..{len(batches) - 1}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="is the Arrow stream API there?")
    parser.add_argument("--endpoint")
    parser.add_argument("--workspace-url")
    parser.add_argument("--inputs", type=Path, help="holds batches.arrows")
    parser.add_argument("--mode", choices=list(COMPRESSION))
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds (default 1)")
    parser.add_argument("--table", default="main.bench.official_python")
    parser.add_argument("--client-id", default="emulator-client")
    parser.add_argument("--client-secret", default="emulator-secret")
    args = parser.parse_args()

    why = missing_arrow_api()
    if args.check or why is not None:
        if why is not None:
            print(why)
            sys.exit(3)
        return
    for required in ("endpoint", "workspace_url", "inputs", "mode"):
        if getattr(args, required) is None:
            parser.error(f"--{required.replace('_', '-')} is required")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    from zerobus.sdk.shared.arrow import ArrowStreamConfigurationOptions, IPCCompression
    from zerobus.sdk.sync import ZerobusSdk

    client = f"official-python-sdk-{importlib.metadata.version(PACKAGE)}"
    started = time.perf_counter()
    batches = read_batches(args.inputs)
    rows = sum(batch.num_rows for batch in batches)
    if rows == 0:
        sys.exit(f"official_python_send_path_benchmark: {args.inputs} holds no rows")
    print(
        f"{client} {args.mode}: {rows} rows in {len(batches)} batches loaded in "
        f"{time.perf_counter() - started:.1f} s; table {args.table}",
        file=sys.stderr,
    )

    sdk = ZerobusSdk(args.endpoint, args.workspace_url)
    if args.endpoint.startswith("http://"):
        sdk._inner.set_use_tls(False)  # plaintext loopback to the emulator
    options = ArrowStreamConfigurationOptions(
        ipc_compression=getattr(IPCCompression, COMPRESSION[args.mode]), recovery=False
    )
    try:
        one_round(sdk, args, options, batches)  # warm-up
        for round_number in range(1, args.rounds + 1):
            seconds, cpu = one_round(sdk, args, options, batches)
            print_result(client, args.mode, round_number, rows, seconds, cpu)
    except Exception as error:  # the SDK's exceptions and our checks alike end the run
        sys.exit(f"official_python_send_path_benchmark: {args.mode}: {error}")


if __name__ == "__main__":
    main()
