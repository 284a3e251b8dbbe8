"""WrapperConfiguration: every setting of a ZerobusWrapper.

Each setting has one key, the same in Python keywords, YAML files and ``ZEROBUS_<KEY>``
environment variables (docs/api.md lists them). Values are checked by the C++ library, which
reads them exactly as it reads YAML; ``validate()`` (or creating a ZerobusWrapper) checks the
whole configuration and reports every problem at once. The client secret is never shown: its
property returns ``"***"`` and ``repr()`` masks it.
"""

from __future__ import annotations

import difflib
import os
import warnings
from typing import Any

from . import _core
from .errors import ConfigurationError

__all__ = ["WrapperConfiguration"]

# Python's name for zerobus_endpoint (the original's keyword).
_ALIASES = {"endpoint": "zerobus_endpoint"}
_KINDS: dict[str, str] = dict(_core.Configuration.kinds())
_DEFAULTS = _core.Configuration()


def _setting(key: str, doc: str) -> property:
    def get(self: WrapperConfiguration) -> Any:
        return self._config.get(key)

    get.__name__ = key
    return property(get, doc=doc)


def _text(key: str, kind: str, value: Any) -> str | None:
    """The text form of `value` for Set(), or None to leave the setting as it is."""
    if value is None:
        return "none" if kind == "optional_int" else None
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"{key} must be a bool, got {type(value).__name__}")
        return "true" if value else "false"
    if kind in ("int", "optional_int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{key} must be an int, got {type(value).__name__}")
        return str(value)
    if kind in ("path", "bytes"):
        if not isinstance(value, str | os.PathLike):
            raise TypeError(f"{key} must be a str or a path, got {type(value).__name__}")
        return os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a str, got {type(value).__name__}")
    return value


