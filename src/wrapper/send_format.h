// SendFormat: what the wrapper needs of a wire format, so that it holds one format object and no
// per-format branches. A format prepares a job's rows (plan and encode, or cast), says which
// stream protocol carries them, and cuts them into requests; the stream engine does the rest.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/status.h"
#include "encode/batch_encoder.h"
#include "schema/plan_cache.h"
#include "stream/stream_protocol.h"
#include "wrapper/batch_job.h"

namespace arrow_zerobus::internal {

/// A job's rows as requests, in row order.
struct RequestBatch {
  /// The caller's rows each request covers: [first, end), failed rows in between excepted.
  std::vector<std::pair<int64_t, int64_t>> row_ranges;
  /// Builds request `index` (once each, in order) named `tag`.
  std::function<Result<stream::StreamRequest>(size_t index, uint64_t tag)> make;
};

class SendFormat {
 public:
  virtual ~SendFormat() = default;

  /// Plans and converts the job's batch (any worker, in parallel with other jobs): the row
  /// outcomes in job.encoded, the payload size, and what Requests() needs. An error fails
  /// every row.
  virtual Status Prepare(BatchJob& job) const = 0;
  /// OK when batches of `schema` can be sent (and the plan is cached for them), else the
  /// ConfigurationError Prepare() would fail every row with, naming the column and its type.
  virtual Status CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const = 0;
  /// Whether the job's rows can go on a stream opened with `protocol` (called in turn).
  virtual bool Fits(const BatchJob& job, const stream::StreamProtocol& protocol) const = 0;
  /// The protocol of a new stream for the job's rows.
  virtual Result<std::shared_ptr<const stream::StreamProtocol>> MakeProtocol(
      const BatchJob& job) const = 0;
  /// The job's rows as requests of a stream opened with `protocol` (one that Fits).
  virtual Result<RequestBatch> Requests(BatchJob& job,
                                        const stream::StreamProtocol& protocol) const = 0;
  /// The records the Protobuf debug files get (those of the Protobuf format).
  virtual const encode::EncodedBatch& DebugRecords(const BatchJob& job) const = 0;
};

/// What the formats share: the plan cache (Protobuf records and debug files) and the encoder's
/// options.
struct FormatContext {
  const WrapperConfiguration* config = nullptr;
  schema::SchemaPlanCache* plans = nullptr;
  encode::EncodeOptions encode_options;
  bool timed = false;  ///< fill the job's telemetry timeline
};

std::unique_ptr<SendFormat> MakeProtobufFormat(FormatContext context);
std::unique_ptr<SendFormat> MakeArrowFormat(FormatContext context);

}  // namespace arrow_zerobus::internal
