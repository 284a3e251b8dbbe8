"""A server that restarts under a running `zerobus-arrow send` (issue 15, section 3).

`zerobus-emulator` runs as a process on ports the OS picks; `zerobus-arrow send` of a Parquet file
runs as a process against it. While the send runs, the emulator is killed with SIGKILL and started
again on the same ports, --restarts times. Then, for each wire format:

* the send exits 0, its summary accounts for every row (succeeded + failed = rows) and no row
  failed;
* every row landed (nothing the summary reports as landed is missing from what the restarted
  servers wrote), and the duplicates come only from replays: none without a replayed request, and
  at most the rows the summary says were re-sent;
* the client's anonymous resident memory (RssAnon), sampled every 10 ms, stays under the bound its
  window gives, both while the server is down and over the whole run (see window_bound()).

With --stays-down it also checks a server that does not come back: the send exits 4 within a
bound, naming the endpoint and the retry budget; every row it read is acknowledged or failed,
the quarantine file holds exactly the failed rows, and every row not quarantined landed.

Prints one JSON line of figures per run. Every wait is bounded. ctest runs it with its defaults
(cli_send_server_restart); scripts/soak_restart.sh runs it longer.
usage: send_server_restart.py --cli ZEROBUS_ARROW --emulator ZEROBUS_EMULATOR [options]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from emulator_process import EmulatorProcess, landed_ids

CLIENT = {"ZEROBUS_CLIENT_ID": "emulator-client", "ZEROBUS_CLIENT_SECRET": "emulator-secret"}
MIB = 1 << 20
# The CLI keeps this many batches in flight (cli/send_args.h, SendArgs::window).
CLI_WINDOW_BATCHES = 8
# What the process holds besides its window: code-side state of gRPC, Arrow and the Parquet
# reader, and what the allocators keep (10-12 MiB for a 1-row file, 25 MiB for one batch of
# 20,000 rows).
FIXED_ALLOWANCE = 64 * MIB


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def anon_rss(pid: int) -> int | None:
    """RssAnon of `pid` in bytes (the heap: file pages of the binary and inputs left out)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler(threading.Thread):
    """Samples a process's RssAnon every 10 ms; keeps the peak, and the peak while `down` is set."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.down = threading.Event()
        self.finished = threading.Event()
        self.peak = 0
        self.peak_down = 0
        self.samples_down = 0

    def run(self) -> None:
        while not self.finished.is_set():
            rss = anon_rss(self.pid)
            if rss is None:
                return
            self.peak = max(self.peak, rss)
            if self.down.is_set():
                self.peak_down = max(self.peak_down, rss)
                self.samples_down += 1
            time.sleep(0.01)


def write_input(path: Path, rows: int) -> None:
    """`rows` rows (id, name, payload: 24 random bytes, which do not compress) in row groups of
    100,000, written a group at a time. The file is about 32 bytes a row, so a reader that holds
    it whole (as Arrow's Parquet pre-buffering did) shows against the window bound."""
    schema = pa.schema([("id", pa.int64()), ("name", pa.utf8()), ("payload", pa.binary())])
    group = 100_000
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, group):
            count = min(rows, start + group) - start
            payload = pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(24), count, [None, pa.py_buffer(os.urandom(24 * count))]
            ).cast(pa.binary())
            names = pa.array([f"n{i % 1000}" for i in range(start, start + count)])
            ids = pa.array(range(start, start + count), pa.int64())
            table = pa.table({"id": ids, "name": names, "payload": payload}, schema=schema)
            writer.write_table(table, row_group_size=group)


def parse_summary(text: str) -> dict[str, int]:
    def number(pattern: str) -> int:
        match = re.search(pattern, text)
        check(match is not None, f"the summary lacks /{pattern}/:\n{text}")
        return int(match.group(1))

    return {
        "total": number(r"rows: +(\d+) total"),
        "succeeded": number(r"rows: +\d+ total, (\d+) succeeded"),
        "failed": number(r"succeeded, (\d+) failed"),
        "encoded_bytes": number(r"bytes: +(\d+) encoded"),
        "requests_sent": number(r"requests: +(\d+) sent"),
        "requests_replayed": number(r"requests: +\d+ sent, (\d+) replayed"),
        "quarantined": number(r"quarantine: +(\d+) rows"),
        # Printed only when rows were re-sent.
        "rows_replayed": int(m.group(1)) if (m := re.search(r"\((\d+) rows re-sent", text)) else 0,
    }


def quarantined_ids(path: Path) -> list[int]:
    if not path.exists():
        return []
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_stream(source).read_all().column("id").to_pylist()


def window_bound(args: argparse.Namespace, arrow_row: float, encoded_row: float) -> int:
    """What the client may hold, whether the server is up or down: the CLI's window of
    CLI_WINDOW_BATCHES batches of --batch-rows rows, each as Arrow data, as encoded records
    (Protobuf, or the Arrow IPC body) and as the requests cut from them, plus the stream's window
    (max_inflight_bytes) and FIXED_ALLOWANCE. It does not depend on the input's size."""
    batch = args.batch_rows * (arrow_row + 2 * encoded_row)
    return int(FIXED_ALLOWANCE + CLI_WINDOW_BATCHES * batch + args.max_inflight_bytes)


