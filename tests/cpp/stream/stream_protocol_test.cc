// The stream engine against a server whose every answer a test scripts, in both wire formats,
// for what the emulator never does: acks at and one past what was sent, repeated acks, a call
// ending without an error status, a first answer that is not the opening reply, unreadable
// responses, no answer at all. Also checks the wire: the opening message first, then data
// messages numbered from 0 on every connection. Arrow only: an ack ending inside a message (the
// rest of the request is re-encoded) and unreadable ack metadata.
#include <chrono>
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
#include <nlohmann/json.hpp>

#include "common/happens_before.h"
#include "flight/flight_put_protocol.h"
#include "flight_ipc.h"
#include "flight_messages.pb.h"
#include "stream/stream_test_support.h"
#include "testing/flight_client.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::testing {
namespace {

namespace zb = ::databricks::zerobus;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

/// One message the scripted server received.
struct Seen {
  int call = 0;   ///< calls in arrival order, from 0
  int index = 0;  ///< messages of the call, from 0 (the opening message)
  bool arrow = false;
  // The opening message.
  std::string table;            ///< Protobuf: create_stream.table_name
  bool has_descriptor = false;  ///< Arrow: a FlightDescriptor (Protobuf: a descriptor_proto)
  std::string app_metadata;     ///< Arrow
  // A data message.
  std::optional<int64_t> offset_id;
  std::vector<int64_t> ids;
  int64_t rows_through = 0;  ///< rows the call received up to and including this message
};

/// One server message, written in the call's format.
struct Reply {
  enum class Kind { kOpen, kAck, kRaw, kArrowMetadata } kind = Kind::kAck;
  int64_t offset = 0;   ///< kAck: the last message acknowledged (Protobuf's offset)
  int64_t records = 0;  ///< kAck: the rows acknowledged (Arrow's count)
  std::string bytes;    ///< kRaw: the whole message; kArrowMetadata: a PutResult's app_metadata
};
Reply OpenReply() { return Reply{Reply::Kind::kOpen, 0, 0, ""}; }
Reply AckReply(int64_t offset, int64_t records) {
  return Reply{Reply::Kind::kAck, offset, records, ""};
}
/// Bytes no protobuf message parses from: a length-delimited field 1 claiming 2^32 bytes.
Reply UnparseableReply() {
  return Reply{Reply::Kind::kRaw, 0, 0, std::string("\x0a\xff\xff\xff\xff\x0f", 6)};
}
Reply ArrowMetadataReply(std::string metadata) {
  return Reply{Reply::Kind::kArrowMetadata, 0, 0, std::move(metadata)};
}

/// The server's answer to one message: replies to write, then the end of the call when set.
struct Answer {
  std::vector<Reply> replies;
  std::optional<grpc::Status> end;
};

using ServerScript = std::function<Answer(const Seen&)>;

/// What a well-behaved server answers: the opening reply, then an ack for every data message.
Answer Acknowledge(const Seen& seen) {
  if (seen.index == 0) return {{OpenReply()}, std::nullopt};
  return {{AckReply(seen.index - 1, seen.rows_through)}, std::nullopt};
}

grpc::ByteBuffer Encode(const Reply& reply, bool arrow, int call) {
  std::string bytes;
  if (reply.kind == Reply::Kind::kRaw) {
    bytes = reply.bytes;
  } else if (arrow) {
    ::arrow::flight::protocol::PutResult put;
    if (reply.kind == Reply::Kind::kOpen) {
      put.set_app_metadata(R"({"ack_up_to_offset":-1,"ack_up_to_records":0})");
    } else if (reply.kind == Reply::Kind::kAck) {
      put.set_app_metadata(AckJson(reply.offset, reply.records).dump());
    } else {
      put.set_app_metadata(reply.bytes);
    }
    bytes = put.SerializeAsString();
  } else {
    zb::EphemeralStreamResponse response;
    if (reply.kind == Reply::Kind::kOpen) {
      response.mutable_create_stream_response()->set_stream_id("scripted-" + std::to_string(call));
    } else {
      response.mutable_ingest_record_response()->set_durability_ack_up_to_offset(reply.offset);
    }
    bytes = response.SerializeAsString();
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

class ScriptedServer {
 public:
  explicit ScriptedServer(ServerScript script) : service_(this), script_(std::move(script)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~ScriptedServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  /// The opening message of `call`.
  std::optional<Seen> opening_of(int call) const {
    for (const Seen& seen : seen()) {
      if (seen.call == call && seen.index == 0) return seen;
    }
    return std::nullopt;
  }
  /// The data messages of `call`, in order.
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
    explicit Service(ScriptedServer* owner) : owner_(owner) {}
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

   private:
    ScriptedServer* owner_;
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
  ServerScript script_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  int calls_ = 0;
  std::map<int, int64_t> rows_by_call_;
  std::vector<Seen> seen_;
};

// One call: reads messages, writes what the script answers, ends when it says so (or OK when the
// client half-closes). Every reaction takes mu_; the callback API never runs a reaction inline
// from Start*/Finish.
class ScriptedServer::Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(ScriptedServer* owner, int call, bool arrow) : owner_(owner), call_(call), arrow_(arrow) {
    std::lock_guard<std::mutex> lock(mu_);
    StartSendInitialMetadata();
    StartRead(&read_);
    HappensBefore(this);
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override {
    const HappensBeforeOnExit before_on_done(this);
    std::lock_guard<std::mutex> lock(mu_);
    headers_sent_ = true;
    PumpLocked();
  }

  void OnReadDone(bool ok) override {
    const HappensBeforeOnExit before_on_done(this);
    std::lock_guard<std::mutex> lock(mu_);
    if (!ok) {
      if (!end_) end_ = grpc::Status::OK;
      PumpLocked();
      return;
    }
    if (end_) return;
    Answer answer = owner_->Handle(Parse());
    for (const Reply& reply : answer.replies) queue_.push_back(Encode(reply, arrow_, call_));
    if (answer.end) {
      end_ = std::move(answer.end);
    } else {
      StartRead(&read_);
    }
    PumpLocked();
  }

  void OnWriteDone(bool ok) override {
    const HappensBeforeOnExit before_on_done(this);
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      queue_.clear();
      if (!end_) end_ = grpc::Status::CANCELLED;
    }
    PumpLocked();
  }

  // gRPC runs these on threads it picks, after the constructor (and OnDone after every other
  // reaction), through synchronization ThreadSanitizer cannot see: hence the annotations.
  void OnCancel() override {
    HappensAfter(this);
    const HappensBeforeOnExit before_on_done(this);
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    if (!end_) end_ = grpc::Status::CANCELLED;
    PumpLocked();
  }

  void OnDone() override {
    HappensAfter(this);
    delete this;
  }

 private:
  Seen Parse() {
    Seen seen;
    seen.call = call_;
    seen.index = index_++;
    seen.arrow = arrow_;
    grpc::Slice slice;
    if (!read_.DumpToSingleSlice(&slice).ok()) {
      ADD_FAILURE() << "a message that cannot be read";
      return seen;
    }
    if (arrow_) {
      ParseFlightData(slice, &seen);
    } else {
      ParseEphemeral(slice, &seen);
    }
    return seen;
  }

  static void ParseEphemeral(const grpc::Slice& slice, Seen* seen) {
    zb::EphemeralStreamRequest request;
    if (!request.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      ADD_FAILURE() << "an EphemeralStreamRequest that does not parse";
      return;
    }
    if (seen->index == 0) {
      EXPECT_TRUE(request.has_create_stream()) << "the first message opens the stream";
      seen->table = request.create_stream().table_name();
      seen->has_descriptor = request.create_stream().has_descriptor_proto();
      return;
    }
    EXPECT_TRUE(request.has_ingest_record_batch()) << request.ShortDebugString();
    const auto& batch = request.ingest_record_batch();
    if (batch.has_offset_id()) seen->offset_id = batch.offset_id();
    for (const std::string& record : batch.proto_encoded_batch().records()) {
      seen->ids.push_back(EventId(record));
    }
  }

  static void ParseFlightData(const grpc::Slice& slice, Seen* seen) {
    ::arrow::flight::protocol::FlightData data;
    if (!data.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      ADD_FAILURE() << "a FlightData that does not parse";
      return;
    }
    seen->has_descriptor = data.has_flight_descriptor();
    seen->app_metadata = data.app_metadata();
    if (seen->index == 0) return;
    const auto metadata = nlohmann::json::parse(data.app_metadata(), nullptr, false);
    if (metadata.is_object() && metadata.contains("offset_id")) {
      seen->offset_id = metadata["offset_id"].get<int64_t>();
    }
    auto message = arrow::ipc::Message::Open(arrow::Buffer::FromString(data.data_header()),
                                             arrow::Buffer::FromString(data.data_body()));
    EXPECT_TRUE(message.ok()) << message.status().ToString();
    if (!message.ok()) return;
    auto batch = emulator::ReadBatchMessage(**message, ArrowEventSchema());
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) return;
    const auto& ids = static_cast<const arrow::Int64Array&>(*(*batch)->column(0));
    seen->ids.assign(ids.raw_values(), ids.raw_values() + ids.length());
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

  ScriptedServer* const owner_;
  const int call_;
  const bool arrow_;
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

grpc::ServerGenericBidiReactor* ScriptedServer::Service::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  return new Reactor(owner_, owner_->NewCall(), ctx->method() == flight::kDoPutMethod);
}

/// Headers for a server that checks none.
class StaticHeaders : public auth::HeadersProvider {
 public:
  Result<auth::Headers> GetHeaders() override {
    return auth::Headers{{"authorization", "Bearer scripted"}};
  }
};

class StreamProtocolTest : public StreamTest {
 protected:
  stream::StreamConfig ScriptedConfig(const ScriptedServer& server,
                                      std::shared_ptr<stream::AckObserver> observer = nullptr) {
    stream::StreamConfig config;
    config.endpoint = server.endpoint();
    config.table = kTestTable;
    config.headers = std::make_shared<StaticHeaders>();
    config.options = FastOptions();
    config.observer = std::move(observer);
    return config;
  }
  /// An ack position `beyond` units past `rows` rows in `messages` messages, as the format
  /// counts: Protobuf acknowledges messages (offsets), Arrow rows.
  Reply AckPast(int64_t messages, int64_t rows, int64_t beyond) const {
    return arrow() ? AckReply(messages - 1, rows + beyond) : AckReply(messages - 1 + beyond, rows);
  }
};

std::vector<int64_t> OffsetIds(const std::vector<Seen>& messages) {
  std::vector<int64_t> ids;
  for (const Seen& seen : messages) ids.push_back(seen.offset_id.value_or(-1));
  return ids;
}

TEST_P(StreamProtocolTest, DataMessagesAreNumberedFromZeroOnEveryConnection) {
  // The first call ends (retryably) at its first data message, unacknowledged.
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) {
      return {{}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "flap")};
    }
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2, /*tag=*/1).ok());
  ASSERT_TRUE(stream->Flush().ok());
  ASSERT_TRUE(SendRows(*stream, 2, 3, /*tag=*/2).ok());
  ASSERT_TRUE(stream->Flush().ok());

  EXPECT_EQ(server.calls(), 2);
  EXPECT_EQ(stream->stats().reconnects, 1);
  EXPECT_EQ(stream->stats().requests_replayed, 1);
  ASSERT_EQ(observer->acked().size(), 2u);
  EXPECT_EQ(observer->acked()[0].sends, 2);
  EXPECT_EQ(OffsetIds(server.data_of(0)), (std::vector<int64_t>{0}));
  EXPECT_EQ(OffsetIds(server.data_of(1)), (std::vector<int64_t>{0, 1}));
  ASSERT_EQ(server.data_of(1).size(), 2u);
  EXPECT_EQ(server.data_of(1)[0].ids, Iota(2));
  EXPECT_EQ(server.data_of(1)[1].ids, Iota(3, 2));
  // The opening message of every connection: the create request, or the bare schema.
  for (int call = 0; call < 2; ++call) {
    const auto opening = server.opening_of(call);
    ASSERT_TRUE(opening.has_value()) << "call " << call;
    if (arrow()) {
      EXPECT_FALSE(opening->has_descriptor) << "call " << call;
      EXPECT_EQ(opening->app_metadata, "") << "call " << call;
    } else {
      EXPECT_EQ(opening->table, kTestTable) << "call " << call;
      EXPECT_TRUE(opening->has_descriptor) << "call " << call;
    }
  }
  for (const Seen& seen : server.seen()) {
    if (arrow() && seen.index > 0) {
      EXPECT_FALSE(seen.has_descriptor);
    }
  }
  // Protobuf streams carry the server's name for them.
  EXPECT_EQ(stream->stats().stream_id, arrow() ? "" : "scripted-1");
  EXPECT_TRUE(stream->Close().ok());
}

