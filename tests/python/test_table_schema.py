"""schema_source="table": the records follow the table's columns in Unity Catalog (the
emulator's), so a batch with other column order, narrower integers and a missing nullable column
lands; an undeclared table or a column the table lacks is a ConfigurationError naming it."""

from __future__ import annotations

import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import ConfigurationError, ZerobusWrapper
from arrow_zerobus_sdk_wrapper.emulator import Emulator

TABLE = "main.sales.orders"
COLUMNS = [("id", "BIGINT", False), ("customer", "STRING", True), ("note", "STRING", True)]


def orders(n: int) -> pa.RecordBatch:
    """customer first, id as int32 where the table says BIGINT, no note."""
    return pa.record_batch(
        [pa.array([f"c{i}" for i in range(n)]), pa.array(range(n), pa.int32())],
        schema=pa.schema([("customer", pa.string()), pa.field("id", pa.int32(), False)]),
    )


def test_a_batch_unlike_the_table_lands_in_its_columns(tmp_path):
    with Emulator(tables={TABLE: COLUMNS}, data_dir=tmp_path) as emu:
        with ZerobusWrapper(**emu.settings(TABLE), schema_source="table") as wrapper:
            assert wrapper.config.schema_source == "table"
            result = wrapper.send_batch_sync(orders(20))
        assert result.all_rows_landed, result.error
        landed = emu.landed_rows(TABLE)
    assert [row["id"] for row in landed] == list(range(20))
    assert [row["customer"] for row in landed] == [f"c{i}" for i in range(20)]
    assert all(row["note"] is None for row in landed)


def test_the_arrow_schema_alone_is_refused_by_the_table():
    with Emulator(tables={TABLE: COLUMNS}) as emu:
        with ZerobusWrapper(**emu.settings(TABLE)) as wrapper:
            result = wrapper.send_batch_sync(orders(3))
    assert result.failed_count == 3
    assert "id" in str(result.error)


def test_an_undeclared_table_fails_creation_naming_it_and_the_status():
    with Emulator() as emu, pytest.raises(ConfigurationError) as raised:
        ZerobusWrapper(**emu.settings("main.sales.nowhere"), schema_source="table")
    message = str(raised.value)
    assert "main.sales.nowhere" in message and "HTTP 404" in message, message


def test_a_misspelt_schema_source_is_a_configuration_error():
    with Emulator() as emu, pytest.raises(ConfigurationError, match="'tabel' must be arrow or"):
        ZerobusWrapper(**emu.settings(TABLE), schema_source="tabel")
