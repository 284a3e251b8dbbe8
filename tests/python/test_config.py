"""WrapperConfiguration: keywords, validation, YAML and environment, secrets never shown."""

from __future__ import annotations

import pytest

from arrow_zerobus_sdk_wrapper import (
    ConfigurationError,
    WrapperConfiguration,
    ZerobusError,
    ZerobusWrapper,
    _core,
)

ENDPOINT = "https://1234567890.zerobus.us-west-2.cloud.databricks.com"
TABLE = "main.sales.orders"
SECRET = "s3cr3t-value-never-shown"


def full() -> WrapperConfiguration:
    return WrapperConfiguration(
        ENDPOINT,
        TABLE,
        client_id="sp",
        client_secret=SECRET,
        unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
    )


def test_keywords_and_properties():
    config = WrapperConfiguration(
        endpoint=ENDPOINT,
        table_name=TABLE,
        retry_max_attempts=8,
        recovery=False,
        debug_max_file_size=1 << 20,
        debug_max_files_retained=None,
        debug_output_dir="/tmp/debug",
        application_name="tests",
    )
    assert config.endpoint == config.zerobus_endpoint == ENDPOINT
    assert config.table_name == TABLE
    assert config.retry_max_attempts == 8
    assert config.recovery is False
    assert config.debug_max_file_size == 1 << 20
    assert config.debug_max_files_retained is None  # None: unset (keep every file)
    assert config.debug_output_dir == "/tmp/debug"
    assert config.application_name == "tests"
    assert config.client_secret is None
    # Defaults from the C++ library
    assert config.retry_base_delay_ms == 100
    assert config.worker_threads == 2
    assert WrapperConfiguration().debug_max_files_retained == 10


def test_every_setting_is_a_property_and_a_keyword():
    keys = WrapperConfiguration.setting_keys()
    assert keys == list(_core.Configuration.keys())
    config = WrapperConfiguration()
    for key in keys:
        assert isinstance(getattr(type(config), key), property), key
    assert set(config.to_dict()) == set(keys)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(
        TypeError,
        match="unexpected keyword argument 'retry_max_attempt'.*did you mean 'retry_max_attempts'",
    ):
        WrapperConfiguration(ENDPOINT, TABLE, retry_max_attempt=3)
    # The original's observability_config dict is not a setting: its keys are settings of
    # their own (observability_endpoint, ...).
    with pytest.raises(TypeError, match="observability_config"):
        ZerobusWrapper(endpoint=ENDPOINT, table_name=TABLE, observability_config={})


def test_wrong_value_types():
    with pytest.raises(TypeError, match="retry_max_attempts must be an int"):
        WrapperConfiguration(retry_max_attempts="5")
    with pytest.raises(TypeError, match="debug_enabled must be a bool"):
        WrapperConfiguration(debug_enabled=1)
    with pytest.raises(TypeError, match="table_name must be a str"):
        WrapperConfiguration(table_name=3)


def test_bad_values_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="worker_threads"):
        WrapperConfiguration(worker_threads=10**12)


def test_validate_reports_every_problem():
    config = WrapperConfiguration("ftp://nowhere", "only_one_part")
    problems = config.problems()
    assert len(problems) >= 3
    with pytest.raises(ConfigurationError) as caught:
        config.validate()
    message = str(caught.value)
    assert "zerobus_endpoint" in message and "table_name" in message
    assert "client_secret" in message
    assert caught.value.retryable is False
    full().validate()  # no problem


def test_wrapper_validates_at_creation():
    with pytest.raises(ConfigurationError, match="debug"):
        ZerobusWrapper(
            endpoint=ENDPOINT, table_name=TABLE, zerobus_writer_disabled=True
        )  # writer disabled needs a debug format


def test_secret_never_shown():
    config = full()
    assert config.client_secret == "***"
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert SECRET not in repr(config.to_dict())
    assert "client_secret='***'" in repr(config)
    with ZerobusWrapper(config) as wrapper:
        assert SECRET not in repr(wrapper)
        assert wrapper.config.client_secret == "***"
    # Errors about the secret never echo it
    with pytest.raises(ZerobusError) as caught:
        WrapperConfiguration(client_secret=SECRET, debug_max_file_size=-5).validate()
    assert SECRET not in str(caught.value)


def test_copy_overrides_and_equality():
    config = full()
    other = config.copy(retry_max_attempts=2)
    assert other.retry_max_attempts == 2 and config.retry_max_attempts == 0
    assert config == config.copy() and config != other
    wrapper = ZerobusWrapper(config, table_name="main.sales.returns")
    assert wrapper.table_name == "main.sales.returns"
    wrapper.shutdown_sync()