TEST_P(StreamProtocolTest, AnAckAtWhatWasSentAndRepeatedAcksAreFine) {
  ScriptedServer server([](const Seen& seen) -> Answer {
    Answer answer = Acknowledge(seen);
    if (seen.index > 0) answer.replies.push_back(answer.replies.front());  // said twice
    return answer;
  });
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SendRows(*stream, i * 2, 2, i).ok());
    ASSERT_TRUE(stream->Flush().ok());
  }
  EXPECT_EQ(Offsets(observer->acked()), Iota(3));
  EXPECT_TRUE(observer->failed().empty());
  EXPECT_EQ(stream->stats().reconnects, 0);
  EXPECT_TRUE(stream->status().ok()) << stream->status();
  EXPECT_TRUE(stream->Close().ok());
}

TEST_P(StreamProtocolTest, AnAckOnePastWhatWasSentIsAProtocolViolation) {
  const bool arrow_format = arrow();
  ScriptedServer server([this](const Seen& seen) -> Answer {
    if (seen.index == 2) return {{AckPast(2, seen.rows_through, 1)}, std::nullopt};
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2, 0).ok());
  ASSERT_TRUE(stream->Flush().ok());
  ASSERT_TRUE(SendRows(*stream, 2, 2, 1).ok());
  const Status flushed = stream->Flush();
  EXPECT_EQ(flushed.code(), StatusCode::kInvalidArgument) << flushed;
  EXPECT_FALSE(flushed.retryable());
  // Two messages of two rows were sent; the ack claims one more.
  EXPECT_THAT(flushed.message(),
              HasSubstr(arrow_format ? "ack_up_to_records=5" : "durability_ack_up_to_offset=2"));
  EXPECT_THAT(flushed.message(), HasSubstr(arrow_format ? "through ack_up_to_records=4"
                                                        : "through durability_ack_up_to_offset=1"));
  EXPECT_EQ(server.calls(), 1) << "no reconnect";
  ASSERT_TRUE(observer->WaitForResolved(2));
  EXPECT_EQ(Tags(observer->acked()), TagRange(1));
  EXPECT_EQ(Tags(observer->failed()), TagRange(1, 1));
}

