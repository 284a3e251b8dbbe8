#include "telemetry/tracer.h"

#include <algorithm>
#include <random>

namespace arrow_zerobus::telemetry {
namespace {

// Ids must be unique across processes (OpenTelemetry asks for random trace ids), so each
// thread has its own generator seeded from the OS.
std::mt19937_64& ThreadGenerator() {
  thread_local std::mt19937_64 generator([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  return generator;
}

template <size_t N>
void FillRandom(std::array<uint8_t, N>& bytes) {
  do {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t word = ThreadGenerator()();
      for (size_t j = i; j < std::min(N, i + 8); ++j) {
        bytes[j] = static_cast<uint8_t>(word);
        word >>= 8;
      }
    }
  } while (std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }));
}

}  // namespace

int64_t UnixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Tracer::Tracer(size_t max_queued, Instruments* instruments)
    : max_queued_(max_queued), instruments_(instruments) {}

SpanContext Tracer::NewContext(const SpanContext& parent) {
  SpanContext context;
  if (parent.valid()) {
    context.trace_id = parent.trace_id;
  } else {
    FillRandom(context.trace_id);
  }
  FillRandom(context.span_id);
  return context;
}

void Tracer::Record(SpanData span) {
  bool ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queued_) {
      if (instruments_ != nullptr) instruments_->SpansDropped(1);
      return;
    }
    queue_.push_back(std::move(span));
    ready = queue_.size() == ready_threshold_;
  }
  if (ready && on_ready_) on_ready_();
}

void Tracer::OnBatchReady(size_t threshold, std::function<void()> on_ready) {
  ready_threshold_ = threshold;
  on_ready_ = std::move(on_ready);
}

std::vector<SpanData> Tracer::Take(size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() <= max) {
    std::vector<SpanData> taken;
    taken.swap(queue_);
    return taken;
  }
  std::vector<SpanData> taken(std::make_move_iterator(queue_.begin()),
                              std::make_move_iterator(queue_.begin() + max));
  queue_.erase(queue_.begin(), queue_.begin() + max);
  return taken;
}

size_t Tracer::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

ScopedSpan::ScopedSpan(Tracer* tracer, std::string name, const SpanContext& parent,
                       SpanData::Kind kind)
    : tracer_(tracer) {
  if (tracer_ == nullptr) return;
  span_.emplace();
  span_->name = std::move(name);
  span_->kind = kind;
  span_->context = Tracer::NewContext(parent);
  if (parent.valid()) span_->parent_span_id = parent.span_id;
  span_->start_unix_ns = UnixNanosNow();
}

ScopedSpan::~ScopedSpan() { End(); }

void ScopedSpan::SetAttribute(std::string key, AttributeValue value) {
  if (span_) span_->attributes.emplace_back(std::move(key), std::move(value));
}

void ScopedSpan::SetError(const Status& status) {
  if (!span_ || status.ok()) return;
  span_->status = SpanData::Status::kError;
  span_->status_message = status.ToString();
  span_->attributes.emplace_back("error.type", std::string(ErrorKindName(status.kind())));
}

void ScopedSpan::End() {
  if (!span_) return;
  span_->end_unix_ns = UnixNanosNow();
  tracer_->Record(std::move(*span_));
  span_.reset();
}

}  // namespace arrow_zerobus::telemetry
