#!/usr/bin/env python3
"""Write a Spark DataFrame to a Delta table through Zerobus from the executors, then look at what
did not land (the quarantine) and why.

Against a workspace, set the connection in the environment (as for examples/python_example.py):

    ZEROBUS_ENDPOINT=https://<workspace id>.zerobus.<region>.cloud.databricks.com
    ZEROBUS_TABLE_NAME=main.sales.orders
    ZEROBUS_UNITY_CATALOG_URL=https://<workspace>.cloud.databricks.com
    ZEROBUS_CLIENT_ID=...  ZEROBUS_CLIENT_SECRET=...
    python examples/spark_example.py

Without ZEROBUS_ENDPOINT it starts the local Zerobus emulator in this process, declares the table
there, and writes to it. Spark runs in local mode with two task slots.
"""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from arrow_zerobus_sdk_wrapper.spark import write_to_zerobus

TABLE = "main.sales.orders"
#: The table's columns (name, Unity Catalog type, nullable): customer is required.
COLUMNS = [
    ("order_id", "BIGINT", False),
    ("customer", "STRING", False),
    ("amount", "DECIMAL(10,2)", True),
    ("placed_at", "TIMESTAMP", True),
]


def make_orders(spark: SparkSession):
    """1,000 orders in 4 partitions; orders 250 and 750 have no customer."""
    return spark.range(0, 1000, numPartitions=4).select(
        F.col("id").alias("order_id"),
        F.when(F.col("id") % 500 == 250, None)
        .otherwise(F.concat(F.lit("customer-"), (F.col("id") % 37).cast("string")))
        .alias("customer"),
        (F.col("id") * 1.25).cast("decimal(10,2)").alias("amount"),
        F.timestamp_seconds(F.lit(1_764_000_000) + F.col("id")).alias("placed_at"),
    )


def write(spark: SparkSession, settings: dict[str, object]) -> int:
    # Spark marks nearly every column nullable; with schema_source "table" each task fits its
    # batches to the table's columns, so a row with a null in a required column fails alone
    # (ConversionError) instead of the service refusing its whole request.
    result = write_to_zerobus(make_orders(spark), settings, schema_source="table", stream_count=2)
    print(
        f"{result.tasks} tasks, {result.streams_opened} streams: {result.rows_landed} rows "
        f"landed, {result.rows_failed} failed"
    )
    for error_type, count in result.failures_by_type.items():
        print(f"  {error_type}: {count} rows")
    print("Quarantine (the failed rows, with their cause):")
    for row in result.quarantine.orderBy("order_id").collect():
        print(f"  order {row.order_id}: {row._zerobus_error_type}: {row._zerobus_error}")
    return result.rows_landed


def main() -> int:
    # The executors' Python must be one where this package is installed: this one.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("arrow-zerobus spark example")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        if os.environ.get("ZEROBUS_ENDPOINT"):
            settings = {
                "endpoint": os.environ["ZEROBUS_ENDPOINT"],
                "table_name": os.environ["ZEROBUS_TABLE_NAME"],
                "unity_catalog_url": os.environ["ZEROBUS_UNITY_CATALOG_URL"],
                "client_id": os.environ["ZEROBUS_CLIENT_ID"],
                "client_secret": os.environ["ZEROBUS_CLIENT_SECRET"],
            }
            return 0 if write(spark, settings) > 0 else 1

        from arrow_zerobus_sdk_wrapper.emulator import Emulator

        with Emulator(tables={TABLE: COLUMNS}) as emulator:
            print(f"No ZEROBUS_ENDPOINT: using the local emulator at {emulator.endpoint}")
            landed = write(spark, emulator.settings(TABLE))
            records = emulator.counters(TABLE)["records"]
            print(f"The emulator holds {records} rows of {TABLE}")
        return 0 if landed == records == 998 else 1
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