TEST_P(StreamProtocolTest, AnEndWithoutAnErrorStatusFailsTheStreamAsAbortedAndRetryable) {
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.index == 1) return {{AckReply(0, seen.rows_through)}, grpc::Status::OK};
    return Acknowledge(seen);
  });
  auto config = ScriptedConfig(server);
  config.options.recovery = false;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  // The ack came before the end: the request is durable (a Flush could already report the end).
  ASSERT_TRUE(stream->WaitForOffset(0).ok());
  ASSERT_TRUE(WaitUntil([&] { return !stream->status().ok(); }));
  EXPECT_EQ(stream->status().code(), StatusCode::kAborted) << stream->status();
  EXPECT_TRUE(stream->status().retryable());
  EXPECT_THAT(stream->status().message(), HasSubstr("without an error status"));
}

TEST_P(StreamProtocolTest, AnEndWithoutAnErrorStatusIsRecoveredFrom) {
  // The first call ends OK at its first data message, unacknowledged: nothing says it is durable.
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) return {{}, grpc::Status::OK};
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(server.calls(), 2);
  EXPECT_EQ(stream->stats().reconnects, 1);
  EXPECT_EQ(stream->stats().requests_replayed, 1);
  EXPECT_EQ(server.data_of(1).at(0).ids, Iota(2));
  EXPECT_TRUE(stream->Close().ok());
}

