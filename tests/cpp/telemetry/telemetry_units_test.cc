// The telemetry layer's parts on their own: histogram buckets, trace context text, the header
// list grammar, how settings and OTEL_* variables combine, and the OTLP/JSON bodies.
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arrow_zerobus/telemetry.h"
#include "telemetry/atomic_histogram.h"
#include "telemetry/instruments.h"
#include "telemetry/json_writer.h"
#include "telemetry/otlp_json.h"
#include "telemetry/telemetry_settings.h"
#include "telemetry/tracer.h"
#include "wrapper/telemetry_resolution.h"

namespace arrow_zerobus::telemetry {
namespace {

using ::arrow_zerobus::internal::ResolveTelemetrySettings;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

EnvironmentLookup Env(std::map<std::string, std::string> variables) {
  return [variables](const char* name) {
    auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  };
}

WrapperConfiguration Enabled() {
  WrapperConfiguration config;
  config.observability_enabled = true;
  return config;
}

TEST(AtomicHistogramTest, BucketsAreUpperInclusive) {
  AtomicHistogram histogram({1.0, 2.0});
  for (double value : {0.5, 1.0, 1.5, 2.0, 3.0, 7.0}) histogram.Record(value);
  MetricPoint point = histogram.Snapshot();
  EXPECT_THAT(point.bucket_counts, ElementsAre(2u, 2u, 2u));
  EXPECT_EQ(point.count, 6u);
  EXPECT_DOUBLE_EQ(point.sum, 15.0);
  EXPECT_DOUBLE_EQ(point.min, 0.5);
  EXPECT_DOUBLE_EQ(point.max, 7.0);
}

TEST(AtomicHistogramTest, ConcurrentRecordsAreAllCounted) {
  AtomicHistogram histogram(DurationBoundsSeconds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < 10000; ++i) histogram.Record(0.001 * (t + 1));
    });
  }
  for (auto& thread : threads) thread.join();
  MetricPoint point = histogram.Snapshot();
  EXPECT_EQ(point.count, 40000u);
  EXPECT_NEAR(point.sum, 10000 * (0.001 + 0.002 + 0.003 + 0.004), 1e-6);
  EXPECT_DOUBLE_EQ(point.min, 0.001);
  EXPECT_DOUBLE_EQ(point.max, 0.004);
}

TEST(SpanContextTest, TraceparentRoundTrips) {
  SpanContext context = Tracer::NewContext({});
  ASSERT_TRUE(context.valid());
  const std::string header = context.traceparent();
  EXPECT_EQ(header.size(), 55u);
  EXPECT_EQ(header.substr(0, 3), "00-");
  EXPECT_EQ(header.substr(53), "01");
  SpanContext parsed = SpanContext::FromTraceparent(header);
  EXPECT_EQ(parsed.trace_id, context.trace_id);
  EXPECT_EQ(parsed.span_id, context.span_id);
}

TEST(SpanContextTest, InvalidTraceparentsGiveInvalidContexts) {
  for (const std::string header : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
                                   "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                                   "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
                                   "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                                   "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
                                   "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-zz"}) {
    EXPECT_FALSE(SpanContext::FromTraceparent(header).valid()) << header;
  }
  EXPECT_TRUE(
      SpanContext::FromTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
          .valid());
}

TEST(SpanContextTest, ChildrenShareTheTraceAndGetNewSpanIds) {
  SpanContext parent = Tracer::NewContext({});
  SpanContext child = Tracer::NewContext(parent);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_NE(child.span_id, parent.span_id);
  EXPECT_NE(Tracer::NewContext({}).trace_id, parent.trace_id);
}

TEST(TracerTest, FullQueueDropsAndCounts) {
  Instruments instruments("main.default.events", false, 0);
  Tracer tracer(2, &instruments);
  for (int i = 0; i < 5; ++i) {
    ScopedSpan span(&tracer, "span-" + std::to_string(i), {});
  }
  EXPECT_EQ(tracer.queued(), 2u);
  EXPECT_EQ(instruments.spans_dropped(), 3);
  std::vector<SpanData> spans = tracer.Take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "span-0");
  EXPECT_LE(spans[0].start_unix_ns, spans[0].end_unix_ns);
  EXPECT_EQ(tracer.queued(), 0u);
}

