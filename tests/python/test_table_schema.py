"""schema_source="table": each batch is fitted to the table's columns in Unity Catalog (the
emulator's), in either wire format, so a batch with other column order and case, other types and
a missing nullable column lands; a value that does not fit fails its row naming the column and
the table's type; an undeclared table or a column the table lacks is a ConfigurationError naming
it."""

from __future__ import annotations

import json

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


FITTED = "main.sales.fitted"
FITTED_COLUMNS = [("id", "BIGINT", False), ("day", "DATE", True), ("qty", "TINYINT", True)]


def unlike_batch() -> pa.RecordBatch:
    """ID in upper case as int32, qty int64 (row 1 too big for TINYINT), day as text (row 2 not
    a date)."""
    return pa.record_batch(
        [
            pa.array([5, 300, 7, 8], pa.int64()),
            pa.array(["2024-02-29", "2024-03-01", "tomorrow", None]),
            pa.array([0, 1, 2, 3], pa.int32()),
        ],
        names=["qty", "day", "ID"],
    )


@pytest.mark.parametrize("wire_format", ["protobuf", "arrow"])
def test_a_batch_is_fitted_to_the_table_with_a_row_error_for_each_value_that_does_not_fit(
    tmp_path, wire_format
):
    with Emulator(tables={FITTED: FITTED_COLUMNS}, data_dir=tmp_path) as emu:
        settings = {**emu.settings(FITTED), "wire_format": wire_format}
        with ZerobusWrapper(**settings, schema_source="table", parse_strings=True) as wrapper:
            assert wrapper.config.parse_strings is True
            result = wrapper.send_batch_sync(unlike_batch())
        landed = emu.landed_rows(FITTED)
    assert result.successful_count == 2, result.error
    failures = dict(result.failed_rows)
    assert set(failures) == {1, 2}
    assert "qty" in failures[1] and "300" in failures[1] and "TINYINT" in failures[1]
    assert "day" in failures[2] and "'tomorrow'" in failures[2] and "DATE" in failures[2]
    assert sorted((row["id"], row["qty"]) for row in landed) == [(0, 5), (3, 8)]


def test_text_for_a_date_column_without_parse_strings_is_refused_naming_the_setting(tmp_path):
    with Emulator(tables={FITTED: FITTED_COLUMNS}, data_dir=tmp_path) as emu:
        with ZerobusWrapper(**emu.settings(FITTED), schema_source="table") as wrapper:
            with pytest.raises(ConfigurationError, match="'day'.*DATE.*parse_strings"):
                wrapper.send_batch_sync(unlike_batch())
        assert emu.landed_rows(FITTED) == []


def uc_column(name: str, spark_type: str, type_name: str, position: int, nullable: bool) -> dict:
    """One entry of a TableInfo's columns, as Unity Catalog writes it."""
    field = {"name": name, "type": spark_type, "nullable": nullable, "metadata": {}}
    return {
        "name": name,
        "type_text": spark_type,
        "type_name": type_name,
        "type_json": json.dumps(field),
        "position": position,
        "nullable": nullable,
    }


def test_writer_disabled_fits_to_the_table_described_in_a_file(tmp_path):
    description = {
        "name": "fitted",
        "catalog_name": "main",
        "schema_name": "sales",
        "columns": [
            uc_column("id", "long", "LONG", 0, False),
            uc_column("day", "date", "DATE", 1, True),
            uc_column("qty", "byte", "BYTE", 2, True),
        ],
    }
    schema_file = tmp_path / "fitted.json"
    schema_file.write_text(json.dumps(description))
    with ZerobusWrapper(
        table_name=FITTED,
        zerobus_writer_disabled=True,
        debug_protobuf_enabled=True,
        debug_output_dir=str(tmp_path / "debug"),
        schema_source="table",
        table_schema=str(schema_file),
        parse_strings=True,
    ) as wrapper:
        result = wrapper.send_batch_sync(unlike_batch())
    assert result.successful_count == 2 and result.failed_count == 2
