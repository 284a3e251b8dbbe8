"""Bad input to every public entry point of the Python package (issue 15, section 5): settings of
the wrong type or value, text that is not UTF-8, configuration files and variables that are
wrong, data whose schema cannot be sent, calls after shutdown, and the emulator helper given bad
tables. Each must raise the package's exception (or TypeError for a wrong type) naming what is
wrong, never crash, hang, or go on as if nothing happened. docs/reliability.md lists what is
tried here.
"""

from __future__ import annotations

import asyncio
import os

import pyarrow as pa
import pytest

from arrow_zerobus_sdk_wrapper import (
    ConfigurationError,
    ConversionError,
    WrapperConfiguration,
    ZerobusError,
    ZerobusWrapper,
)
from arrow_zerobus_sdk_wrapper.emulator import Emulator

FULL = {
    "endpoint": "https://1234567890.zerobus.us-west-2.cloud.databricks.com",
    "table_name": "main.default.bad_input",
    "client_id": "client",
    "client_secret": "secret",
    "unity_catalog_url": "https://dbc-a1b2c3.cloud.databricks.com",
}
# Text that came from bytes that are not UTF-8 (os.fsdecode, surrogateescape).
NOT_UTF8 = b"bad-\xff-bytes".decode("utf-8", "surrogateescape")
MAX_DURATION = r"2592000000 \(30 days\)"
INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("retry_timeout_ms", "5", "retry_timeout_ms must be an int, got str"),
        ("retry_timeout_ms", 1.5, "retry_timeout_ms must be an int, got float"),
        ("retry_timeout_ms", float("nan"), "must be an int, got float"),
        ("stream_count", True, "stream_count must be an int, got bool"),
        ("recovery", 1, "recovery must be a bool, got int"),
        ("recovery", "yes", "recovery must be a bool, got str"),
        ("table_name", b"a.b.c", "table_name must be a str, got bytes"),
        ("endpoint", 443, "endpoint must be a str, got int"),
        ("wire_format", 1, "wire_format must be a str, got int"),
        ("debug_output_dir", 5, "debug_output_dir must be a str or a path, got int"),
        ("descriptor_proto", 5, "descriptor_proto must be a str or a path, got int"),
        ("debug_max_file_size", "10", "debug_max_file_size must be an int, got str"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_type_error_naming_it(key, value, message):
    with pytest.raises(TypeError, match=message):
        WrapperConfiguration(**{**FULL, key: value})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        # Values the text parser refuses, at once.
        ("retry_timeout_ms", 10**30, "retry_timeout_ms: '1000000000000000000000000000000' is out"),
        ("wire_format", "json", "wire_format: 'json' is not a wire format"),
        ("wire_format", "", "wire_format: '' is not a wire format"),
        # Values validate() refuses, each named with the value.
        ("retry_timeout_ms", -1, "retry_timeout_ms is -1 but must be at least 1"),
        ("retry_timeout_ms", 0, "retry_timeout_ms is 0 but must be at least 1"),
        ("retry_timeout_ms", INT64_MAX, f"retry_timeout_ms is {INT64_MAX} but .*{MAX_DURATION}"),
        ("connect_timeout_ms", 2**63 - 1, f"connect_timeout_ms is .* at most {MAX_DURATION}"),
        ("flush_timeout_ms", 2592000001, f"flush_timeout_ms is 2592000001 .*{MAX_DURATION}"),
        ("server_lack_of_ack_timeout_ms", 2**62, "server_lack_of_ack_timeout_ms is .* at most"),
        ("stream_paused_max_wait_ms", 2**62, "stream_paused_max_wait_ms is .* at most"),
        ("debug_flush_interval_secs", 10**9, "debug_flush_interval_secs is 1000000000 .* at most"),
        ("retry_max_attempts", -1, "retry_max_attempts is -1"),
        ("stream_count", 0, "stream_count is 0 but must be between 1 and 64"),
        ("stream_count", 65, "stream_count is 65 but must be between 1 and 64"),
        ("max_inflight_requests", 0, "max_inflight_requests is 0"),
        ("max_inflight_bytes", -1, "max_inflight_bytes is -1"),
        ("max_request_bytes", 10**9, "max_request_bytes is 1000000000 but must be between"),
        ("max_record_bytes", 0, "max_record_bytes is 0"),
        ("worker_threads", 0, "worker_threads is 0 but must be between 1 and 64"),
        ("debug_max_files_retained", 0, "debug_max_files_retained is 0"),
        ("arrow_ipc_compression", "gzip", "arrow_ipc_compression 'gzip' must be none, lz4_frame"),
        ("arrow_ipc_compression_level", 3, "arrow_ipc_compression_level 3 needs a compression"),
        ("observability_exporter", "jaeger", "observability_exporter 'jaeger' must be otlp"),
        ("observability_endpoint", "localhost:4318", "observability_endpoint 'localhost:4318'"),
        ("table_name", "", "table_name is empty"),
        ("table_name", "a.b", "table_name: table name 'a.b' must have exactly 3 parts"),
        ("table_name", "a.b.c-d", "the table name 'c-d' may hold only ASCII letters"),
        ("table_name", "a.b.c\x00", "table_name 'a.b.c\x00'"),
        ("endpoint", "", "zerobus_endpoint is empty"),
        ("endpoint", "ftp://host", "zerobus_endpoint: Zerobus endpoint 'ftp://host' has scheme"),
        ("endpoint", "https://host:99999", "has an invalid port '99999'"),
        ("endpoint", "https://host/path", "has a path or query"),
        ("unity_catalog_url", "dbc.cloud.databricks.com", "unity_catalog_url 'dbc.cloud"),
        ("unity_catalog_url", "https://dbc a", "unity_catalog_url .* without spaces or control"),
        ("unity_catalog_url", "https://dbc/\n", "(?s)unity_catalog_url .* without spaces or"),
        ("client_secret", "", "client_secret is empty but client_id 'client' is set"),
        ("descriptor_proto", b"\xff\xff\xff", "descriptor_proto .* not a serialized"),
        ("descriptor_proto", b"", "descriptor_proto is empty"),
    ],
)
def test_a_bad_value_is_a_configuration_error_naming_the_setting(key, value, message):
    with pytest.raises(ConfigurationError, match=message) as caught:
        WrapperConfiguration(**{**FULL, key: value}).validate()
    assert caught.value.retryable is False
    assert caught.value.error_type == "ConfigurationError"
    # ZerobusWrapper refuses it the same way, before opening anything.
    with pytest.raises(ConfigurationError, match=message):
        ZerobusWrapper(**{**FULL, key: value})


