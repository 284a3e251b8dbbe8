// ZerobusWrapper with observability on, against the emulator: the metrics count what the
// results say, the span tree of each batch is complete and joins the caller's trace, the stream
// metrics see replays, reconnects, retries and tokens, and the OTLP exporter posts to a loopback
// collector, which may be down or hang without costing a send anything.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "arrow_zerobus/wrapper.h"
#include "testing/emulator_fixture.h"
#include "testing/wrapper_fixture.h"

namespace arrow_zerobus::testing {
namespace {

using emulator::FaultScript;
using emulator::StreamEvent;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

WrapperConfiguration PullConfig(const emulator::Emulator& emu) {
  WrapperConfiguration config = WrapperConfigFor(emu);
  config.observability_enabled = true;
  config.observability_exporter = "none";
  return config;
}

const MetricData* FindMetric(const TelemetryData& data, const std::string& name) {
  for (const MetricData& metric : data.metrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

std::string Attribute(const MetricPoint& point, const std::string& key) {
  for (const auto& [k, v] : point.attributes) {
    if (k == key) return v;
  }
  return "";
}

/// The sum of `name` for the point whose error.type is `error_type` ("" for none).
int64_t SumValue(const TelemetryData& data, const std::string& name,
                 const std::string& error_type = "") {
  const MetricData* metric = FindMetric(data, name);
  if (metric == nullptr) return -1;
  for (const MetricPoint& point : metric->points) {
    if (Attribute(point, "error.type") == error_type) return point.value;
  }
  return 0;
}

std::map<std::string, std::vector<const SpanData*>> ByName(const std::vector<SpanData>& spans) {
  std::map<std::string, std::vector<const SpanData*>> by_name;
  for (const SpanData& span : spans) by_name[span.name].push_back(&span);
  return by_name;
}

const AttributeValue* SpanAttribute(const SpanData& span, const std::string& key) {
  for (const auto& [k, v] : span.attributes) {
    if (k == key) return &v;
  }
  return nullptr;
}

TEST(WrapperTelemetryTest, OffByDefaultAndCollectsNothing) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(WrapperConfigFor(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  EXPECT_TRUE((*wrapper)->send_batch(EventsBatch(0, 10)).success);
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_TRUE(data.metrics.empty());
  EXPECT_TRUE(data.spans.empty());
  EXPECT_EQ(emu->state().LastCaller(kTestTable).traceparent, "") << "no trace, no traceparent";
}

TEST(WrapperTelemetryTest, MetricsCountWhatTheResultsSay) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(PullConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult first = (*wrapper)->send_batch(EventsBatch(0, 100, {3, 50}));
  TransmissionResult second = (*wrapper)->send_batch(EventsBatch(100, 40));
  ASSERT_TRUE(first.success && second.success);

  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages"), 138);
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages", "ConversionError"), 2);
  EXPECT_EQ(SumValue(data, "zerobus.client.batches"), 2);
  EXPECT_EQ(SumValue(data, "zerobus.client.sent.bytes"),
            first.encoded_bytes + second.encoded_bytes);
  EXPECT_EQ(SumValue(data, "zerobus.client.requests"), first.requests_sent + second.requests_sent);
  EXPECT_EQ(SumValue(data, "zerobus.client.requests.replayed"), 0);
  EXPECT_EQ(SumValue(data, "zerobus.client.inflight.requests"), 0);
  EXPECT_EQ(SumValue(data, "zerobus.client.inflight.bytes"), 0);
  EXPECT_EQ(SumValue(data, "zerobus.client.token.refreshes"), 1);
  EXPECT_EQ(SumValue(data, "zerobus.client.reconnects"), 0);

  const MetricData* duration = FindMetric(data, "messaging.client.operation.duration");
  ASSERT_NE(duration, nullptr);
  ASSERT_FALSE(duration->points.empty());
  EXPECT_EQ(duration->points[0].count, 2u);
  EXPECT_EQ(Attribute(duration->points[0], "messaging.destination.name"), kTestTable);
  EXPECT_EQ(Attribute(duration->points[0], "messaging.system"), "databricks_zerobus");
  const MetricData* acks = FindMetric(data, "zerobus.client.ack.duration");
  ASSERT_NE(acks, nullptr);
  EXPECT_EQ(acks->points[0].count,
            static_cast<uint64_t>(first.requests_sent + second.requests_sent));

  // Histogram measurements, one per batch and per request, for replay into another SDK.
  int batch_measurements = 0;
  for (const Measurement& measurement : data.measurements) {
    if (measurement.metric == "messaging.client.operation.duration") ++batch_measurements;
  }
  EXPECT_EQ(batch_measurements, 2);
  EXPECT_TRUE((*wrapper)->collect_telemetry().measurements.empty()) << "handed out once";
}

TEST(WrapperTelemetryTest, EachBatchHasACompleteSpanTree) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(PullConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 20, {7}));
  ASSERT_TRUE(result.success);
  std::vector<SpanData> spans = (*wrapper)->collect_telemetry().spans;
  auto by_name = ByName(spans);
  ASSERT_EQ(by_name["zerobus.send_batch"].size(), 1u);
  const SpanData& root = *by_name["zerobus.send_batch"][0];
  EXPECT_EQ(root.parent_span_id, SpanId{});
  EXPECT_EQ(root.kind, SpanData::Kind::kProducer);
  EXPECT_EQ(std::get<int64_t>(*SpanAttribute(root, "messaging.batch.message_count")), 20);
  EXPECT_EQ(std::get<int64_t>(*SpanAttribute(root, "zerobus.rows.succeeded")), 19);
  EXPECT_EQ(std::get<int64_t>(*SpanAttribute(root, "zerobus.rows.failed")), 1);
  EXPECT_EQ(std::get<int64_t>(*SpanAttribute(root, "zerobus.attempts")), 1);
  EXPECT_EQ(std::get<std::string>(*SpanAttribute(root, "zerobus.stream_id")),
            result.stream_ids.at(0));
  for (const char* child : {"zerobus.plan", "zerobus.encode", "zerobus.transmit",
                            "zerobus.ack_wait", "zerobus.connect"}) {
    ASSERT_EQ(by_name[child].size(), 1u) << child;
    const SpanData& span = *by_name[child][0];
    EXPECT_EQ(span.context.trace_id, root.context.trace_id) << child;
    EXPECT_EQ(span.parent_span_id, root.context.span_id) << child;
    EXPECT_GE(span.start_unix_ns, root.start_unix_ns) << child;
    EXPECT_LE(span.end_unix_ns, root.end_unix_ns) << child;
  }
  EXPECT_EQ(by_name.count("zerobus.debug_write"), 0u) << "no debug output configured";
  const SpanData& connect = *by_name["zerobus.connect"][0];
  EXPECT_EQ(std::get<std::string>(*SpanAttribute(connect, "zerobus.stream_id")),
            result.stream_ids.at(0));
  // The connection told the server its span: a server-side trace can join.
  EXPECT_EQ(emu->state().LastCaller(kTestTable).traceparent, connect.context.traceparent());

  // The next batch reuses the stream: no connect span.
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(20, 5)).success);
  EXPECT_EQ(ByName((*wrapper)->collect_telemetry().spans).count("zerobus.connect"), 0u);
}

TEST(WrapperTelemetryTest, ArrowFormatHasTheSameSpansMetricsAndTraceparent) {
  auto emu = StartEmulator();
  WrapperConfiguration config = PullConfig(*emu);
  config.wire_format = WireFormat::kArrow;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 20, {7}));
  ASSERT_TRUE(result.success) << result.Summary();
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages"), 19);
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages", "ConversionError"), 1);
  EXPECT_EQ(SumValue(data, "zerobus.client.requests"), result.requests_sent);
  EXPECT_EQ(SumValue(data, "zerobus.client.inflight.requests"), 0);
  auto by_name = ByName(data.spans);
  const SpanData& root = *by_name["zerobus.send_batch"].at(0);
  for (const char* child : {"zerobus.plan", "zerobus.encode", "zerobus.transmit",
                            "zerobus.ack_wait", "zerobus.connect"}) {
    ASSERT_EQ(by_name[child].size(), 1u) << child;
    EXPECT_EQ(by_name[child][0]->parent_span_id, root.context.span_id) << child;
  }
  EXPECT_EQ(emu->state().LastCaller(kTestTable).traceparent,
            by_name["zerobus.connect"][0]->context.traceparent());
}