TEST(TracerTest, ScopedSpanWithoutTracerDoesNothing) {
  ScopedSpan span(nullptr, "nothing", {});
  span.SetAttribute("key", int64_t{1});
  span.SetError(Status(StatusCode::kInternal, ErrorKind::kInternal, "x"));
  EXPECT_FALSE(span.context().valid());
  span.End();
}

TEST(HeaderListTest, ParsesPairsWithEscapesAndSpaces) {
  auto headers = ParseHeaderList(" authorization=Bearer%20abc , x-tenant = t1,,");
  ASSERT_TRUE(headers.ok()) << headers.status();
  ASSERT_EQ(headers->size(), 2u);
  EXPECT_EQ((*headers)[0], (std::pair<std::string, std::string>{"authorization", "Bearer abc"}));
  EXPECT_EQ((*headers)[1], (std::pair<std::string, std::string>{"x-tenant", "t1"}));
  EXPECT_TRUE(ParseHeaderList("")->empty());
}

TEST(HeaderListTest, ErrorsNameTheEntryButNeverTheValue) {
  for (const char* text : {"a=1,secretvalue", "a=1,=secretvalue", "a=%zzsecretvalue",
                           "a=secret%0avalue", "a=secretvalue%4"}) {
    auto headers = ParseHeaderList(text);
    ASSERT_FALSE(headers.ok()) << text;
    EXPECT_THAT(headers.status().message(), HasSubstr("entry"));
    EXPECT_THAT(headers.status().message(), Not(HasSubstr("secret"))) << text;
  }
}

TEST(TelemetrySettingsTest, OffUnlessEnabledAndNotDisabledBySdkVariable) {
  EXPECT_FALSE(ResolveTelemetrySettings(WrapperConfiguration{}, Env({}))->enabled);
  EXPECT_TRUE(ResolveTelemetrySettings(Enabled(), Env({}))->enabled);
  EXPECT_FALSE(ResolveTelemetrySettings(Enabled(), Env({{"OTEL_SDK_DISABLED", "TRUE"}}))->enabled);
}

TEST(TelemetrySettingsTest, DefaultsFollowTheOtlpSpecification) {
  auto settings = ResolveTelemetrySettings(Enabled(), Env({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->metrics_url, "http://localhost:4318/v1/metrics");
  EXPECT_EQ(settings->traces_url, "http://localhost:4318/v1/traces");
  EXPECT_EQ(settings->interval.count(), 5000);
  EXPECT_EQ(settings->timeout.count(), 10000);
  EXPECT_FALSE(settings->pull);
  const Attributes& resource = settings->identity.resource;
  ASSERT_FALSE(resource.empty());
  EXPECT_EQ(resource[0].first, "service.name");
  EXPECT_EQ(std::get<std::string>(resource[0].second), "arrow_zerobus");
}

TEST(TelemetrySettingsTest, OtelVariablesFillInWhatSettingsLeaveUnset) {
  auto env = Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"},
                  {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom"},
                  {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=k1"},
                  {"OTEL_METRIC_EXPORT_INTERVAL", "750"},
                  {"OTEL_EXPORTER_OTLP_TIMEOUT", "1234"},
                  {"OTEL_SERVICE_NAME", "orders-loader"},
                  {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.name=x"},
                  {"OTEL_METRICS_EXPORTER", "none"}});
  auto settings = ResolveTelemetrySettings(Enabled(), env);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->metrics_url, "http://collector:4318/v1/metrics");
  EXPECT_EQ(settings->traces_url, "http://traces:9999/custom");
  EXPECT_THAT(settings->headers, ElementsAre(std::pair<std::string, std::string>{"api-key", "k1"}));
  EXPECT_EQ(settings->interval.count(), 750);
  EXPECT_EQ(settings->timeout.count(), 1234);
  EXPECT_FALSE(settings->metrics);
  EXPECT_TRUE(settings->traces);
  std::map<std::string, std::string> resource;
  for (const auto& [key, value] : settings->identity.resource) {
    resource[key] = std::get<std::string>(value);
  }
  EXPECT_EQ(resource["service.name"], "orders-loader");
  EXPECT_EQ(resource["deployment.environment"], "prod");
  EXPECT_EQ(resource["telemetry.sdk.language"], "cpp");

  // Settings win over the variables.
  WrapperConfiguration config = Enabled();
  config.observability_endpoint = "https://mine:4318";
  config.observability_headers = SecretString("api-key=k2");
  config.observability_export_interval_ms = 100;
  config.observability_service_name = "svc";
  settings = ResolveTelemetrySettings(config, env);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->metrics_url, "https://mine:4318/v1/metrics");
  EXPECT_EQ(settings->traces_url, "https://mine:4318/v1/traces");
  EXPECT_EQ(settings->headers[0].second, "k2");
  EXPECT_EQ(settings->interval.count(), 100);
  EXPECT_EQ(std::get<std::string>(settings->identity.resource[0].second), "svc");
}

TEST(TelemetrySettingsTest, BadVariablesAreNamed) {
  auto settings =
      ResolveTelemetrySettings(Enabled(), Env({{"OTEL_METRIC_EXPORT_INTERVAL", "soon"}}));
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(settings.status().message(), HasSubstr("OTEL_METRIC_EXPORT_INTERVAL"));
  settings = ResolveTelemetrySettings(Enabled(), Env({{"OTEL_EXPORTER_OTLP_HEADERS", "tok"}}));
  ASSERT_FALSE(settings.ok());
  EXPECT_THAT(settings.status().message(), HasSubstr("OTEL_EXPORTER_OTLP_HEADERS"));
  EXPECT_THAT(settings.status().message(), Not(HasSubstr("tok")));
}

TEST(TelemetrySettingsTest, PullModeIgnoresExporterVariables) {
  WrapperConfiguration config = Enabled();
  config.observability_exporter = "none";
  auto settings = ResolveTelemetrySettings(
      config, Env({{"OTEL_METRICS_EXPORTER", "none"}, {"OTEL_TRACES_EXPORTER", "none"}}));
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->pull);
  EXPECT_TRUE(settings->metrics);
  EXPECT_TRUE(settings->traces);
}