@pytest.mark.parametrize("key", ["table_name", "client_id", "client_secret", "debug_output_dir"])
def test_text_that_is_not_utf8_is_a_configuration_error_naming_the_setting(key):
    # It was an "incompatible function arguments" TypeError from the binding, naming nothing.
    with pytest.raises(ConfigurationError, match=f"{key}: .* is not valid UTF-8"):
        WrapperConfiguration(**{**FULL, key: NOT_UTF8})


def test_loading_a_configuration_that_is_not_there_or_not_yaml(tmp_path):
    with pytest.raises(ZerobusError, match="'/no/such/file.yaml' does not exist") as missing:
        WrapperConfiguration.from_yaml("/no/such/file.yaml")
    assert missing.value.error_type == "IoError"
    with pytest.raises(ZerobusError, match=f"'{tmp_path}' is not a regular file"):
        WrapperConfiguration.from_yaml(tmp_path)
    with pytest.raises(ConfigurationError, match="from_yaml\\(\\) path: .* is not valid UTF-8"):
        WrapperConfiguration.from_yaml(os.path.join(tmp_path, NOT_UTF8))
    with pytest.raises(TypeError, match="expected str, bytes or os.PathLike object, not int"):
        WrapperConfiguration.from_yaml(5)
    with pytest.raises(TypeError, match="from_yaml_string\\(\\) takes a str, not bytes"):
        WrapperConfiguration.from_yaml_string(b"table_name: a.b.c")
    with pytest.raises(ConfigurationError, match="from_yaml_string\\(\\): .* is not valid UTF-8"):
        WrapperConfiguration.from_yaml_string(f"table_name: {NOT_UTF8}")
    with pytest.raises(ConfigurationError, match="YAML syntax error"):
        WrapperConfiguration.from_yaml_string("retry_timeout_ms: [")
    with pytest.raises(ConfigurationError, match="retry_timeout_ms takes one value, not a list"):
        WrapperConfiguration.from_yaml_string("retry_timeout_ms: [1, 2]")
    with pytest.raises(ConfigurationError, match="the top level must be a mapping"):
        WrapperConfiguration.from_yaml_string("- a\n- b\n")
    with pytest.raises(ConfigurationError, match="retry_timeout_ms is set twice"):
        WrapperConfiguration.from_yaml_string("retry_timeout_ms: 1\nretry_timeout_ms: 2\n")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ConfigurationError, match="garbage.yaml"):
        WrapperConfiguration.from_yaml(garbage)
    # Loading does not validate; validate() names what loading let through.
    loaded = WrapperConfiguration.from_yaml_string("connect_timeout_ms: 9223372036854775807\n")
    with pytest.raises(ConfigurationError, match=f"connect_timeout_ms .* at most {MAX_DURATION}"):
        loaded.validate()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ZEROBUS_RETRY_TIMEOUT_MS", "soon", "ZEROBUS_RETRY_TIMEOUT_MS.*'soon' is not an integer"),
        ("ZEROBUS_RECOVERY", "maybe", "ZEROBUS_RECOVERY.*'maybe' is not a boolean"),
        ("ZEROBUS_WIRE_FORMAT", "json", "ZEROBUS_WIRE_FORMAT.*'json' is not a wire format"),
        ("ZEROBUS_STREAM_COUNT", "99999999999999999999", "ZEROBUS_STREAM_COUNT.*out of range"),
    ],
)
def test_a_bad_environment_variable_is_a_configuration_error_naming_it(
    monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=message):
        WrapperConfiguration.from_env()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ZEROBUS_STREAM_COUNT", "-1", "stream_count is -1"),
        ("ZEROBUS_FLUSH_TIMEOUT_MS", "9223372036854775807", f"flush_timeout_ms .*{MAX_DURATION}"),
    ],
)
def test_an_environment_value_out_of_range_fails_validation(monkeypatch, variable, value, message):
    for key, setting in FULL.items():
        monkeypatch.setenv(WrapperConfiguration.environment_variable(key), setting)
    monkeypatch.setenv(variable, value)
    config = WrapperConfiguration.from_env()
    with pytest.raises(ConfigurationError, match=message):
        config.validate()


