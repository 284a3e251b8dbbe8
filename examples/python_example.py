#!/usr/bin/env python3
"""A complete example of arrow_zerobus_sdk_wrapper: send orders to a Delta table through Zerobus,
handle the rows that failed (quarantine), look at the error statistics, then shut down.

Against a workspace, set the connection in the environment:

    ZEROBUS_ENDPOINT=https://<workspace id>.zerobus.<region>.cloud.databricks.com
    ZEROBUS_TABLE_NAME=main.sales.orders
    ZEROBUS_UNITY_CATALOG_URL=https://<workspace>.cloud.databricks.com
    ZEROBUS_CLIENT_ID=...  ZEROBUS_CLIENT_SECRET=...
    python examples/python_example.py

Without ZEROBUS_ENDPOINT it starts the local Zerobus emulator in this process and writes there.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

import pyarrow as pa

from arrow_zerobus_sdk_wrapper import WrapperConfiguration, ZerobusWrapper


def make_orders() -> pa.RecordBatch:
    """Eight orders; order_id and customer are required, and two rows lack one of them."""
    schema = pa.schema(
        [
            pa.field("order_id", pa.int64(), nullable=False),
            pa.field("customer", pa.string(), nullable=False),
            pa.field("amount", pa.float64()),
            pa.field("tags", pa.list_(pa.string())),
        ]
    )
    return pa.RecordBatch.from_pydict(
        {
            "order_id": [1001, 1002, 1003, None, 1005, 1006, 1007, 1008],
            "customer": ["Ada", "Grace", "Katherine", "Barbara", None, "Edsger", "Donald", "Alan"],
            "amount": [129.95, 42.5, 310.0, 75.0, 12.0, 18.0, 256.0, None],
            "tags": [["gift"], [], None, ["new"], [], ["eu"], ["books"], ["priority"]],
        },
        schema=schema,
    )


async def send_orders(config: WrapperConfiguration, quarantine_path: str) -> int:
    batch = make_orders()
    async with ZerobusWrapper(config) as wrapper:
        result = await wrapper.send_batch(batch)
        print(f"Sent {result.total_rows} rows to {config.table_name}: {result.summary()}")

        if result.success:
            print("Batch sent successfully!")
        else:
            print(f"The send failed: {result.error!r}")

        if result.is_partial_success():
            print(
                f"Partial success: {result.successful_count} succeeded, "
                f"{result.failed_count} failed"
            )
        failed_batch = result.extract_failed_batch(batch)
        if failed_batch is not None:
            with pa.OSFile(quarantine_path, "wb") as sink:
                with pa.ipc.new_stream(sink, failed_batch.schema) as writer:
                    writer.write_batch(failed_batch)
            print(f"Quarantined {failed_batch.num_rows} rows to {quarantine_path}")
            for row, error in result.row_errors:
                print(f"  row {row}: {type(error).__name__}: {error}")
        successful_batch = result.extract_successful_batch(batch)
        if successful_batch is not None:
            print(f"Landed {successful_batch.num_rows} rows")

        if result.has_failed_rows():
            stats = result.get_error_statistics()
            print(f"Success rate: {stats['success_rate'] * 100:.1f}%")
            for error_type, indices in result.group_errors_by_type().items():
                print(f"  {error_type}: {len(indices)} rows {indices}")
        return result.successful_count


def main() -> int:
    work_dir = tempfile.mkdtemp(prefix="zerobus-python-example-")
    quarantine = os.path.join(work_dir, "quarantine.arrows")
    if os.environ.get("ZEROBUS_ENDPOINT"):
        config = WrapperConfiguration.from_env()
        landed = asyncio.run(send_orders(config, quarantine))
        return 0 if landed > 0 else 1

    from arrow_zerobus_sdk_wrapper.emulator import Emulator

    table = "main.sales.orders"
    with Emulator(data_dir=os.path.join(work_dir, "landed")) as emulator:
        print(f"No ZEROBUS_ENDPOINT: using the local emulator at {emulator.endpoint}")
        config = WrapperConfiguration(**emulator.settings(table))
        landed = asyncio.run(send_orders(config, quarantine))
        records = emulator.counters(table)["records"]
        print(f"The emulator holds {records} rows of {table}")
        for row in emulator.landed_rows(table)[:3]:
            print(f"  {row}")
    return 0 if landed == records == 6 else 1


if __name__ == "__main__":
    sys.exit(main())