TEST(ConfigurationTest, ObservabilitySettingsAreValidated) {
  WrapperConfiguration config = Enabled();
  config.observability_exporter = "zipkin";
  config.observability_endpoint = "collector:4318";
  config.observability_headers = SecretString("authorization");
  config.observability_export_interval_ms = 0;
  config.observability_max_queued_spans = 0;
  const std::string problems = config.validate().message();
  EXPECT_THAT(problems, HasSubstr("observability_exporter 'zipkin'"));
  EXPECT_THAT(problems, HasSubstr("observability_endpoint 'collector:4318'"));
  EXPECT_THAT(problems, HasSubstr("observability_headers: entry 1"));
  EXPECT_THAT(problems, HasSubstr("observability_export_interval_ms"));
  EXPECT_THAT(problems, HasSubstr("observability_max_queued_spans"));
  EXPECT_THAT(config.ToString(), HasSubstr("observability_headers: ***"));
}

TEST(ConfigurationTest, ObservabilitySectionInYamlAndZerobusVariables) {
  auto config = WrapperConfiguration::FromYamlString(
      "observability:\n  enabled: true\n  endpoint: http://collector:4318\n"
      "  headers: api-key=abc\n  export_interval_ms: 250\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->observability_enabled);
  EXPECT_EQ(config->observability_endpoint, "http://collector:4318");
  EXPECT_EQ(config->observability_headers.expose(), "api-key=abc");
  EXPECT_EQ(config->observability_export_interval_ms, 250);

  auto from_env = WrapperConfiguration::FromEnvironment(
      Env({{"ZEROBUS_OBSERVABILITY_ENABLED", "true"}, {"ZEROBUS_OBSERVABILITY_EXPORTER", "none"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_TRUE(from_env->observability_enabled);
  EXPECT_EQ(from_env->observability_exporter, "none");
}

TEST(JsonWriterTest, StringsAreEscapedAndAlwaysValidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("q\"b\\n\n\x01 \xC3\xA9 \xF0\x9F\x98\x80 \xff \xC3", 19));
  const json parsed = json::parse(out);
  EXPECT_EQ(parsed.get<std::string>(),
            "q\"b\\n\n\x01 \xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD \xEF\xBF\xBD");
  std::string number;
  AppendJsonNumber(number, 0.25);
  EXPECT_EQ(number, "0.25");
  number.clear();
  AppendJsonNumber(number, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(number, "0");
}

TEST(OtlpJsonTest, MetricsRequestHasTheOtlpShape) {
  Instruments instruments("main.default.events", false, 0);
  TransmissionResult result;
  result.success = true;
  result.total_rows = 3;
  result.successful_count = 2;
  result.failed_count = 1;
  result.failed_rows.push_back(
      {2, Status(StatusCode::kInvalidArgument, ErrorKind::kConversion, "row 2: null")});
  result.encoded_bytes = 40;
  instruments.BatchFinished(result, 0.02);
  ExportIdentity identity;
  identity.resource = {{"service.name", std::string("svc")}};
  identity.scope_version = "1.2.3";
  json request = json::parse(EncodeMetricsRequest(instruments.Snapshot(), identity, 10, 20));

  const json& resource_metrics = request.at("resourceMetrics").at(0);
  EXPECT_EQ(resource_metrics.at("resource").at("attributes").at(0).at("key"), "service.name");
  const json& scope = resource_metrics.at("scopeMetrics").at(0);
  EXPECT_EQ(scope.at("scope").at("name"), "arrow_zerobus");
  std::map<std::string, json> metrics;
  for (const json& metric : scope.at("metrics")) metrics[metric.at("name")] = metric;

  const json& rows = metrics.at("messaging.client.sent.messages").at("sum");
  EXPECT_EQ(rows.at("aggregationTemporality"), 2);
  EXPECT_EQ(rows.at("isMonotonic"), true);
  ASSERT_EQ(rows.at("dataPoints").size(), 2u);
  EXPECT_EQ(rows.at("dataPoints").at(0).at("asInt"), "2");
  EXPECT_EQ(rows.at("dataPoints").at(0).at("startTimeUnixNano"), "10");
  EXPECT_EQ(rows.at("dataPoints").at(0).at("timeUnixNano"), "20");
  EXPECT_EQ(rows.at("dataPoints").at(1).at("asInt"), "1");
  EXPECT_EQ(rows.at("dataPoints").at(1).at("attributes").back().at("value").at("stringValue"),
            "ConversionError");

  const json& duration = metrics.at("messaging.client.operation.duration");
  EXPECT_EQ(duration.at("unit"), "s");
  const json& point = duration.at("histogram").at("dataPoints").at(0);
  EXPECT_EQ(point.at("count"), "1");
  EXPECT_DOUBLE_EQ(point.at("sum").get<double>(), 0.02);
  EXPECT_EQ(point.at("bucketCounts").size(), point.at("explicitBounds").size() + 1);

  const json& inflight = metrics.at("zerobus.client.inflight.requests").at("sum");
  EXPECT_EQ(inflight.at("isMonotonic"), false);
}

TEST(OtlpJsonTest, TraceRequestUsesHexIdsAndNumericEnums) {
  SpanData span;
  span.name = "zerobus.send_batch";
  span.kind = SpanData::Kind::kProducer;
  span.context = Tracer::NewContext({});
  span.parent_span_id = Tracer::NewContext({}).span_id;
  span.start_unix_ns = 1;
  span.end_unix_ns = 2;
  span.attributes = {
      {"rows", int64_t{3}}, {"ok", true}, {"ratio", 0.5}, {"name", std::string("x")}};
  span.status = SpanData::Status::kError;
  span.status_message = "bad \xff bytes";
  json request = json::parse(EncodeTraceRequest({span}, ExportIdentity{}));
  const json& encoded = request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(encoded.at("traceId"), span.context.traceparent().substr(3, 32));
  EXPECT_EQ(encoded.at("spanId"), span.context.traceparent().substr(36, 16));
  EXPECT_EQ(encoded.at("parentSpanId").get<std::string>().size(), 16u);
  EXPECT_EQ(encoded.at("kind"), 4);
  EXPECT_EQ(encoded.at("status").at("code"), 2);
  EXPECT_EQ(encoded.at("startTimeUnixNano"), "1");
  const json& attributes = encoded.at("attributes");
  EXPECT_EQ(attributes.at(0).at("value").at("intValue"), "3");
  EXPECT_EQ(attributes.at(1).at("value").at("boolValue"), true);
  EXPECT_EQ(attributes.at(2).at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(attributes.at(3).at("value").at("stringValue"), "x");
}

}  // namespace
}  // namespace arrow_zerobus::telemetry