def test_environment_variable_names_need_a_str():
    with pytest.raises(TypeError, match="environment_variable\\(\\) takes a str, not int"):
        WrapperConfiguration.environment_variable(5)


def test_a_wrapper_given_something_else_or_an_unusable_debug_directory(tmp_path):
    with pytest.raises(TypeError, match="takes a WrapperConfiguration or keywords, not str"):
        ZerobusWrapper("https://host")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ZerobusError, match=f"debug directory {a_file}") as caught:
        ZerobusWrapper(**FULL, debug_enabled=True, debug_output_dir=a_file)
    assert caught.value.error_type == "IoError"
    with pytest.raises(ConfigurationError, match="writer disabled requires debug output"):
        ZerobusWrapper(**FULL, zerobus_writer_disabled=True)


@pytest.fixture
def converter(tmp_path):
    """A wrapper that converts without sending (writer disabled): schema and row checks run as
    they do before a send."""
    with ZerobusWrapper(
        **FULL, zerobus_writer_disabled=True, debug_enabled=True, debug_output_dir=tmp_path
    ) as wrapper:
        yield wrapper


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pa.table([pa.array([1]), pa.array([2])], names=["a", "a"]), "column 'a' appears twice"),
        (pa.table({"": [1]}), "column '' has an empty name"),
        (pa.table({"a b": [1]}), "column 'a b' contains the character ' '"),
        (pa.table({"a": pa.nulls(2)}), "column 'a' has Arrow type null"),
        (
            pa.table({"wait": pa.array([pa.MonthDayNano([1, 2, 3])])}),
            "column 'wait' has Arrow type month_day_nano_interval",
        ),
    ],
    ids=["duplicate", "empty-name", "space-in-name", "null-type", "interval"],
)
def test_a_schema_that_cannot_be_sent_is_refused_before_any_row(converter, data, message):
    with pytest.raises(ConfigurationError, match=message):
        converter.send_batch_sync(data)
    assert converter.stats()["rows_succeeded"] == 0


