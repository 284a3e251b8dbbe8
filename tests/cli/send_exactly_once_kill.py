"""`zerobus-arrow send --exactly-once --checkpoint FILE` killed and resumed (issue 21, section 3).

`zerobus-emulator` runs as a process whose acks are paced (a records quota), so that rows land
well ahead of their acknowledgements, as a busy service's do. A 2,000,000-row Parquet file is sent
with --exactly-once --checkpoint; the send is killed with SIGKILL --kills times at random moments
(and interrupted once with SIGINT, which stops it cleanly with exit 130), each time started again
with the same command; the last run goes to the end. Then:

* the last run exits 0, resumes from the checkpoint (it says so) and accounts for every row;
* the table holds every input row exactly once: the emulator's landed rows, read by id, are
  0..N-1 with no duplicate and none missing;
* while a send runs, a second one on the same checkpoint is refused (exit 2, "in use");
* once complete, the same command sends nothing and exits 0 ("completed");
* --checkpoint without --exactly-once, and a checkpoint of another send, are refused (exit 2).

Prints one JSON line of figures. Every wait is bounded.
usage: send_exactly_once_kill.py --cli ZEROBUS_ARROW --emulator ZEROBUS_EMULATOR [options]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from emulator_process import EmulatorProcess, landed_ids

CLIENT = {"ZEROBUS_CLIENT_ID": "emulator-client", "ZEROBUS_CLIENT_SECRET": "emulator-secret"}
TABLE = "main.default.exactly_once"


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def write_input(path: Path, rows: int) -> None:
    ids = pa.array(range(rows), pa.int64())
    names = pc.binary_join_element_wise("row-", pc.cast(ids, pa.string()), "")
    pq.write_table(pa.table({"id": ids, "name": names}), path)


class Sends:
    def __init__(self, cli: str, emulator: EmulatorProcess, workdir: Path, data: Path):
        self.cli = cli
        self.emulator = emulator
        self.workdir = workdir
        self.data = data
        self.checkpoint = workdir / "checkpoint.jsonl"
        self.runs = 0

    def command(self, *extra: str, exactly_once: bool = True) -> list[str]:
        command = [
            self.cli,
            "send",
            str(self.data),
            "--table",
            TABLE,
            "--quiet",
            "--endpoint",
            self.emulator.endpoint,
            "--unity-catalog-url",
            self.emulator.workspace_url,
            "--checkpoint",
            str(self.checkpoint),
            *extra,
        ]
        return command + (["--exactly-once"] if exactly_once else [])

    def start(self, *extra: str, exactly_once: bool = True) -> subprocess.Popen:
        self.runs += 1
        log = open(self.workdir / f"send-{self.runs}.log", "w")
        return subprocess.Popen(
            self.command(*extra, exactly_once=exactly_once),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **CLIENT},
        )

    def log(self) -> str:
        return (self.workdir / f"send-{self.runs}.log").read_text()

    def logs(self) -> list[str]:
        return [(self.workdir / f"send-{run}.log").read_text() for run in range(1, self.runs + 1)]

    def run(self, *extra: str, timeout: float = 120, exactly_once: bool = True) -> int:
        process = self.start(*extra, exactly_once=exactly_once)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise Failure(f"a send did not end within {timeout} s:\n{self.log()}") from None


def wait_until_sending(sends: Sends, process: subprocess.Popen, timeout: float = 30) -> None:
    """Until the checkpoint has grown past its header in this run (rows are in flight)."""
    start_size = sends.checkpoint.stat().st_size if sends.checkpoint.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return
        if sends.checkpoint.exists() and sends.checkpoint.stat().st_size > start_size + 200:
            return
        time.sleep(0.01)
    raise Failure("the send journaled nothing within 30 s")


def run(args: argparse.Namespace, workdir: Path) -> dict:
    rng = random.Random(args.seed)
    data = workdir / "rows.parquet"
    write_input(data, args.rows)
    emulator = EmulatorProcess(
        args.emulator, workdir, ["--stream-records-per-second", str(args.records_per_second)]
    )
    emulator.start()
    figures = {"rows": args.rows, "kills": 0, "interrupts": 0}
    try:
        sends = Sends(args.cli, emulator, workdir, data)

        code = sends.run(exactly_once=False)
        check(
            code == 2 and "--checkpoint needs --exactly-once" in sends.log(),
            f"--checkpoint without --exactly-once: exit {code}\n{sends.log()}",
        )
        check(not sends.checkpoint.exists(), "a refused send wrote a checkpoint")

        for attempt in range(args.kills + 1):
            process = sends.start()
            wait_until_sending(sends, process)
            time.sleep(rng.uniform(0.05, 0.4))
            if attempt == 1:
                other = sends.run()
                check(
                    other == 2 and "in use by another zerobus-arrow send" in sends.log(),
                    f"a second send on the checkpoint: exit {other}\n{sends.log()}",
                )
            if attempt == args.kills:
                process.send_signal(signal.SIGINT)
                interrupted = process.wait(60)
                check(interrupted in (0, 130), f"an interrupted send exited {interrupted}")
                figures["interrupts"] += 1
            else:
                process.kill()
                process.wait(10)
                figures["kills"] += 1

        check(
            interrupted == 130,
            "the send finished before the interrupt: use a lower "
            "--records-per-second, so that the kills and the interrupt find rows left to send",
        )
        code = sends.run()
        final_log = sends.log()
        check(code == 0, f"the last send exited {code}:\n{final_log}")
        check(
            "resuming from checkpoint" in final_log, f"the last send did not resume:\n{final_log}"
        )
        check(
            f"rows:        {args.rows} total, {args.rows} succeeded, 0 failed" in final_log,
            f"the last send's summary:\n{final_log}",
        )
        # What each resumed run found landed. The server commits ahead of its paced acks, so a
        # late run may find every row landed; at least one must have resumed with rows to send.
        skipped = [
            int(found)
            for found in re.findall(r"(\d+) rows landed and are skipped", "".join(sends.logs()))
        ]
        figures["skipped_by_resumed_runs"] = skipped
        check(
            any(0 < rows < args.rows for rows in skipped),
            f"no run resumed with rows left to send (skipped: {skipped})",
        )

        landed = landed_ids(workdir / "landed", TABLE)
        counts = collections.Counter(landed)
        duplicates = sum(n - 1 for n in counts.values() if n > 1)
        missing = args.rows - len(counts)
        figures.update(landed=len(landed), duplicates=duplicates, missing=missing)
        check(duplicates == 0, f"{duplicates} rows landed twice")
        check(
            missing == 0 and set(counts) == set(range(args.rows)),
            f"{missing} rows missing, or ids that were never sent",
        )

        code = sends.run()
        check(
            code == 0 and "says this send completed" in sends.log(),
            f"a send after completion: exit {code}\n{sends.log()}",
        )
        check(
            len(landed_ids(workdir / "landed", TABLE)) == args.rows,
            "a send after completion sent rows again",
        )

        other = workdir / "other.parquet"
        write_input(other, 10)
        sends.data = other
        code = sends.run()
        check(
            code == 2 and "was written by another send" in sends.log(),
            f"another send's checkpoint: exit {code}\n{sends.log()}",
        )
        figures["runs"] = sends.runs
        return figures
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--records-per-second", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="exactly_once_kill_"))
    try:
        figures = run(args, workdir)
        print(json.dumps({"seed": args.seed, **figures}))
        return 0
    except Failure as failure:
        print(f"FAIL (seed {args.seed}, files in {workdir}): {failure}", file=sys.stderr)
        workdir = None
        return 1
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