TEST(WrapperTelemetryTest, SendJoinsTheCallersTrace) {
  auto emu = StartEmulator();
  auto wrapper = ZerobusWrapper::Create(PullConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  SpanContext caller =
      SpanContext::FromTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE((*wrapper)->send_batch_async(EventsBatch(0, 5), nullptr, caller).get().success);
  auto spans = (*wrapper)->collect_telemetry().spans;
  auto by_name = ByName(spans);
  const SpanData& root = *by_name["zerobus.send_batch"].at(0);
  EXPECT_EQ(root.context.trace_id, caller.trace_id);
  EXPECT_EQ(root.parent_span_id, caller.span_id);
  for (const SpanData& span : spans) EXPECT_EQ(span.context.trace_id, caller.trace_id);
}

TEST(WrapperTelemetryTest, FailedBatchMarksItsSpansAndCountsRowsByKind) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_faults = {{StatusCode::kNotFound, "Table not found", {}}};
  emu->SetFaultScript(kTestTable, script);
  auto wrapper = ZerobusWrapper::Create(PullConfig(*emu));
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 10));
  ASSERT_FALSE(result.success);
  const std::string kind(ErrorKindName(result.error.kind()));
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages"), 0);
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages", kind), 10);
  const MetricData* duration = FindMetric(data, "messaging.client.operation.duration");
  bool failed_point = false;
  for (const MetricPoint& point : duration->points) {
    if (Attribute(point, "error.type") == kind) failed_point = point.count == 1;
  }
  EXPECT_TRUE(failed_point) << "send_batch duration recorded under error.type " << kind;
  auto by_name = ByName(data.spans);
  const SpanData& root = *by_name["zerobus.send_batch"].at(0);
  EXPECT_EQ(root.status, SpanData::Status::kError);
  EXPECT_THAT(root.status_message, HasSubstr("Table not found"));
  const SpanData& connect = *by_name["zerobus.connect"].at(0);
  EXPECT_EQ(connect.status, SpanData::Status::kError);
}