def test_text_that_is_not_utf8_in_a_string_column_fails_that_row_naming_the_column(converter):
    values = pa.array([b"ok", b"bad-\xff", b"fine"], pa.binary()).cast(pa.utf8(), safe=False)
    result = converter.send_batch_sync(pa.table({"id": [1, 2, 3], "name": values}))
    assert (result.total_rows, result.successful_count, result.failed_count) == (3, 2, 1)
    row, error = result.row_errors[0]
    assert row == 1
    assert isinstance(error, ConversionError)
    assert "column 'name'" in str(error) and "not valid UTF-8" in str(error)


def test_calls_after_shutdown(tmp_path):
    wrapper = ZerobusWrapper(
        **FULL, zerobus_writer_disabled=True, debug_enabled=True, debug_output_dir=tmp_path
    )
    assert wrapper.send_batch_sync(pa.table({"id": [1]})).successful_count == 1
    assert wrapper.shutdown_sync() is None
    assert wrapper.shutdown_sync() is None  # twice: nothing more to do
    with pytest.raises(ConfigurationError, match="is shut down; create a new one") as late:
        wrapper.send_batch_sync(pa.table({"id": [2]}))
    assert late.value.code == "FAILED_PRECONDITION"
    with pytest.raises(ConfigurationError, match="is shut down"):
        asyncio.run(wrapper.send_batch(pa.table({"id": [3]})))
    wrapper.flush_sync()  # nothing in flight: returns at once
    assert wrapper.stats()["batches"] == 1
    assert wrapper.is_shut_down


@pytest.mark.parametrize(
    ("tables", "error", "message"),
    [
        ({"main.default.t": [("id", "BIGINTEGER", True)]}, ConfigurationError, "BIGINTEGER"),
        ({"no_dots": [("id", "BIGINT", True)]}, ConfigurationError, "'no_dots'"),
        ({"main.default.t": []}, ConfigurationError, "non-empty array"),
        (
            {"main.default.t": [("id", "BIGINT", True), ("ID", "INT", True)]},
            ConfigurationError,
            "duplicate",
        ),
        ([("main.default.t", [])], TypeError, "tables must be a dict"),
        ({"main.default.t": [("id", "BIGINT")]}, TypeError, "columns must be a list of"),
        ({"main.default.t": "id BIGINT"}, TypeError, "columns must be a list of"),
    ],
    ids=["unknown-type", "table-name", "no-columns", "duplicate", "not-a-dict", "pair", "text"],
)
def test_the_emulator_refuses_bad_table_declarations(tables, error, message):
    # Declared as given before: an unknown type or table name was accepted without a word.
    with pytest.raises(error, match=message):
        Emulator(tables=tables)


def test_the_emulator_after_stop_and_with_a_bad_fault_script():
    emulator = Emulator()
    with pytest.raises(ConfigurationError, match='events\\[0\\]: "kind" must be one of'):
        emulator.set_fault_script("main.default.t", {"events": [{"kind": "explode"}]})
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        emulator.set_fault_script("main.default.t", "{oops")
    with pytest.raises(ConfigurationError, match="BIGINTEGER"):
        emulator.declare_table("main.default.t", [("id", "BIGINTEGER", False)])
    emulator.stop()
    emulator.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="the emulator is stopped"):
        emulator.settings("main.default.t")
    with pytest.raises(RuntimeError, match="the emulator is stopped"):
        emulator.declare_table("main.default.t", [("id", "BIGINT", True)])
