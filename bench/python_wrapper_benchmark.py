"""Throughput and latency of send_batch from Python, the twin of bench/wrapper_benchmark.cc.

The same data (id, customer, amount, quantity, created_at) and the same loops: one batch at a time
(send_batch_sync) and pipelined (asyncio, 8 sends in flight), against an emulator given by
--endpoint/--workspace-url, or one started in-process. Prints a table and RESULT lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import pyarrow as pa

from arrow_zerobus_sdk_wrapper import ZerobusWrapper

TABLE = "main.bench.orders"
WINDOW = 8


def make_batch(rows: int) -> pa.RecordBatch:
    ids = pa.array(range(rows), type=pa.int64())
    customers = pa.array([f"customer-{i % 100000}" for i in range(rows)], type=pa.string())
    amounts = pa.array([(i % 1000) * 0.25 for i in range(rows)], type=pa.float64())
    quantities = pa.array([i % 17 for i in range(rows)], type=pa.int32())
    created = pa.array(
        [1764000000000000 + i for i in range(rows)], type=pa.timestamp("us", tz="UTC")
    )
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("customer", pa.string()),
            pa.field("amount", pa.float64()),
            pa.field("quantity", pa.int32()),
            pa.field("created_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    return pa.RecordBatch.from_arrays([ids, customers, amounts, quantities, created], schema=schema)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def check(result) -> None:
    if not result.success or result.failed_count:
        raise SystemExit(f"send failed: {result.error}")


def run_sync(wrapper: ZerobusWrapper, batch: pa.RecordBatch, batches: int):
    latencies = []
    start = time.perf_counter()
    for _ in range(batches):
        result = wrapper.send_batch_sync(batch)
        check(result)
        latencies.append(result.latency_ms)
    return batches * batch.num_rows / (time.perf_counter() - start), latencies


async def run_pipelined(wrapper: ZerobusWrapper, batch: pa.RecordBatch, batches: int):
    latencies = []
    window = asyncio.Semaphore(WINDOW)

    async def one() -> None:
        async with window:
            result = await wrapper.send_batch(batch)
        check(result)
        latencies.append(result.latency_ms)

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(batches)))
    return batches * batch.num_rows / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint")
    parser.add_argument("--workspace-url")
    parser.add_argument("--batch-rows", default="1000,10000,100000")
    parser.add_argument("--total-rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    emulator = None
    if not args.endpoint:
        from arrow_zerobus_sdk_wrapper.emulator import Emulator

        emulator = Emulator(light=True)
        args.endpoint, args.workspace_url = emulator.endpoint, emulator.workspace_url

    wrapper = ZerobusWrapper(
        endpoint=args.endpoint,
        table_name=TABLE,
        client_id="emulator-client",
        client_secret="emulator-secret",
        unity_catalog_url=args.workspace_url,
    )
    print("| rows per batch | mode | rows/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for rows in (int(r) for r in args.batch_rows.split(",")):
        batch = make_batch(rows)
        batches = max(1, args.total_rows // rows)
        check(wrapper.send_batch_sync(batch))  # opens the stream
        for pipelined in (False, True):
            runs = []
            for _ in range(args.runs):
                if pipelined:
                    runs.append(asyncio.run(run_pipelined(wrapper, batch, batches)))
                else:
                    runs.append(run_sync(wrapper, batch, batches))
            runs.sort(key=lambda run: run[0])
            rate, latencies = runs[len(runs) // 2]
            p50, p95, p99 = (percentile(latencies, p) for p in (0.50, 0.95, 0.99))
            mode = "async, 8 in flight" if pipelined else "send_batch"
            print(f"| {rows} | {mode} | {rate:.0f} | {p50:.2f} | {p95:.2f} | {p99:.2f} |")
            result = {
                "client": "python",
                "batch_rows": rows,
                "pipelined": pipelined,
                "rows_per_s": round(rate),
                "p50_ms": p50,
                "p95_ms": p95,
                "p99_ms": p99,
                "median_latency_ms": statistics.median(latencies),
            }
            print("RESULT " + json.dumps(result), flush=True)
    wrapper.shutdown_sync()
    if emulator is not None:
        emulator.stop()


if __name__ == "__main__":
    main()