TEST(WrapperTelemetryTest, StreamMetricsSeeReplaysReconnectsAndRetries) {
  auto emu = StartEmulator();
  FaultScript script;
  script.create_faults = {{StatusCode::kOk, "", {}}, {StatusCode::kUnavailable, "busy", {}}};
  script.events = {FaultEvent(StreamEvent::Kind::kKill, 3)};
  emu->SetFaultScript(kTestTable, script);
  WrapperConfiguration config = PullConfig(*emu);
  config.max_request_bytes = 1024;
  config.max_record_bytes = 512;
  config.max_inflight_requests = 4;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  TransmissionResult result = (*wrapper)->send_batch(EventsBatch(0, 500));
  ASSERT_TRUE(result.success) << result.Summary();
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "zerobus.client.reconnects"), 1);
  EXPECT_EQ(SumValue(data, "zerobus.client.connect.retries"), 1);
  EXPECT_EQ(SumValue(data, "zerobus.client.requests.replayed"), result.requests_replayed);
  EXPECT_GE(result.requests_replayed, 1);
  EXPECT_EQ(SumValue(data, "zerobus.client.requests"),
            result.requests_sent + result.requests_replayed);
  EXPECT_EQ(SumValue(data, "zerobus.client.inflight.requests"), 0);
  // Reconnects are traced as new traces that say why.
  int reconnect_spans = 0;
  for (const SpanData& span : data.spans) {
    if (span.name == "zerobus.connect" && SpanAttribute(span, "zerobus.reconnect.reason")) {
      ++reconnect_spans;
      EXPECT_EQ(span.parent_span_id, SpanId{});
    }
  }
  EXPECT_EQ(reconnect_spans, 2) << "one refused attempt, one that worked";
}

TEST(WrapperTelemetryTest, DebugWriteAndWriterDisabledAreTraced) {
  auto dir =
      std::filesystem::temp_directory_path() / ("telemetry-debug-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  WrapperConfiguration config("", "main.default.events");
  config.zerobus_writer_disabled = true;
  config.with_debug_output(dir);
  config.observability_enabled = true;
  config.observability_exporter = "none";
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(0, 10)).success);
  auto data = (*wrapper)->collect_telemetry();
  auto by_name = ByName(data.spans);
  EXPECT_EQ(by_name["zerobus.debug_write"].size(), 1u);
  EXPECT_EQ(by_name.count("zerobus.transmit"), 0u);
  EXPECT_EQ(std::get<bool>(
                *SpanAttribute(*by_name["zerobus.send_batch"].at(0), "zerobus.writer_disabled")),
            true);
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages"), 10);
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  std::filesystem::remove_all(dir);
}

