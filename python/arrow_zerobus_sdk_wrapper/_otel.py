"""Routes a wrapper's telemetry into the application's opentelemetry providers.

When observability is on and the application has configured opentelemetry (a TracerProvider or
MeterProvider set globally, not the API's default proxies), the C++ core keeps its telemetry
for collection instead of exporting it, and a :class:`TelemetryBridge` moves it, every export
interval and at flush and shutdown, into the application's providers:

* spans are re-created with the application's tracer, with their original times, attributes
  and status, as children of the span that was current when ``send_batch`` was called (so they
  join the application's trace);
* counters and up-down counters become observable instruments of one shared meter, reporting
  the cumulative values of every open wrapper;
* histogram measurements are recorded one by one into histogram instruments.

The C++ side aggregates everything; Python only runs on the bridge's own thread, never per row.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from typing import Any

from . import _core

_SCOPE = "arrow_zerobus"
_DEFAULT_INTERVAL_MS = 5000
# C++ span ids kept to parent later spans (a batch's spans arrive within one or two drains).
_KNOWN_SPANS = 4096
# Spans kept waiting for a parent that has not arrived yet, at most.
_MAX_WAITING = 10000
_DEFAULT_PROVIDERS = {
    "ProxyTracerProvider",
    "NoOpTracerProvider",
    "_ProxyMeterProvider",
    "NoOpMeterProvider",
}


def app_providers_configured() -> bool:
    """Whether the opentelemetry API is installed and the application set a provider."""
    try:
        from opentelemetry import metrics, trace
    except ImportError:
        return False
    providers = (trace.get_tracer_provider(), metrics.get_meter_provider())
    return any(type(provider).__name__ not in _DEFAULT_PROVIDERS for provider in providers)


def current_traceparent() -> str:
    """The W3C traceparent of the application's current span, or "" when there is none."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return ""
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-01"


def export_interval_seconds(config_interval_ms: int | None) -> float:
    """The bridge's period: the setting, else OTEL_METRIC_EXPORT_INTERVAL, else 5 s."""
    if config_interval_ms is not None:
        return config_interval_ms / 1000
    text = os.environ.get("OTEL_METRIC_EXPORT_INTERVAL", "").strip()
    try:
        return int(text) / 1000 if text and int(text) > 0 else _DEFAULT_INTERVAL_MS / 1000
    except ValueError:
        return _DEFAULT_INTERVAL_MS / 1000


class _Instruments:
    """The process's instruments, created on first sight of each metric, shared by bridges."""

    def __init__(self) -> None:
        from opentelemetry import metrics

        self._meter = metrics.get_meter(_SCOPE, _core.__version__)
        self._lock = threading.Lock()
        self._observed: set[str] = set()
        self._histograms: dict[str, Any] = {}
        self.bridges: weakref.WeakSet[TelemetryBridge] = weakref.WeakSet()

    def declare(self, metric: dict[str, Any]) -> None:
        name = metric["name"]
        with self._lock:
            if metric["kind"] == "histogram":
                if name not in self._histograms:
                    self._histograms[name] = self._meter.create_histogram(
                        name, unit=metric["unit"], description=metric["description"]
                    )
                return
            if name in self._observed:
                return
            self._observed.add(name)
        create = (
            self._meter.create_observable_counter
            if metric["kind"] == "counter"
            else self._meter.create_observable_up_down_counter
        )
        create(
            name,
            callbacks=[lambda options, name=name: self._observe(name)],
            unit=metric["unit"],
            description=metric["description"],
        )

    def record(self, name: str, value: float, attributes: dict[str, str]) -> None:
        histogram = self._histograms.get(name)
        if histogram is not None:
            histogram.record(value, attributes)

    def _observe(self, name: str) -> list[Any]:
        from opentelemetry.metrics import Observation

        # Wrappers of one table report under the same attributes: their values add up.
        totals: dict[tuple[tuple[str, str], ...], int] = {}
        for bridge in list(self.bridges):
            for point in bridge.latest_points(name):
                key = tuple(sorted(point["attributes"].items()))
                totals[key] = totals.get(key, 0) + point["value"]
        return [Observation(value, dict(key)) for key, value in totals.items()]


