"""What Spark and Ray add per row: the same Parquet dataset sent through one ZerobusWrapper in this
process, through write_to_zerobus with 1 and 2 Spark tasks (local mode) and through
ZerobusDatasink with 1 and 2 Ray write tasks, all to one zerobus-emulator process.

Per run: rows/s (from the call until every row's result is known, reading the Parquet files
included) and the client side's CPU per row: the whole machine's busy CPU time during the run
(/proc/stat) minus the emulator process's (/proc/<pid>/stat), over the rows. That counts the JVM,
Ray's processes and the Python workers, which the send itself does not need; the overhead per row
is that CPU minus the single process's. On a 2-core machine this measures overhead, not scale:
two tasks cannot go twice as fast when client and emulator share two cores.

    scaleout_benchmark.py --endpoint URL --workspace-url URL --emulator-pid PID
                          [--rows N] [--batch-rows N] [--runs N] [--engines single,spark,ray]

scripts/bench_scaleout.sh starts the emulator and runs this; results: docs/scale-out.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from arrow_zerobus_sdk_wrapper import ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FILES = 20


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores; idle and iowait excluded)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process `pid` (not its children)."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def write_dataset(directory: Path, rows: int) -> pa.Schema:
    """`rows` orders (id, customer, amount, quantity, created_at) in FILES Parquet files."""
    customers = pa.array([f"customer-{i}" for i in range(100_000)], pa.string())
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("customer", pa.string()),
            pa.field("amount", pa.float64()),
            pa.field("quantity", pa.int32()),
            pa.field("created_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    per_file = -(-rows // FILES)
    for index, first in enumerate(range(0, rows, per_file)):
        ids = pa.array(range(first, min(rows, first + per_file)), pa.int64())
        table = pa.Table.from_arrays(
            [
                ids,
                customers.take(pc.remainder(ids, 100_000)),
                pc.multiply(pc.cast(pc.remainder(ids, 1000), pa.float64()), 0.25),
                pc.cast(pc.remainder(ids, 17), pa.int32()),
                pc.cast(pc.add(ids, 1_764_000_000_000_000), pa.timestamp("us", tz="UTC")),
            ],
            schema=schema,
        )
        pq.write_table(table, directory / f"part-{index:03d}.parquet")
    return schema


def settings(args: argparse.Namespace, table: str) -> dict[str, object]:
    return {
        "endpoint": args.endpoint,
        "unity_catalog_url": args.workspace_url,
        "table_name": table,
        "client_id": Emulator.client_id,
        "client_secret": Emulator.client_secret,
    }


def run_single(args: argparse.Namespace, data: Path, table: str) -> int:
    """One wrapper in this process, the files' batches sent one after the other."""
    landed = 0
    with ZerobusWrapper(**settings(args, table)) as wrapper:
        dataset = pq.ParquetDataset(data)
        for fragment in sorted(dataset.fragments, key=lambda f: f.path):
            for batch in fragment.to_batches(batch_size=args.batch_rows):
                result = wrapper.send_batch_sync(batch)
                if result.failed_count:
                    raise SystemExit(f"single: {result.summary()}")
                landed += result.successful_count
    return landed


def spark_runner(args: argparse.Namespace, data: Path) -> Callable[[int, str], int]:
    from pyspark.sql import SparkSession

    from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

    # The executors' Python: PySpark reads PYSPARK_PYTHON when the context starts.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("scaleout_benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch_rows))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    def run(tasks: int, table: str) -> int:
        frame = spark.read.parquet(str(data)).coalesce(tasks)
        result = write_to_zerobus(frame, **settings(args, table))
        if result.rows_failed or result.tasks != tasks:
            raise SystemExit(f"spark: {result.rows_failed} failed, {result.tasks} tasks")
        return result.rows_landed

    return run


def ray_runner(args: argparse.Namespace, data: Path) -> Callable[[int, str], int]:
    import ray
    import ray.data

    from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)

    def run(tasks: int, table: str) -> int:
        # One block per write task: Ray 2.60 reads small Parquet files into one block whatever
        # override_num_blocks says, so the blocks are cut with repartition (a barrier: the data
        # are read before the first write task starts, in both variants).
        dataset = ray.data.read_parquet(str(data)).repartition(tasks)
        sink = ZerobusDatasink(**settings(args, table))
        dataset.write_datasink(sink, concurrency=tasks)
        result = sink.result
        if result is None or result.rows_failed or result.tasks != tasks:
            raise SystemExit(f"ray: {result}")
        return result.rows_landed

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--workspace-url", required=True)
    parser.add_argument("--emulator-pid", type=int, required=True)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="single,spark,ray")
    args = parser.parse_args()
    engines = args.engines.split(",")
    unknown = set(engines) - {"single", "spark", "ray"}
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)} (single, spark, ray)")

    with tempfile.TemporaryDirectory(prefix="scaleout-") as work:
        data = Path(work) / "orders"
        data.mkdir()
        write_dataset(data, args.rows)
        variants: list[tuple[str, int, Callable[[str], int]]] = []
        if "single" in engines:
            variants.append(("single process", 1, lambda table: run_single(args, data, table)))
        for engine, make in (("spark", spark_runner), ("ray", ray_runner)):
            if engine in engines:
                run = make(args, data)
                for tasks in (1, 2):
                    variants.append((engine, tasks, lambda table, r=run, t=tasks: r(t, table)))
        print(
            f"{args.rows:,} rows in {FILES} Parquet files, batches of {args.batch_rows:,} rows, "
            f"{args.runs} runs (plus one warm-up) per variant, taking turns"
        )
        measured: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for round_index in range(args.runs + 1):
            for engine, tasks, run in variants:
                table = f"main.bench.{engine.split()[0]}_{tasks}_{round_index}"
                busy, server = machine_busy_seconds(), process_cpu_seconds(args.emulator_pid)
                start = time.perf_counter()
                landed = run(table)
                seconds = time.perf_counter() - start
                client_cpu = (machine_busy_seconds() - busy) - (
                    process_cpu_seconds(args.emulator_pid) - server
                )
                if landed != args.rows:
                    raise SystemExit(f"{engine} x{tasks}: {landed} of {args.rows} rows landed")
                if round_index == 0:
                    continue
                rows_per_second = args.rows / seconds
                cpu_ns = client_cpu * 1e9 / args.rows
                measured.setdefault((engine, tasks), []).append((rows_per_second, cpu_ns))
                print(
                    "RESULT "
                    + json.dumps(
                        {
                            "engine": engine,
                            "tasks": tasks,
                            "round": round_index,
                            "rows_per_second": round(rows_per_second),
                            "client_cpu_ns_per_row": round(cpu_ns, 1),
                        }
                    ),
                    flush=True,
                )
    single = measured.get(("single process", 1))
    single_cpu = statistics.median(c for _, c in single) if single else None
    single_rate = statistics.median(r for r, _ in single) if single else None
    print(
        "\n| engine | tasks | rows/s median | vs single process | client CPU ns/row median | "
        "overhead ns/row |\n|---|---:|---:|---:|---:|---:|"
    )
    for (engine, tasks), values in measured.items():
        rate = statistics.median(r for r, _ in values)
        cpu = statistics.median(c for _, c in values)
        ratio = f"{rate / single_rate:.2f}x" if single_rate else "-"
        overhead = f"{cpu - single_cpu:,.0f}" if single_cpu is not None else "-"
        print(f"| {engine} | {tasks} | {rate / 1e6:.2f} M | {ratio} | {cpu:,.0f} | {overhead} |")


if __name__ == "__main__":
    main()
