#include "testing/emulator_fixture.h"

#include <cstdlib>
#include <iostream>
#include <numeric>
#include <thread>

#include <arrow/array/array_primitive.h>
#include <arrow/record_batch.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "auth/headers_provider.h"
#include "common/endpoint.h"
#include "encode/wire_format.h"

namespace arrow_zerobus::testing {

std::unique_ptr<emulator::Emulator> StartEmulator(emulator::EmulatorOptions options) {
  options.keep_records = true;
  auto started = emulator::Emulator::Start(std::move(options));
  if (!started.ok()) {
    std::cerr << "emulator did not start: " << started.status() << "\n";
    std::abort();
  }
  return std::move(started).value();
}

std::string EventDescriptor() {
  google::protobuf::DescriptorProto message;
  message.set_name("Event");
  auto* id = message.add_field();
  id->set_name("id");
  id->set_number(1);
  id->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
  id->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* name = message.add_field();
  name->set_name("name");
  name->set_number(2);
  name->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
  name->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  return message.SerializeAsString();
}

std::string EventRecord(int64_t id, const std::string& name) {
  uint8_t buffer[32];
  uint8_t* out = buffer;
  *out++ = 0x08;
  out = encode::WriteVarint(static_cast<uint64_t>(id), out);
  *out++ = 0x12;
  out = encode::WriteVarint(name.size(), out);
  std::string record(reinterpret_cast<const char*>(buffer), static_cast<size_t>(out - buffer));
  return record + name;
}

int64_t EventId(const std::string& record) {
  if (record.empty() || static_cast<uint8_t>(record[0]) != 0x08) return -1;
  uint64_t value = 0;
  for (size_t i = 1, shift = 0; i < record.size() && shift < 64; ++i, shift += 7) {
    const auto byte = static_cast<uint8_t>(record[i]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return static_cast<int64_t>(value);
  }
  return -1;
}

emulator::StreamEvent FaultEvent(emulator::StreamEvent::Kind kind, int64_t after_requests,
                                 std::chrono::milliseconds duration) {
  emulator::StreamEvent event;
  event.kind = kind;
  event.after_requests = after_requests;
  event.duration = duration;
  return event;
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::vector<int64_t> Iota(int64_t count, int64_t first) {
  std::vector<int64_t> values(static_cast<size_t>(count));
  std::iota(values.begin(), values.end(), first);
  return values;
}

stream::StreamOptions FastOptions() {
  stream::StreamOptions options;
  options.connect_timeout = std::chrono::milliseconds(3000);
  options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(4);
  options.backoff_policy = std::make_shared<retry::ExponentialBackoffPolicy>(
      std::chrono::milliseconds(20), std::chrono::milliseconds(100));
  options.server_lack_of_ack_timeout = std::chrono::milliseconds(5000);
  options.flush_timeout = std::chrono::milliseconds(10000);
  return options;
}

stream::StreamConfig OAuthConfig(const emulator::Emulator& emu, const std::string& table,
                                 const std::string& client_secret) {
  auto endpoint = ParseZerobusEndpoint(emu.endpoint());
  auth::OAuthTokenProvider::Options oauth;
  oauth.workspace_url = emu.workspace_url();
  oauth.workspace_id = endpoint.ok() ? endpoint->workspace_id : "";
  oauth.table = *auth::ParseTableName(table);
  oauth.client_id = emulator::kDefaultClientId;
  oauth.client_secret = client_secret;
  stream::StreamConfig config;
  config.endpoint = emu.endpoint();
  config.table = table;
  config.headers = auth::MakeOAuthHeadersProvider(oauth);
  config.options = FastOptions();
  return config;
}

zerobus::PreparedRequest EventRequest(int64_t first_id, int64_t count, uint64_t tag) {
  std::vector<std::string> records;
  for (int64_t i = 0; i < count; ++i) records.push_back(EventRecord(first_id + i));
  std::vector<std::string_view> views(records.begin(), records.end());
  return zerobus::PrepareRequest(views, tag);
}

std::vector<int64_t> LandedIds(const emulator::Emulator& emu, const std::string& table) {
  std::vector<int64_t> ids;
  for (const std::string& record : emu.LandedRecords(table)) ids.push_back(EventId(record));
  // Arrow Flight streams land batches: their "id" column.
  for (const auto& batch : emu.LandedBatches(table)) {
    const auto column = batch->GetColumnByName("id");
    EXPECT_NE(column, nullptr) << "a landed batch has no id column";
    if (column == nullptr) continue;
    const auto& values = static_cast<const arrow::Int64Array&>(*column);
    for (int64_t row = 0; row < values.length(); ++row) {
      ids.push_back(values.IsNull(row) ? -1 : values.Value(row));
    }
  }
  return ids;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void RecordingObserver::OnAcked(const stream::ResolvedRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  acked_offsets_.push_back(request.offset);
  acked_tags_.push_back(request.tag);
  acked_record_counts_.push_back(request.record_count);
  resolved_.notify_all();
}

void RecordingObserver::OnFailed(const stream::ResolvedRequest& request, const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  failed_tags_.push_back(request.tag);
  failed_offsets_.push_back(request.offset);
  failures_.push_back(status);
  resolved_.notify_all();
}

std::vector<int64_t> RecordingObserver::acked_offsets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_offsets_;
}
std::vector<uint64_t> RecordingObserver::acked_tags() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_tags_;
}
std::vector<uint64_t> RecordingObserver::failed_tags() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_tags_;
}
std::vector<Status> RecordingObserver::failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}
std::vector<int64_t> RecordingObserver::failed_offsets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_offsets_;
}
std::vector<int64_t> RecordingObserver::acked_record_counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_record_counts_;
}

bool RecordingObserver::WaitForResolved(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return resolved_.wait_for(lock, timeout,
                            [&] { return acked_offsets_.size() + failed_tags_.size() >= count; });
}

}  // namespace arrow_zerobus::testing