TEST_P(StreamProtocolTest, AFirstAnswerOtherThanTheOpeningReplyIsUnexpectedAndRetried) {
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.call <= 1) return {{AckReply(0, 0)}, std::nullopt};
    return Acknowledge(seen);
  });
  auto config = ScriptedConfig(server);
  config.options.recovery = false;
  auto refused = OpenEventStream(format(), config);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInternal) << refused.status();
  EXPECT_TRUE(refused.status().retryable());
  EXPECT_THAT(refused.status().message(),
              HasSubstr(arrow() ? "instead of" : "a response before create_stream_response"));
  EXPECT_EQ(server.calls(), 1) << "without recovery, one attempt";

  // Retryable: with recovery the next attempt opens the stream.
  config.options.recovery = true;
  auto stream = Open(config);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(server.calls(), 3);
}

TEST_P(StreamProtocolTest, AnUnreadableResponseBreaksTheConnectionAndIsRetried) {
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) return {{UnparseableReply()}, std::nullopt};
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<Resolutions>();
  auto stream = Open(ScriptedConfig(server, observer));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(SendRows(*stream, 0, 2).ok());
  ASSERT_TRUE(stream->Flush().ok());
  EXPECT_EQ(server.calls(), 2);
  EXPECT_EQ(stream->stats().reconnects, 1);
  EXPECT_EQ(Offsets(observer->acked()), Iota(1));
  EXPECT_TRUE(stream->Close().ok());
}

