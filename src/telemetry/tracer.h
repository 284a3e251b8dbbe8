// Tracer: new span ids and the bounded queue of finished spans waiting for export (or for
// collection in pull mode). A full queue drops the span and counts it; recording never blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "arrow_zerobus/telemetry.h"
#include "telemetry/instruments.h"

namespace arrow_zerobus::telemetry {

/// Nanoseconds since the Unix epoch, now.
int64_t UnixNanosNow();

class Tracer {
 public:
  Tracer(size_t max_queued, Instruments* instruments);

  /// A context for a new span: in the parent's trace when the parent is valid, else a new trace.
  static SpanContext NewContext(const SpanContext& parent);

  void Record(SpanData span);
  /// `on_ready` runs (on the recording thread, without the tracer's lock) each time the queue
  /// reaches `threshold` spans: the exporter ships a full batch instead of letting it wait for
  /// the interval and overflow. Set before any span is recorded.
  void OnBatchReady(size_t threshold, std::function<void()> on_ready);
  /// Up to `max` queued spans, oldest first.
  std::vector<SpanData> Take(size_t max = SIZE_MAX);
  size_t queued() const;

 private:
  const size_t max_queued_;
  Instruments* const instruments_;
  size_t ready_threshold_ = 0;
  std::function<void()> on_ready_;
  mutable std::mutex mu_;
  std::vector<SpanData> queue_;
};

/// A span being timed: Start() stamps the start, End() the end and records it. Without a tracer
/// every call does nothing, so instrumented code needs no checks of its own.
class ScopedSpan {
 public:
  ScopedSpan() = default;
  ScopedSpan(Tracer* tracer, std::string name, const SpanContext& parent,
             SpanData::Kind kind = SpanData::Kind::kInternal);
  ScopedSpan(ScopedSpan&&) = default;
  ScopedSpan& operator=(ScopedSpan&&) = default;
  /// Ends the span if End() was not called.
  ~ScopedSpan();

  /// The span's context (invalid without a tracer).
  SpanContext context() const { return span_ ? span_->context : SpanContext{}; }
  void SetAttribute(std::string key, AttributeValue value);
  /// Marks the span failed with `status`'s message and error.type.
  void SetError(const Status& status);
  void End();

 private:
  Tracer* tracer_ = nullptr;
  std::optional<SpanData> span_;
};

}  // namespace arrow_zerobus::telemetry