/// A loopback port nothing listens on: connections to it are refused at once.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// A loopback OTLP/HTTP collector that keeps every request it gets.
class Collector {
 public:
  explicit Collector(std::chrono::milliseconds delay = {}) : delay_(delay) {
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back({request.path, request.body, request.get_header_value("api-key"),
                           request.get_header_value("Content-Type")});
      response.set_content("{}", "application/json");
    };
    server_.Post("/v1/metrics", handler);
    server_.Post("/v1/traces", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Collector() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  struct Request {
    std::string path, body, api_key, content_type;
  };
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::chrono::milliseconds delay_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Request> requests_;
};

TEST(WrapperTelemetryTest, OtlpExportPostsJsonWithHeadersAtFlush) {
  auto emu = StartEmulator();
  Collector collector;
  WrapperConfiguration config = WrapperConfigFor(*emu);
  config.with_observability(collector.endpoint());
  config.observability_headers = SecretString("api-key=k-123");
  config.observability_export_interval_ms = 3600 * 1000;  // only flush and shutdown export
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(0, 30)).success);
  ASSERT_TRUE((*wrapper)->flush().ok());

  std::vector<Collector::Request> requests = collector.requests();
  std::map<std::string, nlohmann::json> bodies;
  for (const auto& request : requests) {
    EXPECT_EQ(request.api_key, "k-123");
    EXPECT_EQ(request.content_type, "application/json");
    bodies[request.path] = nlohmann::json::parse(request.body);
  }
  ASSERT_EQ(bodies.count("/v1/metrics"), 1u);
  ASSERT_EQ(bodies.count("/v1/traces"), 1u);
  const auto& spans = bodies["/v1/traces"]["resourceSpans"][0]["scopeSpans"][0]["spans"];
  std::vector<std::string> names;
  for (const auto& span : spans) names.push_back(span["name"]);
  EXPECT_THAT(names,
              UnorderedElementsAre("zerobus.send_batch", "zerobus.plan", "zerobus.encode",
                                   "zerobus.transmit", "zerobus.ack_wait", "zerobus.connect"));
  // In OTLP mode the exporter owns the spans: collect_telemetry() gives metrics only.
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_FALSE(data.metrics.empty());
  EXPECT_TRUE(data.spans.empty());

  // Shutdown exports once more.
  ASSERT_TRUE((*wrapper)->shutdown().ok());
  EXPECT_GT(collector.requests().size(), requests.size());
}

TEST(WrapperTelemetryTest, PeriodicExportRunsOnItsInterval) {
  auto emu = StartEmulator();
  Collector collector;
  WrapperConfiguration config = WrapperConfigFor(*emu);
  config.with_observability(collector.endpoint());
  config.observability_export_interval_ms = 50;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(0, 3)).success);
  EXPECT_TRUE(WaitUntil([&] {
    int metric_posts = 0;
    for (const auto& request : collector.requests()) metric_posts += request.path == "/v1/metrics";
    return metric_posts >= 3;
  })) << "three metric exports without any flush";
}

TEST(WrapperTelemetryTest, AFullBatchOfSpansIsExportedBeforeTheInterval) {
  auto emu = StartEmulator();
  Collector collector;
  WrapperConfiguration config = WrapperConfigFor(*emu);
  config.with_observability(collector.endpoint());
  config.observability_export_interval_ms = 3600 * 1000;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  // Five spans per batch after the first: 120 batches queue more than one export's 512 spans.
  for (int i = 0; i < 120; ++i) ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(i, 1)).success);
  EXPECT_TRUE(WaitUntil([&] {
    for (const auto& request : collector.requests()) {
      if (request.path == "/v1/traces") return true;
    }
    return false;
  })) << "no trace export although a full batch of spans was queued";
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "zerobus.telemetry.spans.dropped"), 0);
}

TEST(WrapperTelemetryTest, CollectorDownNeverFailsASendAndIsCounted) {
  auto emu = StartEmulator();
  const int closed_port = ClosedPort();
  WrapperConfiguration config = WrapperConfigFor(*emu);
  config.with_observability("http://127.0.0.1:" + std::to_string(closed_port));
  config.observability_export_interval_ms = 3600 * 1000;
  config.observability_max_queued_spans = 8;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  for (int i = 0; i < 5; ++i) {
    TransmissionResult result = (*wrapper)->send_batch(EventsBatch(i * 10, 10));
    EXPECT_TRUE(result.success) << result.Summary();
  }
  EXPECT_TRUE((*wrapper)->flush().ok()) << "an export failure never fails a flush";
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_GE(SumValue(data, "zerobus.telemetry.exports.failed"), 2);
  // 5 batches of 5-6 spans each into a queue of 8: the rest were dropped, and the 8 queued
  // were dropped when their export failed.
  EXPECT_GE(SumValue(data, "zerobus.telemetry.spans.dropped"), 5 * 5);
  EXPECT_EQ(SumValue(data, "messaging.client.sent.messages"), 50);
}

TEST(WrapperTelemetryTest, HangingCollectorDoesNotHoldUpSends) {
  auto emu = StartEmulator();
  Collector collector(std::chrono::milliseconds(1000));
  WrapperConfiguration config = WrapperConfigFor(*emu);
  config.with_observability(collector.endpoint());
  config.observability_export_interval_ms = 10;
  config.observability_export_timeout_ms = 5000;
  auto wrapper = ZerobusWrapper::Create(config);
  ASSERT_TRUE(wrapper.ok()) << wrapper.status();
  // The exporter thread is stuck in its first export for 1 s; sends go on regardless and
  // their spans queue up.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the first export has begun
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*wrapper)->send_batch(EventsBatch(i * 10, 10)).success);
  }
  TelemetryData data = (*wrapper)->collect_telemetry();
  EXPECT_EQ(SumValue(data, "zerobus.client.batches"), 20);
}

}  // namespace
}  // namespace arrow_zerobus::testing
