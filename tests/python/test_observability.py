"""Observability from Python: the OTLP/HTTP export, parsed with the official opentelemetry-proto
message types, carries the values the results report; collect_telemetry() serves pull mode; and
with the application's opentelemetry providers configured, spans and metrics go to them and
join the application's trace (checked in a subprocess, since providers are process-global)."""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from support import people, with_bad_rows

from arrow_zerobus_sdk_wrapper import ConfigurationError, WrapperConfiguration, ZerobusWrapper


class _Collector(http.server.ThreadingHTTPServer):
    """A loopback OTLP/HTTP receiver keeping (path, headers, body) of every POST."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def bodies(self, path: str) -> list[bytes]:
        return [body for p, _, body in self.received if p == path]


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()


def _hex_ids_to_base64(node: Any) -> None:
    """OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping of bytes expects
    base64 (the one deviation the OTLP specification makes); convert before json_format."""
    if isinstance(node, dict):
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in node:
                assert len(node[key]) in (16, 32), node[key]
                node[key] = base64.b64encode(bytes.fromhex(node[key])).decode()
        for value in node.values():
            _hex_ids_to_base64(value)
    elif isinstance(node, list):
        for value in node:
            _hex_ids_to_base64(value)


def _parse_metrics(body: bytes) -> ExportMetricsServiceRequest:
    return json_format.Parse(body, ExportMetricsServiceRequest())


def _parse_traces(body: bytes) -> ExportTraceServiceRequest:
    document = json.loads(body)
    _hex_ids_to_base64(document)
    return json_format.ParseDict(document, ExportTraceServiceRequest())


def _attributes(key_values: Any) -> dict[str, Any]:
    out = {}
    for kv in key_values:
        value = kv.value
        out[kv.key] = getattr(value, value.WhichOneof("value"))
    return out


def _sum_points(request: ExportMetricsServiceRequest, name: str) -> dict[str, int]:
    """error.type ("" for rows that landed) -> value of the metric `name`."""
    for metric in request.resource_metrics[0].scope_metrics[0].metrics:
        if metric.name == name:
            return {
                _attributes(point.attributes).get("error.type", ""): point.as_int
                for point in metric.sum.data_points
            }
    raise AssertionError(f"metric {name} missing")


def test_otlp_export_parses_with_the_official_types(
    settings: dict[str, object],
    collector: _Collector,
    table: str,
    request: pytest.FixtureRequest,
) -> None:
    wrapper = ZerobusWrapper(
        **settings,
        observability_enabled=True,
        observability_endpoint=collector.endpoint,
        observability_headers="api-key=secret-k",
        observability_export_interval_ms=3_600_000,
        observability_service_name="orders-loader",
    )
    request.addfinalizer(wrapper.shutdown_sync)
    first = wrapper.send_batch_sync(with_bad_rows())
    second = wrapper.send_batch_sync(people(7))
    wrapper.flush_sync()

    assert {p for p, _, _ in collector.received} == {"/v1/metrics", "/v1/traces"}
    for _, headers, _ in collector.received:
        assert headers["api-key"] == "secret-k"
        assert headers["Content-Type"] == "application/json"

    metrics = _parse_metrics(collector.bodies("/v1/metrics")[-1])
    resource = _attributes(metrics.resource_metrics[0].resource.attributes)
    assert resource["service.name"] == "orders-loader"
    assert metrics.resource_metrics[0].scope_metrics[0].scope.name == "arrow_zerobus"
    rows = _sum_points(metrics, "messaging.client.sent.messages")
    assert rows == {"": first.successful_count + second.successful_count, "ConversionError": 2}
    assert _sum_points(metrics, "zerobus.client.batches") == {"": 2}
    assert _sum_points(metrics, "zerobus.client.sent.bytes") == {
        "": first.encoded_bytes + second.encoded_bytes
    }
    durations = next(
        m
        for m in metrics.resource_metrics[0].scope_metrics[0].metrics
        if m.name == "messaging.client.operation.duration"
    )
    point = durations.histogram.data_points[0]
    assert point.count == 2
    assert sum(point.bucket_counts) == 2
    assert _attributes(point.attributes)["messaging.destination.name"] == table

    traces = [_parse_traces(body) for body in collector.bodies("/v1/traces")]
    spans = [s for t in traces for s in t.resource_spans[0].scope_spans[0].spans]
    roots = [s for s in spans if s.name == "zerobus.send_batch"]
    assert len(roots) == 2
    rows_per_root = sorted(_attributes(r.attributes)["zerobus.rows.succeeded"] for r in roots)
    assert rows_per_root == sorted([first.successful_count, second.successful_count])
    for root in roots:
        assert len(root.trace_id) == 16 and len(root.span_id) == 8
        children = {s.name for s in spans if s.parent_span_id == root.span_id}
        assert {"zerobus.plan", "zerobus.encode", "zerobus.transmit", "zerobus.ack_wait"} <= (
            children
        )
        assert all(s.trace_id == root.trace_id for s in spans if s.parent_span_id == root.span_id)
    # The second batch has another schema, so it opened a stream of its own.
    connects = [s for s in spans if s.name == "zerobus.connect"]
    assert len(connects) == 2
    assert {c.parent_span_id for c in connects} == {r.span_id for r in roots}

    wrapper.shutdown_sync()
    assert "secret-k" not in repr(wrapper.config) and "secret-k" not in str(
        wrapper.config.to_dict()
    )


def test_pull_mode_hands_out_spans_and_measurements_once(settings: dict[str, object]) -> None:
    with ZerobusWrapper(
        **settings, observability_enabled=True, observability_exporter="none"
    ) as wrapper:
        wrapper.send_batch_sync(people(5))
        data = wrapper.collect_telemetry()
        names = {span["name"] for span in data["spans"]}
        assert {"zerobus.send_batch", "zerobus.connect", "zerobus.encode"} <= names
        root = next(s for s in data["spans"] if s["name"] == "zerobus.send_batch")
        assert root["attributes"]["messaging.batch.message_count"] == 5
        assert root["parent_span_id"] == ""
        assert any(m[0] == "messaging.client.operation.duration" for m in data["measurements"])
        again = wrapper.collect_telemetry()
        assert again["spans"] == [] and again["measurements"] == []
        assert any(m["name"] == "zerobus.client.batches" for m in again["metrics"])


def test_observability_off_collects_nothing(wrapper: ZerobusWrapper) -> None:
    wrapper.send_batch_sync(people(2))
    data = wrapper.collect_telemetry()
    assert data["metrics"] == [] and data["spans"] == []


def test_bad_observability_settings_are_named() -> None:
    with pytest.raises(ConfigurationError, match="observability_exporter 'jaeger'"):
        WrapperConfiguration(
            "http://127.0.0.1:1",
            "main.a.b",
            zerobus_writer_disabled=True,
            debug_enabled=True,
            debug_output_dir="/tmp",
            observability_exporter="jaeger",
        ).validate()


_APP_PROVIDERS_SCRIPT = textwrap.dedent(
    """
    import json
    import pyarrow as pa
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from arrow_zerobus_sdk_wrapper import ZerobusWrapper
    from arrow_zerobus_sdk_wrapper.emulator import Emulator

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

    batch = pa.record_batch({"id": pa.array([1, 2, None], pa.int64())},
                            schema=pa.schema([pa.field("id", pa.int64(), nullable=False)]))
    with Emulator() as emu:
        wrapper = ZerobusWrapper(**emu.settings("main.app.events"), observability_enabled=True)
        with trace.get_tracer("app").start_as_current_span("app-operation") as app_span:
            result = wrapper.send_batch_sync(batch)
        wrapper.flush_sync()
        pulled = wrapper.collect_telemetry()
        wrapper.shutdown_sync()

    app = app_span.get_span_context()
    out = {"app_trace": f"{app.trace_id:032x}", "app_span": f"{app.span_id:016x}",
           "succeeded": result.successful_count, "pulled_spans": len(pulled["spans"]),
           "spans": [], "metrics": {}}
    for s in spans.get_finished_spans():
        out["spans"].append({
            "name": s.name, "trace": f"{s.context.trace_id:032x}",
            "span": f"{s.context.span_id:016x}",
            "parent": f"{s.parent.span_id:016x}" if s.parent else "",
            "error": not s.status.is_ok, "start": s.start_time, "end": s.end_time,
            "attributes": dict(s.attributes)})
    for rm in reader.get_metrics_data().resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                values = []
                for p in m.data.data_points:
                    value = getattr(p, "value", None)
                    values.append([dict(p.attributes), value if value is not None else p.count])
                out["metrics"][m.name] = values
    print(json.dumps(out))
    """
)


def test_app_providers_receive_spans_in_the_app_trace_and_metrics() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _APP_PROVIDERS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    spans = {s["name"]: s for s in out["spans"]}
    assert out["succeeded"] == 2
    assert out["pulled_spans"] == 0, "the providers own the spans"

    root = spans["zerobus.send_batch"]
    assert root["trace"] == out["app_trace"], "the send joins the application's trace"
    assert root["parent"] == out["app_span"]
    assert root["attributes"]["zerobus.rows.failed"] == 1
    for child in ("zerobus.plan", "zerobus.encode", "zerobus.transmit", "zerobus.ack_wait"):
        assert spans[child]["parent"] == root["span"], child
        assert spans[child]["trace"] == out["app_trace"], child
        assert root["start"] <= spans[child]["start"] <= spans[child]["end"] <= root["end"]
    assert spans["zerobus.connect"]["parent"] == root["span"]

    metrics = out["metrics"]
    rows = {a.get("error.type", ""): v for a, v in metrics["messaging.client.sent.messages"]}
    assert rows == {"": 2, "ConversionError": 1}
    assert [v for _, v in metrics["zerobus.client.batches"]] == [1]
    histogram_counts = [v for _, v in metrics["messaging.client.operation.duration"]]
    assert histogram_counts == [1]