_instruments: _Instruments | None = None
_instruments_lock = threading.Lock()


def _shared_instruments() -> _Instruments:
    global _instruments
    with _instruments_lock:
        if _instruments is None:
            _instruments = _Instruments()
        return _instruments


class TelemetryBridge:
    """Moves one wrapper's telemetry into the application's providers (see the module doc)."""

    def __init__(self, core: Any, interval_seconds: float) -> None:
        from opentelemetry import trace

        self._core = core
        self._tracer = trace.get_tracer(_SCOPE, _core.__version__)
        self._instruments = _shared_instruments()
        self._instruments.bridges.add(self)
        self._lock = threading.Lock()
        self._metrics: dict[str, list[dict[str, Any]]] = {}
        self._contexts: OrderedDict[str, Any] = OrderedDict()
        self._waiting: list[dict[str, Any]] = []
        self._stop = threading.Event()
        # The thread holds only a weak reference, so a wrapper dropped without shutdown() is
        # still destroyed (and shut down) as usual.
        self._thread = threading.Thread(
            target=_drain_periodically,
            args=(weakref.ref(self), self._stop, interval_seconds),
            name="arrow-zerobus-otel-bridge",
            daemon=True,
        )
        self._thread.start()

    def latest_points(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return self._metrics.get(name, [])

    def drain(self, *, final: bool = False) -> None:
        """Takes what the core collected and hands it to the providers."""
        data = self._core.collect_telemetry()
        with self._lock:
            for metric in data["metrics"]:
                self._instruments.declare(metric)
                if metric["kind"] != "histogram":
                    self._metrics[metric["name"]] = metric["points"]
            for name, value, attributes in data["measurements"]:
                self._instruments.record(name, value, attributes)
            self._publish(data["spans"], final)

    def close(self) -> None:
        """Stops the thread after a last drain (the wrapper was shut down)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        self.drain(final=True)

    # --- Spans ---------------------------------------------------------------------------------

    def _publish(self, spans: list[dict[str, Any]], final: bool) -> None:
        queue = self._waiting + spans
        self._waiting = []
        progress = True
        while queue and progress:
            progress = False
            later = []
            for span in queue:
                parent = self._parent_context(span)
                if parent is _WAIT:
                    later.append(span)
                    continue
                self._emit(span, parent)
                progress = True
            queue = later
        if final or len(queue) > _MAX_WAITING:
            for span in queue:  # their parent never came: keep the C++ ids as the parent
                self._emit(span, _remote_parent(span["trace_id"], span["parent_span_id"]))
            queue = []
        self._waiting = queue

    def _parent_context(self, span: dict[str, Any]) -> Any:
        parent_id = span["parent_span_id"]
        if not parent_id:
            return None
        if span["name"] == "zerobus.send_batch":  # its parent is the application's span
            return _remote_parent(span["trace_id"], parent_id)
        return self._contexts.get(parent_id, _WAIT)

    def _emit(self, span: dict[str, Any], parent: Any) -> None:
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        kind = {
            "internal": SpanKind.INTERNAL,
            "client": SpanKind.CLIENT,
            "producer": SpanKind.PRODUCER,
        }[span["kind"]]
        created = self._tracer.start_span(
            span["name"],
            context=parent,
            kind=kind,
            attributes=span["attributes"],
            start_time=span["start_unix_ns"],
        )
        if span["error"]:
            created.set_status(Status(StatusCode.ERROR, span["status_message"]))
        created.end(end_time=span["end_unix_ns"])
        self._contexts[span["span_id"]] = trace.set_span_in_context(created)
        if len(self._contexts) > _KNOWN_SPANS:
            self._contexts.popitem(last=False)


_WAIT = object()


def _drain_periodically(
    bridge_ref: weakref.ref[TelemetryBridge], stop: threading.Event, interval: float
) -> None:
    while not stop.wait(interval):
        bridge = bridge_ref()
        if bridge is None:
            return
        try:
            bridge.drain()
        except Exception:  # a failing provider: try again at the next interval
            pass
        del bridge


def _remote_parent(trace_id: str, span_id: str) -> Any:
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

    context = SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int(span_id, 16),
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(context))