def _utf8(what: str, text: str) -> str:
    """`text`, when it can cross into the C++ library as UTF-8; else a ConfigurationError naming
    `what`. A str holds lone surrogates when it came from bytes that are not UTF-8 (os.fsdecode,
    surrogateescape), which the binding refused with an opaque "incompatible function arguments"
    TypeError."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end]
        raise ConfigurationError(
            f"{what}: {text!r} is not valid UTF-8 text (it holds {bad!r} at position "
            f"{error.start}, as text decoded from bytes that are not UTF-8 does)"
        ) from None
    return text


def _apply(config: _core.Configuration, settings: dict[str, Any], caller: str) -> None:
    for name, value in settings.items():
        key = _ALIASES.get(name, name)
        kind = _KINDS.get(key)
        if kind is None:
            close = difflib.get_close_matches(name, [*_KINDS, *_ALIASES], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(f"{caller} got an unexpected keyword argument {name!r}{hint}")
        if kind == "bytes" and isinstance(value, bytes | bytearray | memoryview):
            config.set_bytes(key, bytes(value))
            continue
        if kind == "bytes" and value is None:
            config.set_bytes(key, None)
            continue
        text = _text(name, kind, value)
        if text is not None:
            config.set(key, _utf8(name, text))


class WrapperConfiguration:
    """Settings of a :class:`~arrow_zerobus_sdk_wrapper.ZerobusWrapper`.

    ``WrapperConfiguration(endpoint, table_name, **settings)`` takes every setting as a keyword
    (``endpoint`` is ``zerobus_endpoint``); an unknown keyword raises TypeError, a bad value
    ConfigurationError. ``None`` leaves a setting at its default, except for the optional
    numbers (``debug_max_file_size``, ``debug_max_files_retained``, ...) where it means unset.
    ``descriptor_proto`` takes the bytes of a serialized DescriptorProto or the path of a file
    holding one.

    Example::

        config = WrapperConfiguration(
            "https://1234567890.zerobus.us-west-2.cloud.databricks.com",
            "main.sales.orders",
            client_id="my-service-principal",
            client_secret=os.environ["ZEROBUS_CLIENT_SECRET"],
            unity_catalog_url="https://dbc-a1b2c3.cloud.databricks.com",
            retry_max_attempts=8,
        )
        config.validate()
    """

    __slots__ = ("_config",)

    def __init__(
        self, endpoint: str | None = None, table_name: str | None = None, **settings: Any
    ) -> None:
        self._config = _core.Configuration()
        if endpoint is not None:
            if "zerobus_endpoint" in settings:
                raise TypeError("give either endpoint or zerobus_endpoint, not both")
            settings = {"zerobus_endpoint": endpoint, **settings}
        if table_name is not None:
            settings = {"table_name": table_name, **settings}
        _apply(self._config, settings, "WrapperConfiguration()")

    # --- Loading ------------------------------------------------------------------------------

    @classmethod
    def from_yaml(
        cls, path: str | os.PathLike[str], *, apply_env: bool = False
    ) -> WrapperConfiguration:
        """Reads a YAML file (keys flat or grouped in sections, as docs/api.md shows). With
        ``apply_env``, the ZEROBUS_* variables that are set override the file. Does not
        validate: call validate() (ZerobusWrapper does)."""
        config = cls._wrap(
            _core.Configuration.from_yaml_file(_utf8("from_yaml() path", os.fsdecode(path)))
        )
        if apply_env:
            config._config.apply_environment()
            config._warn()
        return config

    @classmethod
    def from_yaml_string(cls, text: str) -> WrapperConfiguration:
        """Reads YAML text (see from_yaml)."""
        if not isinstance(text, str):
            raise TypeError(f"from_yaml_string() takes a str, not {type(text).__name__}")
        return cls._wrap(_core.Configuration.from_yaml_string(_utf8("from_yaml_string()", text)))

    @classmethod
    def from_env(cls) -> WrapperConfiguration:
        """Reads the ZEROBUS_* environment variables (ZEROBUS_ENDPOINT, ZEROBUS_TABLE_NAME,
        ZEROBUS_CLIENT_SECRET, ...; one per setting). Does not validate. A ZEROBUS_* variable
        that names no setting (``ZEROBUS_RETRY_MAX_ATTEMPS``) is not an error, since other tools
        use such names too: it is reported with ``warnings.warn`` (UserWarning, with the closest
        variable suggested) and listed by ``warnings()``."""
        config = cls._wrap(_core.Configuration.from_environment())
        config._warn()
        return config

    def warnings(self) -> list[str]:
        """What loading from the environment noticed but did not refuse, one message each:
        every ZEROBUS_* variable that names no setting, with the closest one suggested."""
        return list(self._config.warnings())

    def _warn(self) -> None:
        for message in self._config.warnings():
            warnings.warn(message, UserWarning, stacklevel=3)

    @classmethod
    def _wrap(cls, core: _core.Configuration) -> WrapperConfiguration:
        config = cls.__new__(cls)
        config._config = core
        return config

    # --- Use ----------------------------------------------------------------------------------

    def copy(self, **settings: Any) -> WrapperConfiguration:
        """A copy, with `settings` changed."""
        config = self._wrap(self._config.copy())
        _apply(config._config, settings, "WrapperConfiguration.copy()")
        return config

    def validate(self) -> None:
        """Raises ConfigurationError listing every problem; returns None when valid."""
        self._config.validate()

    def problems(self) -> list[str]:
        """Every validation problem, one message each (empty when valid)."""
        return list(self._config.problems())

    def to_dict(self) -> dict[str, Any]:
        """Every setting by key; the client secret as "***" (None when unset)."""
        return {key: self._config.get(key) for key in _KINDS}

    @staticmethod
    def setting_keys() -> list[str]:
        """Every setting key, as keywords, YAML and ZEROBUS_<KEY> variables name them."""
        return list(_KINDS)

    @staticmethod
    def environment_variable(key: str) -> str:
        """The environment variable of a setting (ZEROBUS_ENDPOINT for zerobus_endpoint)."""
        if not isinstance(key, str):
            raise TypeError(f"environment_variable() takes a str, not {type(key).__name__}")
        return _core.Configuration.environment_variable(_ALIASES.get(key, key))

    def __repr__(self) -> str:
        changed = [
            f"{key}={value!r}"
            for key, value in self.to_dict().items()
            if value != _DEFAULTS.get(key) or key in ("zerobus_endpoint", "table_name")
        ]
        return f"WrapperConfiguration({', '.join(changed)})"

    def __str__(self) -> str:
        return self._config.to_string()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WrapperConfiguration):
            return NotImplemented
        return self._config.to_string() == other._config.to_string()

    __hash__ = None  # type: ignore[assignment]

    # --- Settings (read-only) -----------------------------------------------------------------

    endpoint = _setting("zerobus_endpoint", "The Zerobus endpoint (alias of zerobus_endpoint).")
    zerobus_endpoint = _setting(
        "zerobus_endpoint",
        "https://<workspace id>.zerobus.<region>.cloud.databricks.com (http:// only for "
        "emulators).",
    )
    table_name = _setting("table_name", "The Delta table: catalog.schema.table.")
    unity_catalog_url = _setting("unity_catalog_url", "The workspace URL that issues OAuth tokens.")
    client_id = _setting("client_id", "The service principal's client id.")
    client_secret = _setting(
        "client_secret", 'The client secret, never shown: "***" when set, None when not.'
    )
    descriptor_proto = _setting(
        "descriptor_proto",
        "Serialized DescriptorProto used instead of one generated from the schema, or None.",
    )
    schema_source = _setting(
        "schema_source",
        '"arrow" (each batch\'s own schema, the default) or "table" (each batch fitted to the '
        "table's columns in Unity Catalog: matched by name, converted value by value).",
    )
    table_schema = _setting(
        "table_schema",
        "schema_source table: the table's Unity Catalog description (JSON), used instead of "
        "fetching it (its bytes); needed in writer-disabled mode. Given as its bytes or the path "
        "of a file holding it. None: fetched.",
    )
    drop_extra_columns = _setting(
        "drop_extra_columns",
        "schema_source table: drop batch columns the table lacks instead of refusing them.",
    )
    parse_strings = _setting(
        "parse_strings",
        "schema_source table: parse text into number, BOOLEAN, DATE, TIMESTAMP and DECIMAL "
        "columns (ISO 8601 for dates and times).",
    )
    truncate_to_date = _setting(
        "truncate_to_date",
        "schema_source table: convert timestamps to DATE columns, dropping the time of day.",
    )
    wire_format = _setting(
        "wire_format",
        '"protobuf" (rows as Protobuf records, the default) or "arrow" (Arrow batches over '
        "Arrow Flight, no row conversion).",
    )
    delivery = _setting(
        "delivery",
        '"at_least_once" (the default: a row whose ack was lost with a connection is sent again '
        'and may land twice) or "exactly_once" (persistent streams, marked in development by the '
        "service: after a cut each stream resumes at the server's committed offset, so no row "
        "lands twice; wire_format protobuf only).",
    )
    resume_stream_ids = _setting(
        "resume_stream_ids",
        'delivery="exactly_once": the persistent streams to resume, one id per stream '
        '(stream_count), comma-separated, as stats()["streams"] named them; offsets continue '
        'after what each committed. "" (the default): new streams.',
    )
    arrow_ipc_compression = _setting(
        "arrow_ipc_compression", 'Arrow format: IPC compression, "none", "lz4_frame" or "zstd".'
    )
    arrow_ipc_compression_level = _setting(
        "arrow_ipc_compression_level",
        "Arrow format: the compression's level (ZSTD: higher is smaller and slower), or None for "
        "Arrow's default for the codec.",
    )
    retry_timeout_ms = _setting(
        "retry_timeout_ms",
        "How long a stream in trouble keeps reconnecting before its rows fail (ms).",
    )
    retry_max_attempts = _setting(
        "retry_max_attempts",
        "Attempts in one episode of trouble, the first included; 0: no limit (the default).",
    )
    retry_base_delay_ms = _setting("retry_base_delay_ms", "Backoff base delay (ms).")
    retry_max_delay_ms = _setting("retry_max_delay_ms", "Backoff maximum delay (ms).")
    stream_count = _setting(
        "stream_count",
        "Streams per table (1-64), each on its own connection; order holds per stream only.",
    )
    max_inflight_requests = _setting(
        "max_inflight_requests",
        "Requests in flight (unacknowledged) at most, all streams together.",
    )
    max_inflight_bytes = _setting("max_inflight_bytes", "Bytes in flight at most.")
    max_request_bytes = _setting("max_request_bytes", "Records per request, in bytes.")
    max_record_bytes = _setting(
        "max_record_bytes", "Larger records are row errors (ConversionError)."
    )
    connect_timeout_ms = _setting("connect_timeout_ms", "One connect attempt (ms).")
    server_lack_of_ack_timeout_ms = _setting(
        "server_lack_of_ack_timeout_ms",
        "Silence while requests are outstanding that breaks the stream (ms).",
    )
    flush_timeout_ms = _setting(
        "flush_timeout_ms",
        "A request not acknowledged this long after it was queued fails; also bounds flush() (ms).",
    )
    recovery = _setting(
        "recovery", "Reconnect and replay unacknowledged requests after retryable failures."
    )
    stream_paused_max_wait_ms = _setting(
        "stream_paused_max_wait_ms",
        "After a close signal, wait at most this long for acks (ms); None: as the server says.",
    )
    application_name = _setting("application_name", "Appended to the user agent.")
    worker_threads = _setting("worker_threads", "Threads that convert batches.")
    debug_enabled = _setting("debug_enabled", "Both debug formats (Arrow and protobuf).")
    debug_arrow_enabled = _setting("debug_arrow_enabled", "Arrow IPC debug files.")
    debug_protobuf_enabled = _setting("debug_protobuf_enabled", "Protobuf debug files.")
    debug_output_dir = _setting(
        "debug_output_dir", "Where debug files go (required when a format is on), or None."
    )
    debug_flush_interval_secs = _setting(
        "debug_flush_interval_secs", "Periodic flush of the debug files (s)."
    )
    debug_max_file_size = _setting(
        "debug_max_file_size", "Rotate debug files at this many bytes (None: never)."
    )
    debug_max_file_rows = _setting(
        "debug_max_file_rows", "Rotate debug files at this many rows (None: never)."
    )
    debug_max_file_age_secs = _setting(
        "debug_max_file_age_secs", "Rotate debug files at this age (None: never)."
    )
    debug_max_files_retained = _setting(
        "debug_max_files_retained", "Newest debug files kept per table and format (None: all)."
    )
    zerobus_writer_disabled = _setting(
        "zerobus_writer_disabled",
        "Convert and write debug files only: no network, no credentials.",
    )
    observability_enabled = _setting(
        "observability_enabled", "Collect OpenTelemetry metrics and spans (docs/observability.md)."
    )
    observability_exporter = _setting(
        "observability_exporter",
        '"otlp" (OTLP/HTTP export, or the application\'s opentelemetry providers when it set '
        'them) or "none" (collect_telemetry() only).',
    )
    observability_endpoint = _setting(
        "observability_endpoint",
        "OTLP/HTTP base URL (empty: OTEL_EXPORTER_OTLP_ENDPOINT or http://localhost:4318).",
    )
    observability_headers = _setting(
        "observability_headers", 'Export headers "k=v,k2=v2", never shown: "***" when set.'
    )
    observability_export_interval_ms = _setting(
        "observability_export_interval_ms",
        "Export period (ms); None: OTEL_METRIC_EXPORT_INTERVAL or 5000.",
    )
    observability_export_timeout_ms = _setting(
        "observability_export_timeout_ms",
        "Bound of one export (ms); None: OTEL_EXPORTER_OTLP_TIMEOUT or 10000.",
    )
    observability_service_name = _setting(
        "observability_service_name",
        "Resource service.name (empty: OTEL_SERVICE_NAME or arrow_zerobus).",
    )
    observability_metrics_enabled = _setting(
        "observability_metrics_enabled", "Export metrics (when observability is on)."
    )
    observability_traces_enabled = _setting(
        "observability_traces_enabled", "Export spans (when observability is on)."
    )
    observability_max_queued_spans = _setting(
        "observability_max_queued_spans", "Spans waiting for export; more are dropped and counted."
    )