def test_descriptor_proto_bytes():
    config = WrapperConfiguration(descriptor_proto=b"\x0a\x05Event")
    assert config.descriptor_proto == b"\x0a\x05Event"
    assert config.copy(descriptor_proto=None).descriptor_proto is None


def test_table_schema_bytes_set_the_table_schema_not_the_descriptor(tmp_path):
    # Both settings take content as bytes; bytes given for table_schema once went to
    # descriptor_proto.
    text = b'{"name": "t", "columns": []}'
    config = WrapperConfiguration(table_schema=text)
    assert config.table_schema == text
    assert config.descriptor_proto is None
    path = tmp_path / "table.json"
    path.write_bytes(text)
    assert WrapperConfiguration(table_schema=path) == config
    assert config.copy(table_schema=None).table_schema is None


def test_from_yaml(tmp_path):
    path = tmp_path / "zerobus.yaml"
    path.write_text(
        f"""
zerobus_endpoint: {ENDPOINT}
table_name: {TABLE}
unity_catalog_url: https://dbc-a1b2c3.cloud.databricks.com
client_id: sp
client_secret: {SECRET}
retry: {{max_attempts: 7, base_delay_ms: 50, max_delay_ms: 5000}}
debug:
  enabled: true
  output_dir: {tmp_path / "debug"}
  max_file_rows: 1000
"""
    )
    config = WrapperConfiguration.from_yaml(path)
    assert config.retry_max_attempts == 7
    assert config.retry_base_delay_ms == 50
    assert config.debug_enabled is True
    assert config.debug_max_file_rows == 1000
    assert config.client_secret == "***"
    config.validate()

    path.write_text("table_name: x\nnot_a_key: 1\n")
    with pytest.raises(ConfigurationError, match="not_a_key"):
        WrapperConfiguration.from_yaml(path)


def test_from_env(monkeypatch):
    monkeypatch.setenv("ZEROBUS_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("ZEROBUS_TABLE_NAME", TABLE)
    monkeypatch.setenv("ZEROBUS_CLIENT_ID", "sp")
    monkeypatch.setenv("ZEROBUS_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("ZEROBUS_UNITY_CATALOG_URL", "https://dbc-a1b2c3.cloud.databricks.com")
    monkeypatch.setenv("ZEROBUS_RETRY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("ZEROBUS_WRITER_DISABLED", "false")
    config = WrapperConfiguration.from_env()
    assert config.endpoint == ENDPOINT
    assert config.retry_max_attempts == 3
    assert config.client_secret == "***"
    config.validate()
    assert WrapperConfiguration.environment_variable("endpoint") == "ZEROBUS_ENDPOINT"
    assert (
        WrapperConfiguration.environment_variable("debug_max_file_rows")
        == "ZEROBUS_DEBUG_MAX_FILE_ROWS"
    )


def test_yaml_reports_every_problem_at_once(tmp_path):
    path = tmp_path / "zerobus.yaml"
    path.write_text("table_nam: a.b.c\nretry:\n  max_atempts: 3\nstream_count: many\n")
    with pytest.raises(ConfigurationError) as caught:
        WrapperConfiguration.from_yaml(path)
    message = str(caught.value)
    assert f"{path}:1: unknown setting 'table_nam' (did you mean 'table_name'?)" in message
    assert f"{path}:3: unknown setting 'retry_max_atempts'" in message
    assert "did you mean 'retry_max_attempts'?" in message
    assert f"{path}:4: stream_count: 'many' is not an integer" in message


def test_unknown_environment_variable_is_a_warning_with_a_suggestion(monkeypatch, tmp_path):
    monkeypatch.setenv("ZEROBUS_RETRY_MAX_ATTEMPS", "5")
    expected = (
        "environment variable ZEROBUS_RETRY_MAX_ATTEMPS names no setting and is ignored; "
        "did you mean ZEROBUS_RETRY_MAX_ATTEMPTS?"
    )
    with pytest.warns(UserWarning, match=expected) as recorded:
        config = WrapperConfiguration.from_env()
    assert recorded[0].filename == __file__
    assert config.retry_max_attempts == 0
    assert expected in config.warnings()

    path = tmp_path / "zerobus.yaml"
    path.write_text(f"table_name: {TABLE}\n")
    with pytest.warns(UserWarning, match="ZEROBUS_RETRY_MAX_ATTEMPS"):
        WrapperConfiguration.from_yaml(path, apply_env=True)
    assert WrapperConfiguration.from_yaml(path).warnings() == []


def test_wire_format_reads_back_as_its_name():
    assert WrapperConfiguration().wire_format == "protobuf"
    assert WrapperConfiguration(wire_format="ARROW").wire_format == "arrow"
