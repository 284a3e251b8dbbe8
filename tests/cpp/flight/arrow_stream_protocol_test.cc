// ArrowStream against a DoPut server whose every answer a test scripts, for what the emulator
// never does: acks claiming rows that were never sent, an ack ending inside a message (the rest
// of the request is re-encoded), a clean end of the call, a first answer that is not READY,
// unreadable ack metadata, no answer at all. Also checks the wire: the schema message first,
// without descriptor or app_metadata, then data messages numbered from 0 on every connection.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/buffer.h>
#include <arrow/ipc/message.h>
#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "flight/arrow_stream.h"
#include "flight_ipc.h"
#include "flight_messages.pb.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"

namespace arrow_zerobus::testing {
namespace {

using flight::ArrowRequest;
using flight::ArrowStream;
using flight::ArrowStreamConfig;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

/// One FlightData the scripted server received.
struct Seen {
  int call = 0;   ///< DoPut calls in arrival order, from 0
  int index = 0;  ///< messages of the call, from 0 (the schema)
  bool has_descriptor = false;
  std::string app_metadata;
  std::vector<int64_t> ids;  ///< the rows of a record batch message
  int64_t rows_through = 0;  ///< rows the call received up to and including this message
};

/// The server's answer to one message: PutResults (their app_metadata) to write, then the end of
/// the call when set.
struct Answer {
  std::vector<std::string> results;
  std::optional<grpc::Status> end;
};

using Script = std::function<Answer(const Seen&)>;

std::string Ready() { return R"({"ack_up_to_offset":-1,"ack_up_to_records":0})"; }

std::string Ack(int64_t offset, int64_t records) {
  return "{\"ack_up_to_offset\":" + std::to_string(offset) +
         ",\"ack_up_to_records\":" + std::to_string(records) + "}";
}

/// What a well-behaved server answers: READY to the schema, an ack for every data message.
Answer Acknowledge(const Seen& seen) {
  if (seen.index == 0) return {{Ready()}, std::nullopt};
  return {{Ack(seen.index - 1, seen.rows_through)}, std::nullopt};
}

class ScriptedFlightServer {
 public:
  explicit ScriptedFlightServer(Script script) : service_(this), script_(std::move(script)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~ScriptedFlightServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  /// The record batch messages of `call`, in order.
  std::vector<Seen> data_of(int call) const {
    std::vector<Seen> data;
    for (const Seen& seen : seen()) {
      if (seen.call == call && seen.index > 0) data.push_back(seen);
    }
    return data;
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  class Reactor;
  class Service final : public grpc::CallbackGenericService {
   public:
    explicit Service(ScriptedFlightServer* owner) : owner_(owner) {}
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override;

   private:
    ScriptedFlightServer* owner_;
  };

  int NewCall() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_++;
  }

  Answer Handle(Seen seen) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t& rows = rows_by_call_[seen.call];
    rows += static_cast<int64_t>(seen.ids.size());
    seen.rows_through = rows;
    seen_.push_back(seen);
    return script_(seen);
  }

  Service service_;
  Script script_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  int calls_ = 0;
  std::map<int, int64_t> rows_by_call_;
  std::vector<Seen> seen_;
};

// One DoPut: reads FlightData, writes what the script answers, ends when it says so (or OK when
// the client half-closes). Every reaction takes mu_; the callback API never runs a reaction
// inline from Start*/Finish.
class ScriptedFlightServer::Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(ScriptedFlightServer* owner, int call) : owner_(owner), call_(call) {
    std::lock_guard<std::mutex> lock(mu_);
    StartSendInitialMetadata();
    StartRead(&read_);
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override {
    std::lock_guard<std::mutex> lock(mu_);
    headers_sent_ = true;
    PumpLocked();
  }

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) {
      if (!end_) end_ = grpc::Status::OK;
      PumpLocked();
      return;
    }
    if (end_) return;
    Answer answer = owner_->Handle(Parse());
    for (const std::string& result : answer.results) {
      ::arrow::flight::protocol::PutResult put;
      put.set_app_metadata(result);
      grpc::Slice slice(put.SerializeAsString());
      queue_.emplace_back(&slice, 1);
    }
    if (answer.end) {
      end_ = std::move(answer.end);
    } else {
      StartRead(&read_);
    }
    PumpLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      queue_.clear();
      if (!end_) end_ = grpc::Status::CANCELLED;
    }
    PumpLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    if (!end_) end_ = grpc::Status::CANCELLED;
    PumpLocked();
  }

  void OnDone() override { delete this; }

 private:
  Seen Parse() {
    Seen seen;
    seen.call = call_;
    seen.index = index_++;
    ::arrow::flight::protocol::FlightData data;
    grpc::Slice slice;
    if (!read_.DumpToSingleSlice(&slice).ok() ||
        !data.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      ADD_FAILURE() << "a FlightData that does not parse";
      return seen;
    }
    seen.has_descriptor = data.has_flight_descriptor();
    seen.app_metadata = data.app_metadata();
    if (seen.index == 0) return seen;
    auto message = arrow::ipc::Message::Open(arrow::Buffer::FromString(data.data_header()),
                                             arrow::Buffer::FromString(data.data_body()));
    EXPECT_TRUE(message.ok()) << message.status().ToString();
    if (!message.ok()) return seen;
    auto batch = emulator::ReadBatchMessage(**message, ArrowEventSchema());
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) return seen;
    const auto& ids = static_cast<const arrow::Int64Array&>(*(*batch)->column(0));
    seen.ids.assign(ids.raw_values(), ids.raw_values() + ids.length());
    return seen;
  }

  void PumpLocked() {
    if (finished_ || writing_) return;
    if (!queue_.empty()) {
      write_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      StartWrite(&write_);
      return;
    }
    if (end_ && headers_sent_) {
      finished_ = true;
      Finish(*end_);
    }
  }

  ScriptedFlightServer* const owner_;
  const int call_;
  std::mutex mu_;
  grpc::ByteBuffer read_;
  grpc::ByteBuffer write_;
  std::deque<grpc::ByteBuffer> queue_;
  int index_ = 0;
  bool headers_sent_ = false;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<grpc::Status> end_;
};