def run_send(
    args: argparse.Namespace,
    emulator: EmulatorProcess,
    work: Path,
    name: str,
    wire_format: str,
    extra: list[str],
) -> tuple[subprocess.Popen, Path, Path, Path]:
    out, err, quarantine = work / f"{name}.out", work / f"{name}.err", work / f"{name}.arrows"
    command = [
        args.cli,
        "send",
        str(work / "rows.parquet"),
        "--endpoint",
        emulator.endpoint,
        "--unity-catalog-url",
        emulator.workspace_url,
        "--table",
        f"main.default.{name}",
        "--format",
        wire_format,
        "--batch-rows",
        str(args.batch_rows),
        "--quarantine",
        str(quarantine),
        "--quiet",
        "--set",
        "retry_base_delay_ms=50",
        "--set",
        "retry_max_delay_ms=500",
        "--set",
        f"max_inflight_bytes={args.max_inflight_bytes}",
        *extra,
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZEROBUS_")}
    environment.update(CLIENT)
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
    return process, out, err, quarantine


def wait_for_landing(landed: Path, table: str, process: subprocess.Popen, bound: float) -> None:
    """Until the first rows of `table` are on disk: the stream is open and rows are flowing."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        check(process.poll() is None, "the send ended before any row landed")
        if any(p.stat().st_size > 0 for p in (landed / table).glob("*.arrows")):
            return
        time.sleep(0.02)
    raise Failure(f"no row of {table} landed within {bound} s")


def wait_process(process: subprocess.Popen, bound: float, what: str) -> int:
    try:
        return process.wait(timeout=bound)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        raise Failure(f"{what} did not end within {bound} s") from None


def start_emulator(args: argparse.Namespace, work: Path, name: str) -> EmulatorProcess:
    """An emulator process for the run `name`, landing under work/name/landed, started."""
    run_dir = work / name
    run_dir.mkdir()
    emulator = EmulatorProcess(
        args.emulator, run_dir, ["--stream-records-per-second", str(args.records_per_second)]
    )
    emulator.start()
    return emulator


def restarts_run(args: argparse.Namespace, work: Path, wire_format: str) -> dict[str, object]:
    name = f"restart_{wire_format}"
    emulator = start_emulator(args, work, name)
    run_dir = emulator.workdir
    try:
        started = time.monotonic()
        retry = ["--set", f"retry_timeout_ms={args.retry_timeout_ms}"]
        process, out, err, quarantine = run_send(args, emulator, work, name, wire_format, retry)
        sampler = RssSampler(process.pid)
        sampler.start()
        try:
            wait_for_landing(run_dir / "landed", f"main.default.{name}", process, 60)
            down_seconds = 0.0
            for restart in range(args.restarts):
                time.sleep(args.interval)
                check(
                    process.poll() is None,
                    f"the send ended after {restart} of {args.restarts} restarts "
                    "(slow the emulator down: --records-per-second)",
                )
                emulator.kill()
                went_down = time.monotonic()
                sampler.down.set()
                time.sleep(args.down)
                emulator.start()
                sampler.down.clear()
                down_seconds += time.monotonic() - went_down
            code = wait_process(process, args.send_timeout, f"the {wire_format} send")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            sampler.finished.set()
            sampler.join(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        emulator.stop()

    summary_text = out.read_text()
    check(
        code == 0,
        f"{wire_format}: exit {code}, expected 0\n{summary_text}\n{err.read_text()[-3000:]}",
    )
    summary = parse_summary(summary_text)
    check(summary["total"] == args.rows, f"{wire_format}: {summary['total']} rows, not {args.rows}")
    check(
        summary["succeeded"] + summary["failed"] == summary["total"],
        f"{wire_format}: rows not accounted for: {summary}",
    )
    check(summary["failed"] == 0, f"{wire_format}: {summary['failed']} rows failed")
    check(summary["quarantined"] == 0 and not quarantined_ids(quarantine), "a quarantined row")

    ids = landed_ids(run_dir / "landed", f"main.default.{name}")
    distinct = set(ids)
    missing = args.rows - len(distinct & set(range(args.rows)))
    check(missing == 0, f"{wire_format}: {missing} acknowledged rows did not land")
    check(distinct <= set(range(args.rows)), f"{wire_format}: rows landed that were never sent")
    duplicates = len(ids) - len(distinct)
    replayed = summary["requests_replayed"]
    check(duplicates == 0 or replayed > 0, f"{wire_format}: {duplicates} duplicates, no replay")
    check(
        duplicates <= summary["rows_replayed"],
        f"{wire_format}: {duplicates} duplicates, but only {summary['rows_replayed']} rows were "
        "re-sent",
    )

    bound = window_bound(args, args.arrow_row_bytes, summary["encoded_bytes"] / args.rows)
    check(sampler.samples_down > 0, "no memory sample was taken while the server was down")
    check(
        sampler.peak_down <= bound,
        f"{wire_format}: {sampler.peak_down / MIB:.0f} MiB while the server was down, over the "
        f"bound of {bound / MIB:.0f} MiB",
    )
    check(
        sampler.peak <= bound,
        f"{wire_format}: peak {sampler.peak / MIB:.0f} MiB, over the bound of "
        f"{bound / MIB:.0f} MiB",
    )
    return {
        "run": "restarts",
        "format": wire_format,
        "rows": args.rows,
        "restarts": args.restarts,
        "seconds": round(elapsed, 1),
        "seconds_down": round(down_seconds, 1),
        "succeeded": summary["succeeded"],
        "failed": summary["failed"],
        "lost": missing,
        "landed": len(ids),
        "duplicates": duplicates,
        "requests_sent": summary["requests_sent"],
        "requests_replayed": replayed,
        "rows_replayed": summary["rows_replayed"],
        "rss_anon_peak_mib": round(sampler.peak / MIB, 1),
        "rss_anon_peak_down_mib": round(sampler.peak_down / MIB, 1),
        "rss_bound_mib": round(bound / MIB, 1),
        "input_file_mib": round((work / "rows.parquet").stat().st_size / MIB, 1),
    }


def stays_down_run(args: argparse.Namespace, work: Path) -> dict[str, object]:
    name = "stays_down"
    emulator = start_emulator(args, work, name)
    run_dir = emulator.workdir
    try:
        budget = ["--set", "retry_timeout_ms=2000", "--set", "connect_timeout_ms=500"]
        process, out, err, quarantine = run_send(args, emulator, work, name, "protobuf", budget)
        try:
            wait_for_landing(run_dir / "landed", f"main.default.{name}", process, 60)
            emulator.kill()
            killed = time.monotonic()
            code = wait_process(process, 60, "a send to a server that stays down")
            after_kill = time.monotonic() - killed
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    finally:
        emulator.stop()
    summary_text = out.read_text()
    check(code == 4, f"a server that stays down: exit {code}, expected 4\n{summary_text}")
    # 2 s of retries, then every request in flight fails; the process ends soon after.
    check(after_kill < 20, f"the send took {after_kill:.1f} s to end after the kill")
    host_port = f"127.0.0.1:{emulator.grpc_port}"
    check(
        re.search(r"stopped: .*" + re.escape(host_port), summary_text) is not None,
        f"the summary does not name {host_port} as the cause:\n{summary_text}",
    )
    check("RetryExhausted" in summary_text, f"no RetryExhausted in:\n{summary_text}")
    summary = parse_summary(summary_text)
    check(summary["succeeded"] + summary["failed"] == summary["total"], f"{summary}")
    check(summary["failed"] > 0, "nothing failed although the server stayed down")
    failed = quarantined_ids(quarantine)
    check(
        len(failed) == summary["failed"] == summary["quarantined"],
        f"quarantine {len(failed)} rows, summary {summary}",
    )
    read = set(range(summary["total"]))
    landed = set(landed_ids(run_dir / "landed", f"main.default.{name}"))
    acknowledged = read - set(failed)
    check(len(acknowledged) == summary["succeeded"], "quarantined rows outside the input")
    lost = len(acknowledged - landed)
    check(lost == 0, f"{lost} rows reported landed that the server did not write")
    check(landed <= read, "rows landed that the summary does not count")
    return {
        "run": "stays_down",
        "exit": code,
        "seconds_after_kill": round(after_kill, 1),
        "rows_read": summary["total"],
        "succeeded": summary["succeeded"],
        "failed": summary["failed"],
        "lost": lost,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.8, help="seconds between restarts")
    parser.add_argument("--down", type=float, default=0.5, help="seconds the server stays down")
    parser.add_argument("--formats", default="protobuf,arrow")
    parser.add_argument("--records-per-second", type=int, default=300_000)
    parser.add_argument("--batch-rows", type=int, default=20_000)
    parser.add_argument("--max-inflight-bytes", type=int, default=4 * MIB)
    parser.add_argument("--retry-timeout-ms", type=int, default=30_000)
    parser.add_argument("--send-timeout", type=float, default=240)
    parser.add_argument("--stays-down", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="zerobus-restart-"))
    try:
        write_input(work / "rows.parquet", args.rows)
        sample = pq.ParquetFile(work / "rows.parquet").read_row_group(0)
        args.arrow_row_bytes = sample.nbytes / sample.num_rows
        del sample
        for wire_format in args.formats.split(","):
            figures = restarts_run(args, work, wire_format)
            print(json.dumps(figures), flush=True)
        if args.stays_down:
            print(json.dumps(stays_down_run(args, work)), flush=True)
    except (Failure, RuntimeError) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"scratch directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
