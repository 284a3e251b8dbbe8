#!/usr/bin/env python3
"""Write a Ray Dataset to a Delta table through Zerobus from Ray's write tasks; the rows that did
not land go to a quarantine directory as Parquet, with their cause.

Against a workspace, set the connection in the environment (as for examples/python_example.py):

    ZEROBUS_ENDPOINT=https://<workspace id>.zerobus.<region>.cloud.databricks.com
    ZEROBUS_TABLE_NAME=main.sales.orders
    ZEROBUS_UNITY_CATALOG_URL=https://<workspace>.cloud.databricks.com
    ZEROBUS_CLIENT_ID=...  ZEROBUS_CLIENT_SECRET=...
    python examples/ray_example.py

Without ZEROBUS_ENDPOINT it starts the local Zerobus emulator in this process, declares the table
there, and writes to it. Ray starts locally with two CPUs.
"""

from __future__ import annotations

import os
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data

from arrow_zerobus_sdk_wrapper.ray import ZerobusDatasink

TABLE = "main.sales.orders"
#: The table's columns (name, Unity Catalog type, nullable): customer is required.
COLUMNS = [
    ("order_id", "BIGINT", False),
    ("customer", "STRING", False),
    ("amount", "DOUBLE", True),
]


def make_orders() -> ray.data.Dataset:
    """1,000 orders in 4 blocks; orders 250 and 750 have no customer."""
    ids = list(range(1000))
    table = pa.table(
        {
            "order_id": pa.array(ids, pa.int64()),
            "customer": [None if i % 500 == 250 else f"customer-{i % 37}" for i in ids],
            "amount": [i * 1.25 for i in ids],
        }
    )
    return ray.data.from_arrow([table.slice(start, 250) for start in range(0, 1000, 250)])


def write(settings: dict[str, object], quarantine_dir: str) -> int:
    # schema_source "table": each task fits its blocks to the table's columns, so a row with a
    # null in a required column fails alone (ConversionError) and goes to the quarantine.
    sink = ZerobusDatasink(settings, quarantine_dir=quarantine_dir, schema_source="table")
    make_orders().write_datasink(sink)
    result = sink.result
    print(
        f"{result.tasks} write tasks: {result.rows_landed} rows landed, {result.rows_failed} failed"
    )
    for error_type, count in result.failures_by_type.items():
        print(f"  {error_type}: {count} rows")
    print(f"Quarantine: {len(result.quarantine_files)} Parquet files in {quarantine_dir}")
    if result.quarantine_files:
        failed = pq.read_table(quarantine_dir).sort_by("order_id")
        for row in failed.to_pylist():
            print(
                f"  order {row['order_id']}: {row['_zerobus_error_type']}: {row['_zerobus_error']}"
            )
    return result.rows_landed


def main() -> int:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.data.DataContext.get_current().enable_progress_bars = False
    quarantine_dir = os.path.join(tempfile.mkdtemp(prefix="zerobus-ray-example-"), "quarantine")
    try:
        if os.environ.get("ZEROBUS_ENDPOINT"):
            settings = {
                "endpoint": os.environ["ZEROBUS_ENDPOINT"],
                "table_name": os.environ["ZEROBUS_TABLE_NAME"],
                "unity_catalog_url": os.environ["ZEROBUS_UNITY_CATALOG_URL"],
                "client_id": os.environ["ZEROBUS_CLIENT_ID"],
                "client_secret": os.environ["ZEROBUS_CLIENT_SECRET"],
            }
            return 0 if write(settings, quarantine_dir) > 0 else 1

        from arrow_zerobus_sdk_wrapper.emulator import Emulator

        with Emulator(tables={TABLE: COLUMNS}) as emulator:
            print(f"No ZEROBUS_ENDPOINT: using the local emulator at {emulator.endpoint}")
            landed = write(emulator.settings(TABLE), quarantine_dir)
            records = emulator.counters(TABLE)["records"]
            print(f"The emulator holds {records} rows of {TABLE}")
        return 0 if landed == records == 998 else 1
    finally:
        ray.shutdown()


if __name__ == "__main__":
    sys.exit(main())