grpc::ServerGenericBidiReactor* ScriptedFlightServer::Service::CreateReactor(
    grpc::GenericCallbackServerContext* /*ctx*/) {
  return new Reactor(owner_, owner_->NewCall());
}

/// Headers for a server that checks none.
class StaticHeaders : public auth::HeadersProvider {
 public:
  Result<auth::Headers> GetHeaders() override {
    return auth::Headers{{"authorization", "Bearer scripted"}};
  }
};

/// Every ResolvedRequest acknowledged, in call order.
class AckedRequests : public zerobus::AckObserver {
 public:
  void OnAcked(const zerobus::ResolvedRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    acked_.push_back(request);
  }
  void OnFailed(const zerobus::ResolvedRequest&, const Status& status) override {
    ADD_FAILURE() << "a request failed: " << status;
  }
  std::vector<zerobus::ResolvedRequest> acked() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<zerobus::ResolvedRequest> acked_;
};

ArrowStreamConfig ScriptedConfig(const ScriptedFlightServer& server,
                                 std::shared_ptr<zerobus::AckObserver> observer = nullptr) {
  ArrowStreamConfig config;
  config.endpoint = server.endpoint();
  config.table = kTestTable;
  config.schema = ArrowEventSchema();
  config.headers = std::make_shared<StaticHeaders>();
  config.options = FastOptions();
  config.observer = std::move(observer);
  return config;
}

std::unique_ptr<ArrowStream> OpenStream(ArrowStreamConfig config) {
  auto opened = ArrowStream::Open(std::move(config));
  EXPECT_TRUE(opened.ok()) << opened.status();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

std::vector<std::string> Metadata(const std::vector<Seen>& messages) {
  std::vector<std::string> metadata;
  for (const Seen& seen : messages) metadata.push_back(seen.app_metadata);
  return metadata;
}

TEST(ArrowStreamProtocolTest, AnAckClaimingUnsentRowsBreaksTheConnectionAndNumberingRestarts) {
  ScriptedFlightServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) return {{Ack(0, 1000)}, std::nullopt};
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<AckedRequests>();
  auto stream = OpenStream(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(ArrowRequest{1, ArrowEventBatch(0, 2)}).ok());
  ASSERT_TRUE(stream->Flush().ok());
  ASSERT_TRUE(stream->Send(ArrowRequest{2, ArrowEventBatch(2, 3)}).ok());
  ASSERT_TRUE(stream->Flush().ok());

  EXPECT_EQ(server.calls(), 2);
  EXPECT_EQ(stream->stats().reconnects, 1);
  EXPECT_EQ(stream->stats().requests_replayed, 1);
  ASSERT_EQ(observer->acked().size(), 2u);
  EXPECT_EQ(observer->acked()[0].sends, 2);
  // The wire: schema first, bare; data messages numbered from 0 on each connection.
  for (const Seen& seen : server.seen()) {
    EXPECT_FALSE(seen.has_descriptor) << "call " << seen.call << " message " << seen.index;
    if (seen.index == 0) {
      EXPECT_EQ(seen.app_metadata, "") << "call " << seen.call;
    }
  }
  EXPECT_EQ(Metadata(server.data_of(0)), (std::vector<std::string>{R"({"offset_id":0})"}));
  EXPECT_EQ(Metadata(server.data_of(1)),
            (std::vector<std::string>{R"({"offset_id":0})", R"({"offset_id":1})"}));
  EXPECT_EQ(server.data_of(1)[0].ids, Iota(2));
}

