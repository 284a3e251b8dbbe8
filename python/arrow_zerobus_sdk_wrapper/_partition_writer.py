"""One task's share of a distributed write (internal; used by the ``spark`` and ``ray`` modules).

A task (a Spark partition, a Ray write task) sends its Arrow data through one
:class:`~arrow_zerobus_sdk_wrapper.ZerobusWrapper`, batch by batch as the engine hands them over,
with a few batches in flight so that reading the next one overlaps the acknowledgements of the
previous ones. It produces:

* the quarantine: every row that did not land, with the data's own columns (their types as they
  came, every field nullable) and two columns, ``_zerobus_error_type`` (``ConversionError``,
  ``TransmissionError``, ...) and ``_zerobus_error`` (the cause: row, column, value, or the
  server's message), the names ``TransmissionResult.failed_batch()`` and ``zerobus-arrow send
  --quarantine`` use;
* a :class:`TaskSummary`: rows read, landed and failed, failures per type, the first errors,
  streams, bytes, requests, replays and seconds.

Every row read is landed or in the quarantine: a send's per-row result is final when the send
returns (docs/api.md), so rows are counted from the results; a batch whose send is refused as a
whole (its schema cannot be sent, the wrapper could not be created) goes to the quarantine with
the cause; the error of closing the wrapper changes no row and is reported on its own.

Settings travel to the tasks as a :class:`ShippedSettings`: the settings that differ from the
defaults, and the secrets (``client_secret``, ``observability_headers``) in :class:`Secret`
holders that never show their value (repr, str, pickled bytes).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa

from .config import _DEFAULTS, _KINDS, WrapperConfiguration
from .errors import ConfigurationError, RowsFailedError, ZerobusError
from .result import TransmissionResult
from .wrapper import ZerobusWrapper

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

#: The quarantine's columns after the data's own: the error type name and the cause.
ERROR_TYPE_COLUMN = "_zerobus_error_type"
ERROR_COLUMN = "_zerobus_error"
_RESERVED = (ERROR_TYPE_COLUMN, ERROR_COLUMN)

#: Sends of one task waiting for their result at most (each holds its batch).
_BATCHES_IN_FLIGHT = 4
#: Errors kept per task (and per write) for summaries and exception messages.
_FIRST_ERRORS = 5
_MESSAGE_CHARS = 1000
_SECRET_KINDS = ("secret",)


class Secret:
    """A secret on its way to the tasks: ``repr`` and ``str`` show ``***``, and neither the
    object nor its pickled bytes hold the value as text (it is kept XORed with a random pad of
    its own; this is not encryption: whoever runs code in the task can read it, as the task
    itself must). ``reveal()`` gives the value."""

    __slots__ = ("_masked", "_pad")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, got {type(value).__name__}")
        data = value.encode("utf-8", "surrogatepass")
        self._pad = os.urandom(len(data))
        self._masked = bytes(a ^ b for a, b in zip(data, self._pad, strict=True))

    def reveal(self) -> str:
        """The value."""
        data = bytes(a ^ b for a, b in zip(self._masked, self._pad, strict=True))
        return data.decode("utf-8", "surrogatepass")

    def __reduce__(self):
        return (_restore_secret, (self._masked, self._pad))

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.reveal() == other.reveal()

    __hash__ = None  # type: ignore[assignment]


def _restore_secret(masked: bytes, pad: bytes) -> Secret:
    secret = Secret.__new__(Secret)
    secret._masked = masked
    secret._pad = pad
    return secret


class ShippedSettings:
    """The settings of a write in a form that pickles to the tasks: every setting that differs
    from its default (``table_schema`` and ``descriptor_proto`` as the bytes of their files, so
    executors need no copy of them), and the secrets as :class:`Secret`. Built on the driver
    with :meth:`resolve`, which validates them; :meth:`configuration` rebuilds the
    configuration in the task."""

    __slots__ = ("_plain", "_secrets")

    def __init__(self, plain: dict[str, Any], secrets: dict[str, Secret]) -> None:
        self._plain = plain
        self._secrets = secrets

    @classmethod
    def resolve(
        cls,
        config: WrapperConfiguration | Mapping[str, Any] | None,
        settings: Mapping[str, Any],
        caller: str,
    ) -> ShippedSettings:
        """The settings of `config` (a WrapperConfiguration or a dict of settings) with
        `settings` on top, validated (ConfigurationError lists every problem).

        A WrapperConfiguration never gives its client secret back (it shows ``***``): when it
        holds one, pass the secret again as ``client_secret=``; likewise
        ``observability_headers``."""
        given: dict[str, Any] = {}
        masked: list[str] = []
        if isinstance(config, WrapperConfiguration):
            for key, value in config.to_dict().items():
                if _KINDS[key] in _SECRET_KINDS:
                    if value is not None and value != "":
                        masked.append(key)
                elif value != _DEFAULTS.get(key):
                    given[key] = value
        elif isinstance(config, Mapping):
            given.update(config)
        elif config is not None:
            raise TypeError(
                f"{caller} takes a WrapperConfiguration or a dict of settings, not "
                f"{type(config).__name__}"
            )
        given.update(settings)
        if "endpoint" in given:
            if "zerobus_endpoint" in given and given["zerobus_endpoint"] != given["endpoint"]:
                raise TypeError(f"{caller}: give either endpoint or zerobus_endpoint, not both")
            given["zerobus_endpoint"] = given.pop("endpoint")
        plain: dict[str, Any] = {}
        secrets: dict[str, Secret] = {}
        for key, value in given.items():
            if _KINDS.get(key) in _SECRET_KINDS and value is not None:
                if isinstance(value, Secret):
                    secrets[key] = value
                elif value == "***":
                    raise ConfigurationError(
                        f"{caller}: {key} is '***', the mask WrapperConfiguration.to_dict() "
                        f"shows in place of the value; pass the secret itself",
                        code="INVALID_ARGUMENT",
                    )
                elif isinstance(value, str):
                    secrets[key] = Secret(value)
                else:
                    raise TypeError(f"{key} must be a str, got {type(value).__name__}")
            else:
                plain[key] = value
        missing = [key for key in masked if key not in secrets]
        if missing:
            raise ConfigurationError(
                f"{caller}: the WrapperConfiguration holds {' and '.join(missing)}, which it "
                f"never gives back (it shows '***'), so it cannot be sent to the tasks; pass it "
                f"again as {', '.join(f'{key}=...' for key in missing)}",
                code="INVALID_ARGUMENT",
            )
        if plain.get("resume_stream_ids"):
            raise ConfigurationError(
                f"{caller}: resume_stream_ids cannot be used here: every task would resume the "
                f"same streams, and a stream has one writer (each task opens its own)",
                code="INVALID_ARGUMENT",
            )
        for key in ("table_schema", "descriptor_proto"):
            if isinstance(plain.get(key), str | os.PathLike):
                # Read here, where the path is meant: the tasks get the file's bytes.
                plain[key] = WrapperConfiguration(**{key: plain[key]}).to_dict()[key]
        shipped = cls(plain, secrets)
        shipped.configuration().validate()
        return shipped

    def configuration(self) -> WrapperConfiguration:
        """The WrapperConfiguration (in the task), secrets revealed into it."""
        return WrapperConfiguration(
            **self._plain, **{key: secret.reveal() for key, secret in self._secrets.items()}
        )

    @property
    def table_name(self) -> str:
        """The table written to."""
        return str(self._plain.get("table_name", ""))

    def __repr__(self) -> str:
        shown = {
            key: f"<{len(value)} bytes>" if isinstance(value, bytes | bytearray) else repr(value)
            for key, value in self._plain.items()
        }
        shown.update({key: "'***'" for key in self._secrets})
        return f"ShippedSettings({', '.join(f'{k}={v}' for k, v in sorted(shown.items()))})"

    __str__ = __repr__


def check_columns(names: Iterable[str], where: str) -> None:
    """Refuses data with a column named like the quarantine's error columns (ignoring case, as
    Spark does), naming it."""
    reserved = {name.lower(): name for name in _RESERVED}
    for name in names:
        if name.lower() in reserved:
            raise ConfigurationError(
                f"{where} has a column named {name!r}, the name of a column the quarantine adds "
                f"({ERROR_TYPE_COLUMN}, {ERROR_COLUMN}); rename it before writing",
                code="INVALID_ARGUMENT",
            )


def quarantine_schema(schema: pa.Schema) -> pa.Schema:
    """The quarantine's schema for data of `schema`: its fields, nullable, then the error type
    and the cause."""
    fields = [field.with_nullable(True) for field in schema]
    return pa.schema(
        [*fields, pa.field(ERROR_TYPE_COLUMN, pa.string()), pa.field(ERROR_COLUMN, pa.string())]
    )


@dataclasses.dataclass
class _SendCounts:
    """What sends added up to, for one task or a whole write (see WriteSummary)."""

    rows_landed: int = 0
    rows_failed: int = 0
    rows_failed_retryable: int = 0
    failures_by_type: dict[str, int] = dataclasses.field(default_factory=dict)
    first_errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    stream_ids: list[str] = dataclasses.field(default_factory=list)
    streams_opened: int = 0
    bytes_sent: int = 0
    arrow_bytes: int = 0
    batches: int = 0
    requests_sent: int = 0
    requests_replayed: int = 0
    rows_replayed: int = 0


@dataclasses.dataclass
class TaskSummary(_SendCounts):
    """What one task did. ``rows == rows_landed + rows_failed``."""

    task: int = 0
    attempt: int = 0
    rows: int = 0
    close_error: str | None = None
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaskSummary:
        return cls(**json.loads(text))


class PartitionWriter:
    """Sends one task's data through one ZerobusWrapper; ``write`` yields the quarantine as it
    goes and fills ``summary``."""

    def __init__(
        self,
        settings: ShippedSettings,
        *,
        task: int = 0,
        attempt: int = 0,
        batches_in_flight: int = _BATCHES_IN_FLIGHT,
    ) -> None:
        self._settings = settings
        self._in_flight = max(1, batches_in_flight)
        self.summary = TaskSummary(task=task, attempt=attempt)
        self._schema: pa.Schema | None = None
        self._qschema: pa.Schema | None = None
        self._streams: set[str] = set()

    def write(self, data: Iterable[Any]) -> Iterator[pa.RecordBatch]:
        """Sends each item of `data` (a pyarrow RecordBatch or Table) as it comes and yields the
        rows that did not land (:func:`quarantine_schema` of the data). ``summary`` is complete
        once the iterator is exhausted. Data with a column named like an error column is refused
        (ConfigurationError naming it). Each yielded batch has the schema of the item it comes
        from (see :func:`quarantine_schema`)."""
        started = time.monotonic()
        wrapper: ZerobusWrapper | None = None
        open_error: ZerobusError | None = None
        pending: deque[tuple[Any, int, Any, pa.Schema]] = deque()
        try:
            for item in data:
                item = _as_arrow(item)
                qschema = self._quarantine_schema(item.schema)
                first_row = self.summary.rows
                self.summary.rows += item.num_rows
                if item.num_rows == 0:
                    continue
                if wrapper is None and open_error is None:
                    try:
                        wrapper = ZerobusWrapper(self._settings.configuration())
                    except ZerobusError as error:  # e.g. the table's schema could not be read
                        open_error = error
                if wrapper is None:
                    assert open_error is not None
                    yield from self._refused(item, first_row, qschema, open_error)
                    continue
                try:
                    sending = wrapper._core.submit(item, None, wrapper._traceparent())
                except ZerobusError as error:  # a schema the wrapper cannot send, named
                    yield from self._refused(item, first_row, qschema, error)
                    continue
                pending.append((item, first_row, sending, qschema))
                while len(pending) >= self._in_flight:
                    yield from self._finish(*pending.popleft())
            while pending:
                yield from self._finish(*pending.popleft())
        finally:
            if wrapper is not None:
                self.summary.streams_opened = int(wrapper.stats().get("streams_opened", 0))
                # Every send has its result (or, when the engine stopped this iterator early,
                # is given up with it); closing changes no row's result (docs/api.md).
                close_error = wrapper.shutdown_sync()
                if close_error is not None:
                    self.summary.close_error = f"{close_error.error_type}: {close_error.cause}"
            self.summary.stream_ids = sorted(self._streams)
            self.summary.seconds = time.monotonic() - started

    def _quarantine_schema(self, schema: pa.Schema) -> pa.Schema:
        """The quarantine schema of data of `schema`, its names checked (a task's data may
        change schema, as Ray blocks can; the wrapper opens a stream for each)."""
        if self._schema is None or not schema.equals(self._schema):
            check_columns(schema.names, "the data")
            self._schema = schema
            self._qschema = quarantine_schema(schema)
        assert self._qschema is not None
        return self._qschema

    def _finish(
        self, item: Any, first_row: int, sending: Any, qschema: pa.Schema
    ) -> Iterator[pa.RecordBatch]:
        result = TransmissionResult._from_core(sending.result())
        summary = self.summary
        summary.batches += 1
        summary.rows_landed += result.successful_count
        summary.bytes_sent += result.encoded_bytes
        summary.arrow_bytes += result.batch_size_bytes
        summary.requests_sent += result.requests_sent
        summary.requests_replayed += result.requests_replayed
        summary.rows_replayed += result.rows_replayed
        self._streams.update(result.stream_ids)
        if result.failed_count == 0:
            return
        summary.rows_failed += result.failed_count
        summary.rows_failed_retryable += sum(1 for _, error in result.row_errors if error.retryable)
        for name, count in result.get_error_statistics()["error_type_counts"].items():
            summary.failures_by_type[name] = summary.failures_by_type.get(name, 0) + count
        errors = result.failed_batch()
        types = errors.column(ERROR_TYPE_COLUMN)
        causes = errors.column(ERROR_COLUMN)
        room = _FIRST_ERRORS - len(summary.first_errors)
        if room > 0:
            rows = errors.column("_zerobus_row").to_pylist()[:room]
            for row, kind, cause in zip(
                rows, types.to_pylist()[:room], causes.to_pylist()[:room], strict=True
            ):
                self._note_error(first_row + row, kind, cause)
        # The failed rows from the data as it was sent: its own column types.
        values = result.extract_failed_batch(item)
        assert values is not None and values.num_rows == errors.num_rows
        yield pa.RecordBatch.from_arrays([*values.columns, types, causes], schema=qschema)

    def _refused(
        self, item: Any, first_row: int, qschema: pa.Schema, error: ZerobusError
    ) -> Iterator[pa.RecordBatch]:
        """Every row of `item` failed with `error` (refused as a whole)."""
        summary = self.summary
        summary.batches += 1
        summary.rows_failed += item.num_rows
        if error.retryable:
            summary.rows_failed_retryable += item.num_rows
        kind = error.error_type
        summary.failures_by_type[kind] = summary.failures_by_type.get(kind, 0) + item.num_rows
        self._note_error(first_row, kind, error.cause)
        batches = item.to_batches() if isinstance(item, pa.Table) else [item]
        for batch in batches:
            yield pa.RecordBatch.from_arrays(
                [
                    *batch.columns,
                    pa.array([kind] * batch.num_rows, pa.string()),
                    pa.array([error.cause] * batch.num_rows, pa.string()),
                ],
                schema=qschema,
            )

    def _note_error(self, row: int, kind: str, cause: str) -> None:
        if len(self.summary.first_errors) < _FIRST_ERRORS:
            self.summary.first_errors.append(
                {
                    "task": self.summary.task,
                    "row": row,
                    "error_type": kind,
                    "message": cause[:_MESSAGE_CHARS],
                }
            )


def _as_arrow(item: Any) -> pa.RecordBatch | pa.Table:
    if isinstance(item, pa.RecordBatch | pa.Table):
        return item
    if hasattr(item, "__arrow_c_stream__"):
        return pa.table(item)
    if hasattr(item, "__arrow_c_array__"):
        return pa.record_batch(item)
    raise TypeError(f"a task's data must be Arrow record batches or tables, not {type(item)}")


@dataclasses.dataclass
class WriteSummary(_SendCounts):
    """What a write spread over tasks did: the sum of its tasks' results, each task counted
    once (the attempt whose output the engine kept).

    Attributes:
        table_name: the table written to.
        rows_landed / rows_failed: rows acknowledged by the service / rows that did not land
            (each is in the quarantine with its cause). Every input row is in exactly one.
        rows_failed_retryable: of the failed rows, those whose error was retryable.
        failures_by_type: failed rows per error type name ("ConversionError": 12, ...).
        first_errors: the first few errors: dicts of task, row (within the task's data),
            error_type and message.
        stream_ids: the Zerobus streams that acknowledged rows (empty with the Arrow wire
            format, whose streams have no id); streams_opened: streams the tasks opened.
        bytes_sent: encoded bytes of the rows that converted (what went on the wire once);
            arrow_bytes: Arrow memory of the data sent.
        batches, requests_sent: sends and the requests they were packed into.
        requests_replayed / rows_replayed: re-sent after reconnects (at least once delivery:
            a replayed row may have landed twice).
        tasks: tasks that wrote (one per partition or write task).
        retried_tasks, retried_partitions, rows_in_retried_tasks: tasks whose kept attempt was
            not the first, and their rows: an earlier attempt may have landed some of those
            rows before it failed (see possible_duplicates).
        close_errors: errors of closing a task's wrapper ("task N: ..."); they change no row's
            result.
        seconds: the write's wall time; task_seconds: the tasks' send time, summed.
    """

    table_name: str = ""
    tasks: int = 0
    retried_tasks: int = 0
    retried_partitions: list[int] = dataclasses.field(default_factory=list)
    rows_in_retried_tasks: int = 0
    close_errors: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    task_seconds: float = 0.0

    @staticmethod
    def _totals(table_name: str, tasks: Iterable[TaskSummary], seconds: float) -> dict[str, Any]:
        totals: dict[str, Any] = {
            "table_name": table_name,
            "failures_by_type": {},
            "first_errors": [],
            "retried_partitions": [],
            "close_errors": [],
            "seconds": seconds,
        }
        streams: set[str] = set()
        summed = (
            "rows_landed",
            "rows_failed",
            "rows_failed_retryable",
            "streams_opened",
            "bytes_sent",
            "arrow_bytes",
            "batches",
            "requests_sent",
            "requests_replayed",
            "rows_replayed",
        )
        for name in summed:
            totals[name] = 0
        totals.update(tasks=0, retried_tasks=0, rows_in_retried_tasks=0, task_seconds=0.0)
        for task in sorted(tasks, key=lambda t: t.task):
            totals["tasks"] += 1
            for name in summed:
                totals[name] += getattr(task, name)
            for kind, count in task.failures_by_type.items():
                totals["failures_by_type"][kind] = totals["failures_by_type"].get(kind, 0) + count
            room = _FIRST_ERRORS - len(totals["first_errors"])
            totals["first_errors"].extend(task.first_errors[: max(room, 0)])
            streams.update(task.stream_ids)
            if task.attempt > 0:
                totals["retried_tasks"] += 1
                totals["retried_partitions"].append(task.task)
                totals["rows_in_retried_tasks"] += task.rows
            if task.close_error:
                totals["close_errors"].append(f"task {task.task}: {task.close_error}")
            totals["task_seconds"] += task.seconds
        totals["stream_ids"] = sorted(streams)
        return totals

    @classmethod
    def from_tasks(
        cls, table_name: str, tasks: Iterable[TaskSummary], seconds: float
    ) -> WriteSummary:
        """The sum of the tasks' summaries."""
        return cls(**cls._totals(table_name, tasks, seconds))

    @property
    def total_rows(self) -> int:
        """Rows written: landed plus failed."""
        return self.rows_landed + self.rows_failed

    @property
    def all_rows_landed(self) -> bool:
        """Every row landed (none in the quarantine)."""
        return self.rows_failed == 0

    @property
    def possible_duplicates(self) -> int:
        """An upper bound on rows that may have landed more than once: rows replayed after
        reconnects plus the rows of retried tasks (delivery is at least once)."""
        return self.rows_replayed + self.rows_in_retried_tasks

    def summary_only(self) -> WriteSummary:
        """The totals alone, as a WriteSummary (without what a subclass adds)."""
        names = [field.name for field in dataclasses.fields(WriteSummary)]
        return WriteSummary(**{name: getattr(self, name) for name in names})

    def describe(self) -> str:
        """One paragraph: counts per error type and the first errors."""
        text = (
            f"{self.rows_failed} of {self.total_rows} rows did not land in {self.table_name} "
            f"({self.tasks} task{'' if self.tasks == 1 else 's'}"
        )
        if self.failures_by_type:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.failures_by_type.items()))
            text += f"; {kinds}"
        text += ")"
        if self.first_errors:
            text += "; first errors: " + "; ".join(
                f"task {e['task']} row {e['row']}: {e['error_type']}: {e['message']}"
                for e in self.first_errors
            )
        return text

    def raise_if_failed(self) -> None:
        """Raises RowsFailedError (counts per type, first errors, ``summary``) when a row did
        not land; the rows that landed stay in the table."""
        if self.rows_failed == 0:
            return
        raise RowsFailedError(
            self.describe(),
            retryable=self.rows_failed_retryable == self.rows_failed,
            summary=self.summary_only(),
        )
