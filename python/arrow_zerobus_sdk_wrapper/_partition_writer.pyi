from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa

from .config import WrapperConfiguration

__all__ = [
    "ERROR_COLUMN",
    "ERROR_TYPE_COLUMN",
    "PartitionWriter",
    "Secret",
    "ShippedSettings",
    "TaskSummary",
    "WriteSummary",
    "check_columns",
    "quarantine_schema",
]

ERROR_TYPE_COLUMN: str
ERROR_COLUMN: str

class Secret:
    def __init__(self, value: str) -> None: ...
    def reveal(self) -> str: ...

class ShippedSettings:
    def __init__(self, plain: dict[str, Any], secrets: dict[str, Secret]) -> None: ...
    @classmethod
    def resolve(
        cls,
        config: WrapperConfiguration | Mapping[str, Any] | None,
        settings: Mapping[str, Any],
        caller: str,
    ) -> ShippedSettings: ...
    def configuration(self) -> WrapperConfiguration: ...
    @property
    def table_name(self) -> str: ...

def check_columns(names: Iterable[str], where: str) -> None: ...
def quarantine_schema(schema: pa.Schema) -> pa.Schema: ...

class _SendCounts:
    rows_landed: int
    rows_failed: int
    rows_failed_retryable: int
    failures_by_type: dict[str, int]
    first_errors: list[dict[str, Any]]
    stream_ids: list[str]
    streams_opened: int
    bytes_sent: int
    arrow_bytes: int
    batches: int
    requests_sent: int
    requests_replayed: int
    rows_replayed: int

class TaskSummary(_SendCounts):
    task: int
    attempt: int
    rows: int
    close_error: str | None
    seconds: float
    def __init__(
        self,
        *,
        task: int = 0,
        attempt: int = 0,
        rows: int = 0,
        rows_landed: int = 0,
        rows_failed: int = 0,
        rows_failed_retryable: int = 0,
        failures_by_type: dict[str, int] = ...,
        first_errors: list[dict[str, Any]] = ...,
        stream_ids: list[str] = ...,
        streams_opened: int = 0,
        bytes_sent: int = 0,
        arrow_bytes: int = 0,
        batches: int = 0,
        requests_sent: int = 0,
        requests_replayed: int = 0,
        rows_replayed: int = 0,
        close_error: str | None = None,
        seconds: float = 0.0,
    ) -> None: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, text: str) -> TaskSummary: ...

class PartitionWriter:
    summary: TaskSummary
    def __init__(
        self,
        settings: ShippedSettings,
        *,
        task: int = 0,
        attempt: int = 0,
        batches_in_flight: int = ...,
    ) -> None: ...
    def write(self, data: Iterable[Any]) -> Iterator[pa.RecordBatch]: ...

class WriteSummary(_SendCounts):
    table_name: str
    tasks: int
    retried_tasks: int
    retried_partitions: list[int]
    rows_in_retried_tasks: int
    close_errors: list[str]
    seconds: float
    task_seconds: float
    def __init__(
        self,
        *,
        table_name: str = "",
        rows_landed: int = 0,
        rows_failed: int = 0,
        rows_failed_retryable: int = 0,
        failures_by_type: dict[str, int] = ...,
        first_errors: list[dict[str, Any]] = ...,
        stream_ids: list[str] = ...,
        streams_opened: int = 0,
        bytes_sent: int = 0,
        arrow_bytes: int = 0,
        batches: int = 0,
        requests_sent: int = 0,
        requests_replayed: int = 0,
        rows_replayed: int = 0,
        tasks: int = 0,
        retried_tasks: int = 0,
        retried_partitions: list[int] = ...,
        rows_in_retried_tasks: int = 0,
        close_errors: list[str] = ...,
        seconds: float = 0.0,
        task_seconds: float = 0.0,
    ) -> None: ...
    @classmethod
    def from_tasks(
        cls, table_name: str, tasks: Iterable[TaskSummary], seconds: float
    ) -> WriteSummary: ...
    @property
    def total_rows(self) -> int: ...
    @property
    def all_rows_landed(self) -> bool: ...
    @property
    def possible_duplicates(self) -> int: ...
    def summary_only(self) -> WriteSummary: ...
    def describe(self) -> str: ...
    def raise_if_failed(self) -> None: ...