TEST(ArrowStreamProtocolTest, AnAckEndingInsideAMessageReplaysTheRestReEncoded) {
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  // Half of the first message's rows are acknowledged, then the call ends.
  ScriptedFlightServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) {
      return {{Ack(0, static_cast<int64_t>(seen.ids.size()) / 2)},
              grpc::Status(grpc::StatusCode::UNAVAILABLE, "flap")};
    }
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<AckedRequests>();
  auto config = ScriptedConfig(server, observer);
  config.ipc = ipc;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(ArrowRequest{9, ArrowEventBatch(0, rows)}).ok());
  ASSERT_TRUE(stream->Flush().ok());

  ASSERT_FALSE(server.data_of(0).empty());
  const auto first_message_rows = static_cast<int64_t>(server.data_of(0)[0].ids.size());
  ASSERT_GT(first_message_rows, 1);
  ASSERT_LT(first_message_rows, rows) << "the request needs several messages";
  const int64_t durable = first_message_rows / 2;
  std::vector<int64_t> replayed;
  for (const Seen& seen : server.data_of(1)) {
    replayed.insert(replayed.end(), seen.ids.begin(), seen.ids.end());
  }
  EXPECT_EQ(replayed, Iota(rows - durable, durable));
  EXPECT_EQ(stream->stats().records_replayed, rows - durable);
  ASSERT_EQ(observer->acked().size(), 1u);
  EXPECT_EQ(observer->acked()[0].record_count, rows);
  EXPECT_EQ(observer->acked()[0].sends, 2);
}

TEST(ArrowStreamProtocolTest, AServerEndingTheCallCleanlyClosedTheStreamRetryably) {
  ScriptedFlightServer server([](const Seen& seen) -> Answer {
    if (seen.index == 1) return {{Ack(0, seen.rows_through)}, grpc::Status::OK};
    return Acknowledge(seen);
  });
  auto config = ScriptedConfig(server);
  config.options.recovery = false;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(ArrowRequest{0, ArrowEventBatch(0, 2)}).ok());
  // The ack came before the end: the request is durable (a Flush could already report the end).
  ASSERT_TRUE(stream->WaitForOffset(0).ok());
  ASSERT_TRUE(WaitUntil([&] { return !stream->status().ok(); }));
  EXPECT_EQ(stream->status().code(), StatusCode::kUnknown);
  EXPECT_TRUE(stream->status().retryable());
  EXPECT_THAT(stream->status().message(), HasSubstr("Server closed the stream"));
}

TEST(ArrowStreamProtocolTest, AFirstAnswerOtherThanReadyIsUnexpectedAndRetried) {
  ScriptedFlightServer server([](const Seen& seen) -> Answer {
    if (seen.call <= 1) return {{Ack(0, 0)}, std::nullopt};
    return Acknowledge(seen);
  });
  auto config = ScriptedConfig(server);
  config.options.recovery = false;
  auto refused = ArrowStream::Open(config);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInternal);
  EXPECT_THAT(refused.status().message(), HasSubstr("instead of"));
  EXPECT_EQ(server.calls(), 1) << "without recovery, one attempt";

  // Retryable: with recovery the next attempt opens the stream.
  config.options.recovery = true;
  auto stream = OpenStream(config);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(server.calls(), 3);
}

TEST(ArrowStreamProtocolTest, UnreadableAckMetadataIsIgnored) {
  ScriptedFlightServer server([](const Seen& seen) -> Answer {
    if (seen.index == 1) return {{"not json", Ack(0, seen.rows_through)}, std::nullopt};
    return Acknowledge(seen);
  });
  auto stream = OpenStream(ScriptedConfig(server));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send(ArrowRequest{0, ArrowEventBatch(0, 2)}).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_TRUE(stream->status().ok());
}

TEST(ArrowStreamProtocolTest, NoReadyWithinTheConnectTimeoutFailsEachAttempt) {
  ScriptedFlightServer server([](const Seen&) { return Answer{}; });
  auto config = ScriptedConfig(server);
  config.options.connect_timeout = milliseconds(200);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(2);
  auto opened = ArrowStream::Open(config);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(opened.status().kind(), ErrorKind::kRetriesExhausted);
  EXPECT_THAT(opened.status().message(), HasSubstr("without the server accepting the schema"));
  EXPECT_EQ(server.calls(), 2);
}

}  // namespace
}  // namespace arrow_zerobus::testing
