// One EphemeralStreamRequest (or PersistentStreamRequest) as the emulator reads it. By default the
// protobuf classes generated from zerobus_service.proto parse it, so the emulator shares no
// protocol code with the client; with --light the client's hand-written codec
// (zerobus/stream_messages.h) reads it as views into the received bytes, the fast path for
// throughput benchmarks. A test checks that both readings agree.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "arrow_zerobus/status.h"
#include "zerobus/stream_messages.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::emulator {

struct EphemeralRequest {
  enum class Kind { kNone, kCreateStream, kIngestRecord, kIngestRecordBatch, kResumeStream };
  enum class Payload { kNone, kProto, kJson };

  Kind kind = Kind::kNone;
  ::databricks::zerobus::CreateIngestStreamRequest create;  ///< when kind is kCreateStream
  ::databricks::zerobus::ResumeIngestStreamRequest resume;  ///< when kind is kResumeStream
  bool has_offset = false;
  int64_t offset_id = 0;
  Payload payload = Payload::kNone;
  std::vector<std::string_view> records;  ///< valid until the reader's next Read
};

class EphemeralRequestReader {
 public:
  /// `fast`: read with the hand-written codec (--light) instead of the generated classes;
  /// `persistent`: read PersistentStreamRequests (always with the generated classes).
  explicit EphemeralRequestReader(bool fast, bool persistent = false)
      : fast_(fast && !persistent), persistent_(persistent) {}

  /// Reads one serialized request into `out`. INVALID_ARGUMENT naming what is malformed.
  Status Read(std::string_view bytes, EphemeralRequest* out);

 private:
  Status ReadGenerated(std::string_view bytes, EphemeralRequest* out);
  Status ReadFast(std::string_view bytes, EphemeralRequest* out);
  Status ReadPersistent(std::string_view bytes, EphemeralRequest* out);

  bool fast_;
  bool persistent_;
  ::databricks::zerobus::EphemeralStreamRequest generated_;
  ::databricks::zerobus::PersistentStreamRequest persistent_request_;
  zerobus::ParsedRequest parsed_;
};

}  // namespace arrow_zerobus::emulator
