"""TransmissionResult: what became of every row of one send."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import _core
from .errors import ZerobusError, error_class

__all__ = ["TransmissionResult"]


def _status(error: ZerobusError | str | None) -> _core.Status | None:
    if error is None:
        return None
    if isinstance(error, ZerobusError):
        return _core.Status(error.error_type, error.cause, error.retryable)
    # The original's test constructor took "ConversionError: message" strings.
    type_name, sep, message = str(error).partition(":")
    if sep and error_class(type_name.strip()) is not ZerobusError:
        return _core.Status(type_name.strip(), message.strip(), False)
    return _core.Status("ConversionError", str(error), False)


class TransmissionResult:
    """The outcome of ``send_batch``: every row index of the data sent is in exactly one of
    ``successful_rows`` and ``failed_rows``, and ``total_rows == successful_count +
    failed_count``. For a Table or a stream of batches, rows are numbered across the batches.

    Attributes (read-only):
        all_rows_landed: every row of the data is in the table (no error, no failed row,
            writer enabled): the check to make before trusting a send.
        success: every row that could be sent was acknowledged (or, writer disabled, converted)
            and at least one row succeeded; True for an empty batch. Rows that failed
            conversion alone do not make it False: see all_rows_landed and
            is_partial_success().
        error: why ``success`` is False (a ZerobusError), else None.
        attempts: connection attempts while the batch was in flight (1 without reconnects).
        latency_ms: from the call to the last acknowledgement, in milliseconds.
        batch_size_bytes: Arrow memory of the data sent.
        encoded_bytes: protobuf bytes of the rows that converted.
        requests_sent / requests_replayed: requests the rows were packed into; of those,
            re-sent after a reconnect.
        rows_replayed: rows sent again after reconnects (a bound on possible duplicates).
        stream_ids: the Zerobus stream ids that acknowledged the rows.
        writer_disabled: rows were only converted (writer-disabled mode).
        failed_rows: ``[(row, message)]``, ascending by row.
        row_errors: ``[(row, ZerobusError)]``, ascending by row.
        successful_rows: row indices that landed, ascending.
        total_rows, successful_count, failed_count: counts.
    """

    __slots__ = ("_r",)

    def __init__(
        self,
        success: bool,
        *,
        error: ZerobusError | str | None = None,
        attempts: int = 1,
        latency_ms: float | None = None,
        batch_size_bytes: int = 0,
        failed_rows: list[tuple[int, ZerobusError | str]] | None = None,
        successful_rows: list[int] | None = None,
        total_rows: int = 0,
        successful_count: int = 0,
        failed_count: int = 0,
    ) -> None:
        """Builds a result by hand (for tests of code that handles results)."""
        core = _core.TransmissionResult()
        core.success = success
        if error is not None:
            core.error = _status(error)
        core.attempts = attempts
        core.latency_ms = float(latency_ms or 0.0)
        core.batch_size_bytes = batch_size_bytes
        core.failed_rows = [(row, _status(message)) for row, message in failed_rows or []]
        core.successful_rows = list(successful_rows or [])
        core.total_rows = total_rows
        core.successful_count = successful_count
        core.failed_count = failed_count
        self._r = core

    @classmethod
    def _from_core(cls, core: _core.TransmissionResult) -> TransmissionResult:
        result = cls.__new__(cls)
        result._r = core
        return result

    # --- Attributes ---------------------------------------------------------------------------

    @property
    def all_rows_landed(self) -> bool:
        """Every row of the data sent is in the table: no error, no failed row, and the writer
        enabled. The check to make: ``success`` stays True when some rows failed conversion."""
        return self._r.all_rows_landed

    @property
    def success(self) -> bool:
        """Every row that could be sent was acknowledged and at least one succeeded; True
        even when some rows failed conversion (check ``all_rows_landed``)."""
        return self._r.success

    @property
    def error(self) -> ZerobusError | None:
        """Why success is False: the stream's failure, or the first row error."""
        status = self._r.error
        return None if status is None else status.to_exception()

    @property
    def attempts(self) -> int:
        """Connection attempts while the batch was in flight."""
        return self._r.attempts

    @property
    def latency_ms(self) -> float:
        """From the call to the last acknowledgement, in milliseconds."""
        return self._r.latency_ms

    @property
    def batch_size_bytes(self) -> int:
        """Arrow memory of the data sent, in bytes."""
        return self._r.batch_size_bytes

    @property
    def encoded_bytes(self) -> int:
        """Protobuf bytes of the rows that converted (what went on the wire once)."""
        return self._r.encoded_bytes

    @property
    def requests_sent(self) -> int:
        """Requests the rows were packed into."""
        return self._r.requests_sent

    @property
    def requests_replayed(self) -> int:
        """Requests re-sent after a reconnect."""
        return self._r.requests_replayed

    @property
    def rows_replayed(self) -> int:
        """Rows sent again after reconnects: an upper bound on the duplicates this send may
        have left in the table (delivery is at least once)."""
        return self._r.rows_replayed

    @property
    def stream_ids(self) -> list[str]:
        """The Zerobus stream ids that acknowledged the rows."""
        return list(self._r.stream_ids)

    @property
    def writer_disabled(self) -> bool:
        """Rows were only converted and written to debug files, not sent."""
        return self._r.writer_disabled

    @property
    def debug_error(self) -> ZerobusError | None:
        """The wrapper's first debug-file error, on the batch where it happened."""
        status = self._r.debug_error
        return None if status is None else status.to_exception()

    @property
    def failed_rows(self) -> list[tuple[int, str]]:
        """``[(row, message)]`` of the failed rows, ascending by row."""
        return [(row, str(status)) for row, status in self._r.failed_rows]

    @property
    def row_errors(self) -> list[tuple[int, ZerobusError]]:
        """``[(row, ZerobusError)]`` of the failed rows, ascending by row."""
        return [(row, status.to_exception()) for row, status in self._r.failed_rows]

    @property
    def successful_rows(self) -> list[int]:
        """Row indices that landed (or converted, writer disabled), ascending."""
        return self._r.successful_rows

    @property
    def total_rows(self) -> int:
        """Rows in the data sent."""
        return self._r.total_rows

    @property
    def successful_count(self) -> int:
        """Rows that landed."""
        return self._r.successful_count

    @property
    def failed_count(self) -> int:
        """Rows that failed."""
        return self._r.failed_count

    # --- Helpers ------------------------------------------------------------------------------

    def is_partial_success(self) -> bool:
        """success, with both succeeded and failed rows."""
        return self._r.is_partial_success()

    def has_failed_rows(self) -> bool:
        """Whether any row failed."""
        return self._r.has_failed_rows()

    def has_successful_rows(self) -> bool:
        """Whether any row succeeded."""
        return self._r.has_successful_rows()

    def get_failed_row_indices(self) -> list[int]:
        """Indices of the failed rows, ascending."""
        return self._r.get_failed_row_indices()

    def get_successful_row_indices(self) -> list[int]:
        """Indices of the successful rows, ascending."""
        return self._r.get_successful_row_indices()

    def get_failed_row_indices_by_error_type(
        self, error_type: str | type[ZerobusError]
    ) -> list[int]:
        """Failed rows whose error type is `error_type`: a name ("ConversionError") or an
        exception class (ConversionError)."""
        if isinstance(error_type, type):
            error_type = error_type.error_type
        return self._r.get_failed_row_indices_by_error_type(error_type)

    def extract_failed_batch(self, batch: Any) -> pa.RecordBatch | None:
        """The failed rows of `batch` (the data that was sent) as a pyarrow RecordBatch, in row
        order, or None when no row failed. Raises ConfigurationError when `batch` has another
        number of rows than the result."""
        if not self._r.has_failed_rows():
            return None
        return pa.record_batch(self._r.extract_failed_batch(batch))

    def failed_batch(self) -> pa.RecordBatch:
        """The failed rows, kept by the send whatever was sent (a batch, a Table, a stream):
        the data's columns (all nullable) plus ``_zerobus_row`` (the row's index in this
        result), ``_zerobus_error_type`` and ``_zerobus_error``. Zero rows when none failed.
        Only the failed rows are kept. Raises ConfigurationError for a result built by hand
        (use extract_failed_batch with the data there)."""
        return pa.record_batch(self._r.failed_batch())

    def extract_successful_batch(self, batch: Any) -> pa.RecordBatch | None:
        """The rows of `batch` that landed, as a pyarrow RecordBatch, or None when none did."""
        if not self._r.has_successful_rows():
            return None
        return pa.record_batch(self._r.extract_successful_batch(batch))

    def group_errors_by_type(self) -> dict[str, list[int]]:
        """Failed row indices per error type name ("ConversionError": [1, 5], ...)."""
        return dict(self._r.group_errors_by_type())

    def get_error_statistics(self) -> dict[str, Any]:
        """``{total_rows, successful_count, failed_count, success_rate, failure_rate,
        error_type_counts}``; the rates are fractions (0.0 to 1.0)."""
        return self._r.get_error_statistics()

    def get_error_messages(self) -> list[str]:
        """ "row N: <message>" for each failed row."""
        return self._r.get_error_messages()

    def summary(self) -> str:
        """One line: counts, bytes, requests, latency, and the error if any."""
        return self._r.summary()

    def __repr__(self) -> str:
        text = (
            f"TransmissionResult(success={self.success}, total_rows={self.total_rows}, "
            f"successful_count={self.successful_count}, failed_count={self.failed_count}, "
            f"latency_ms={self.latency_ms:.1f}"
        )
        if self._r.error is not None:
            text += f", error={self.error!r}"
        return text + ")"
