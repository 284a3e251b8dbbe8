"""ZerobusWrapper: sends Arrow data to one Delta table through Zerobus Ingest.

Two ways to call it, one object:

* asyncio: ``await wrapper.send_batch(batch)``, ``await wrapper.flush()``,
  ``await wrapper.shutdown()`` and ``async with ZerobusWrapper(...) as wrapper:``;
* blocking: ``send_batch_sync``, ``flush_sync``, ``shutdown_sync`` and
  ``with ZerobusWrapper(...) as wrapper:``.

Both kinds may be mixed and used from any number of tasks and threads at once. The GIL is
released while data is converted, sent and waited for, so other Python threads keep running.
"""

from __future__ import annotations

import asyncio
import atexit
import weakref
from typing import TYPE_CHECKING, Any

from . import _core, _otel
from .config import WrapperConfiguration
from .errors import ConfigurationError, ZerobusError
from .result import TransmissionResult

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ZerobusWrapper"]

# Wrappers still open at interpreter exit are shut down then (debug files closed, rows sent),
# before the interpreter stops letting C++ threads call into Python.
_open_wrappers: weakref.WeakSet[ZerobusWrapper] = weakref.WeakSet()


@atexit.register
def _shutdown_open_wrappers() -> None:
    for wrapper in list(_open_wrappers):
        try:
            wrapper.shutdown_sync()
        except Exception:  # nothing to report to at exit
            pass


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class ZerobusWrapper:
    """Sends Arrow data to one Delta table and reports, for every row, whether it landed.

    ``ZerobusWrapper(config)`` takes a :class:`WrapperConfiguration`; ``ZerobusWrapper(endpoint=
    ..., table_name=..., client_id=..., client_secret=..., unity_catalog_url=..., ...)`` takes
    every setting as a keyword (both together: the keywords override the configuration). The
    configuration is validated here (ConfigurationError lists every problem); no connection
    is opened until the first batch with rows is sent.

    Data accepted by every send: a pyarrow RecordBatch, Table or RecordBatchReader, a polars
    DataFrame, or any object implementing ``__arrow_c_stream__`` or ``__arrow_c_array__``
    (the Arrow PyCapsule interface). It is read in place, without a copy.
    """

    def __init__(self, config: WrapperConfiguration | None = None, /, **settings: Any) -> None:
        if config is None:
            config = WrapperConfiguration(**settings)
        elif not isinstance(config, WrapperConfiguration):
            raise TypeError(
                f"ZerobusWrapper() takes a WrapperConfiguration or keywords, not "
                f"{type(config).__name__}"
            )
        elif settings:
            config = config.copy(**settings)
        self._config = config
        # With the application's opentelemetry providers set, telemetry goes to them (see
        # _otel.py) instead of the core's own OTLP exporter.
        bridged = (
            config.observability_enabled
            and config.observability_exporter == "otlp"
            and _otel.app_providers_configured()
        )
        effective = config.copy(observability_exporter="none") if bridged else config
        self._core = _core.Wrapper(effective._config)
        self._bridge = (
            _otel.TelemetryBridge(
                self._core, _otel.export_interval_seconds(config.observability_export_interval_ms)
            )
            if bridged
            else None
        )
        self._table = config.table_name
        self._shutdown_error: ZerobusError | None = None
        _open_wrappers.add(self)

    # --- asyncio ------------------------------------------------------------------------------

    async def send_batch(self, batch: Any) -> TransmissionResult:
        """Sends `batch` and returns once every row is acknowledged or failed.

        Never raises for transmission problems: they are in the result (check
        ``result.all_rows_landed``; ``result.failed_batch()`` gives the failed rows). Raises
        TypeError for data it cannot read, ConfigurationError for data whose schema cannot be
        sent (an unsupported column type, named with its type, before any row is read) and
        after shutdown. Cancelling the awaiting task gives up the rows not yet handed to the
        stream; rows already sent still land.
        """
        self._check_open()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()

        def on_done() -> None:  # on a wrapper thread, with the GIL
            try:
                loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass

        pending = self._core.submit(batch, on_done, self._traceparent())
        try:
            await waiter
        except asyncio.CancelledError:
            pending.cancel()
            raise
        return TransmissionResult._from_core(pending.result())

    async def flush(self) -> None:
        """Waits until every batch sent before the call is acknowledged or failed, then flushes
        the debug files (readable by pyarrow and DuckDB afterwards)."""
        await asyncio.to_thread(self.flush_sync)

    async def shutdown(self) -> ZerobusError | None:
        """Flushes, closes the stream and the debug files. Calling it again does nothing; later
        sends raise ConfigurationError.

        Returns the error of closing the stream or the debug files (None when all went well)
        instead of raising it: the rows it concerns were reported in their results already."""
        return await asyncio.to_thread(self.shutdown_sync)

    async def __aenter__(self) -> ZerobusWrapper:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    # --- Blocking -----------------------------------------------------------------------------

    def send_batch_sync(self, batch: Any) -> TransmissionResult:
        """``send_batch`` for code without an event loop: blocks (without the GIL) until the
        result is known. Ctrl-C raises KeyboardInterrupt and cancels what can be cancelled."""
        self._check_open()
        return TransmissionResult._from_core(self._core.send(batch, self._traceparent()))

    def flush_sync(self) -> None:
        """Blocking ``flush``."""
        self._core.flush()
        if self._bridge is not None:
            self._bridge.drain()

    def shutdown_sync(self) -> ZerobusError | None:
        """Blocking ``shutdown``."""
        if not self._core.shut_down:
            status = self._core.shutdown()
            self._shutdown_error = None if status is None else status.to_exception()
            if self._bridge is not None:
                self._bridge.close()
        _open_wrappers.discard(self)
        return self._shutdown_error

    def __enter__(self) -> ZerobusWrapper:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown_sync()

    # --- State --------------------------------------------------------------------------------

    @property
    def config(self) -> WrapperConfiguration:
        """A copy of the configuration in use."""
        return self._config.copy()

    @property
    def table_name(self) -> str:
        """The table this wrapper writes to."""
        return self._table

    @property
    def is_shut_down(self) -> bool:
        """Whether shutdown() was called."""
        return self._core.shut_down

    def open_streams(self, schema: pa.Schema) -> list[dict[str, Any]]:
        """delivery="exactly_once": opens the streams for batches of `schema` now instead of with
        the first send, and returns them as stats()["streams"] does. With resume_stream_ids they
        are the streams resumed, and each one's last_acked_offset is the offset it continues
        after (what landed before). Only before the first send."""
        return self._core.open_streams(schema.empty_table())

    def stats(self) -> dict[str, Any]:
        """Totals since creation: batches, rows_succeeded, rows_failed, encoded_bytes,
        requests_sent, requests_replayed, streams_opened; and ``streams``, one dict per open
        stream (lane, stream_id, requests_sent, requests_acked, records_acked, bytes_acked,
        records_replayed, reconnects, last_acked_offset, resumes, requests_committed_on_resume;
        the last two count with delivery="exactly_once")."""
        return self._core.stats()

    def debug_status(self) -> ZerobusError | None:
        """The first debug-file error since creation (debug errors never fail a send)."""
        status = self._core.debug_status()
        return None if status is None else status.to_exception()

    def collect_telemetry(self) -> dict[str, Any]:
        """With observability on: the metrics now and, with ``observability_exporter="none"``,
        the spans and histogram measurements since the previous call (docs/observability.md).

        A dict: ``metrics`` (each with name, unit, kind, points), ``spans`` (name, trace_id,
        span_id, parent_span_id as hex, start/end in Unix ns, attributes, error,
        status_message), ``measurements`` ((metric, value, attributes) tuples),
        ``spans_dropped``, ``measurements_dropped``. Empty lists when observability is off.
        When the application's opentelemetry providers receive the telemetry, they own the
        spans: collect them there."""
        return self._core.collect_telemetry()

    def _traceparent(self) -> str:
        return _otel.current_traceparent() if self._bridge is not None else ""

    def _check_open(self) -> None:
        if self._core.shut_down:
            raise ConfigurationError(
                f"the wrapper for table {self._table} is shut down; create a new one",
                code="FAILED_PRECONDITION",
            )

    def __repr__(self) -> str:
        state = "shut down" if self._core.shut_down else "open"
        return (
            f"<ZerobusWrapper table_name={self._table!r} "
            f"endpoint={self._config.zerobus_endpoint!r} {state}>"
        )
