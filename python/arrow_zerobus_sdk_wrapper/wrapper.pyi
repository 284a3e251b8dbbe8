import os
from typing import Any, Protocol

import pyarrow as pa

from .config import WrapperConfiguration
from .errors import ZerobusError
from .result import TransmissionResult

__all__ = ["ZerobusWrapper"]

class _ArrowStreamExporter(Protocol):
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

class _ArrowArrayExporter(Protocol):
    def __arrow_c_array__(
        self, requested_schema: object | None = None
    ) -> tuple[object, object]: ...

ArrowData = (
    pa.RecordBatch | pa.Table | pa.RecordBatchReader | _ArrowStreamExporter | _ArrowArrayExporter
)

class ZerobusWrapper:
    def __init__(
        self,
        config: WrapperConfiguration | None = None,
        /,
        *,
        endpoint: str | None = ...,
        table_name: str | None = ...,
        zerobus_endpoint: str | None = ...,
        unity_catalog_url: str | None = ...,
        client_id: str | None = ...,
        client_secret: str | None = ...,
        descriptor_proto: bytes | str | os.PathLike[str] | None = ...,
        schema_source: str | None = ...,
        table_schema: bytes | str | os.PathLike[str] | None = ...,
        drop_extra_columns: bool | None = ...,
        parse_strings: bool | None = ...,
        truncate_to_date: bool | None = ...,
        wire_format: str | None = ...,
        delivery: str | None = ...,
        resume_stream_ids: str | None = ...,
        arrow_ipc_compression: str | None = ...,
        arrow_ipc_compression_level: int | None = ...,
        retry_timeout_ms: int | None = ...,
        retry_max_attempts: int | None = ...,
        retry_base_delay_ms: int | None = ...,
        retry_max_delay_ms: int | None = ...,
        stream_count: int | None = ...,
        max_inflight_requests: int | None = ...,
        max_inflight_bytes: int | None = ...,
        max_request_bytes: int | None = ...,
        max_record_bytes: int | None = ...,
        connect_timeout_ms: int | None = ...,
        server_lack_of_ack_timeout_ms: int | None = ...,
        flush_timeout_ms: int | None = ...,
        recovery: bool | None = ...,
        stream_paused_max_wait_ms: int | None = ...,
        application_name: str | None = ...,
        worker_threads: int | None = ...,
        debug_enabled: bool | None = ...,
        debug_arrow_enabled: bool | None = ...,
        debug_protobuf_enabled: bool | None = ...,
        debug_output_dir: str | os.PathLike[str] | None = ...,
        debug_flush_interval_secs: int | None = ...,
        debug_max_file_size: int | None = ...,
        debug_max_file_rows: int | None = ...,
        debug_max_file_age_secs: int | None = ...,
        debug_max_files_retained: int | None = ...,
        zerobus_writer_disabled: bool | None = ...,
        observability_enabled: bool | None = ...,
        observability_exporter: str | None = ...,
        observability_endpoint: str | None = ...,
        observability_headers: str | None = ...,
        observability_export_interval_ms: int | None = ...,
        observability_export_timeout_ms: int | None = ...,
        observability_service_name: str | None = ...,
        observability_metrics_enabled: bool | None = ...,
        observability_traces_enabled: bool | None = ...,
        observability_max_queued_spans: int | None = ...,
    ) -> None: ...
    async def send_batch(self, batch: ArrowData) -> TransmissionResult: ...
    async def flush(self) -> None: ...
    async def shutdown(self) -> ZerobusError | None: ...
    async def __aenter__(self) -> ZerobusWrapper: ...
    async def __aexit__(self, *exc_info: object) -> None: ...
    def send_batch_sync(self, batch: ArrowData) -> TransmissionResult: ...
    def flush_sync(self) -> None: ...
    def shutdown_sync(self) -> ZerobusError | None: ...
    def __enter__(self) -> ZerobusWrapper: ...
    def __exit__(self, *exc_info: object) -> None: ...
    @property
    def config(self) -> WrapperConfiguration: ...
    @property
    def table_name(self) -> str: ...
    @property
    def is_shut_down(self) -> bool: ...
    def open_streams(self, schema: pa.Schema) -> list[dict[str, Any]]: ...
    def stats(self) -> dict[str, Any]: ...
    def debug_status(self) -> ZerobusError | None: ...
    def collect_telemetry(self) -> dict[str, Any]: ...