TEST_P(StreamProtocolTest, NoOpeningReplyWithinTheConnectTimeoutFailsEachAttempt) {
  ScriptedServer server([](const Seen&) { return Answer{}; });
  auto config = ScriptedConfig(server);
  config.options.connect_timeout = milliseconds(200);
  config.options.retry_policy = std::make_shared<retry::LimitedAttemptsRetryPolicy>(2);
  auto opened = OpenEventStream(format(), config);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDeadlineExceeded) << opened.status();
  EXPECT_EQ(opened.status().kind(), ErrorKind::kRetriesExhausted) << opened.status();
  EXPECT_THAT(opened.status().message(), HasSubstr("connect_timeout"));
  EXPECT_THAT(opened.status().message(), HasSubstr("after 2 attempt(s)"));
  EXPECT_EQ(server.calls(), 2);
}

INSTANTIATE_BOTH_FORMATS(StreamProtocolTest);

// ---- Arrow only ----

stream::StreamConfig ArrowScriptedConfig(const ScriptedServer& server,
                                         std::shared_ptr<stream::AckObserver> observer) {
  stream::StreamConfig config;
  config.endpoint = server.endpoint();
  config.table = kTestTable;
  config.headers = std::make_shared<StaticHeaders>();
  config.options = FastOptions();
  config.observer = std::move(observer);
  return config;
}

TEST(ArrowStreamProtocolTest, AnAckEndingInsideAMessageReplaysTheRestReEncoded) {
  flight::IpcPayloadOptions ipc;
  ipc.max_body_bytes = 4096;
  const int64_t rows = 1000;
  // Half of the first message's rows are acknowledged, then the call ends.
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.call == 0 && seen.index == 1) {
      return {{AckReply(0, static_cast<int64_t>(seen.ids.size()) / 2)},
              grpc::Status(grpc::StatusCode::UNAVAILABLE, "flap")};
    }
    return Acknowledge(seen);
  });
  auto observer = std::make_shared<Resolutions>();
  auto opened = stream::StreamEngine::Open(ArrowScriptedConfig(server, observer),
                                           EventProtocol(TestFormat::kArrow, ipc));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& stream = **opened;
  ASSERT_TRUE(stream.Send(EventRows(stream.protocol(), 0, rows, /*tag=*/9)).ok());
  ASSERT_TRUE(stream.Flush().ok());

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
  EXPECT_EQ(OffsetIds(server.data_of(1)).front(), 0);
  EXPECT_EQ(stream.stats().records_replayed, rows - durable);
  ASSERT_EQ(observer->acked().size(), 1u);
  EXPECT_EQ(observer->acked()[0].record_count, rows);
  EXPECT_EQ(observer->acked()[0].sends, 2);
}

TEST(ArrowStreamProtocolTest, UnreadableAckMetadataIsIgnored) {
  ScriptedServer server([](const Seen& seen) -> Answer {
    if (seen.index == 1) {
      return {{ArrowMetadataReply("not json"), AckReply(0, seen.rows_through)}, std::nullopt};
    }
    return Acknowledge(seen);
  });
  auto opened = stream::StreamEngine::Open(ArrowScriptedConfig(server, nullptr),
                                           EventProtocol(TestFormat::kArrow));
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& stream = **opened;
  ASSERT_TRUE(stream.Send(EventRows(stream.protocol(), 0, 2)).ok());
  ASSERT_TRUE(stream.Flush().ok());
  EXPECT_EQ(stream.stats().reconnects, 0);
  EXPECT_TRUE(stream.status().ok());
}

}  // namespace
}  // namespace arrow_zerobus::testing
