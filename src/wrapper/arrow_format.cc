// The Arrow wire format: batches cast to the canonical Arrow types the service expects (no row
// conversion), sent as IPC over Arrow Flight DoPut in requests of about max_request_bytes.

#include <arrow/ipc/writer.h>

#include "common/lru_cache.h"
#include "encode/canonical_cast.h"
#include "flight/flight_put_protocol.h"
#include "telemetry/telemetry.h"
#include "wrapper/send_format.h"
#include "wrapper/stream_settings.h"

namespace arrow_zerobus::internal {
namespace {

class ArrowFormat final : public SendFormat {
 public:
  explicit ArrowFormat(FormatContext context) : context_(std::move(context)) {}

  Status Prepare(BatchJob& job) const override {
    const std::shared_ptr<arrow::Schema>& schema = job.input()->schema();
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.canonical, Canonical(schema));
    if (context_.timed) job.times.planned = telemetry::UnixNanosNow();
    encode::CastOptions cast_options;
    cast_options.validate = !job.input_validated;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        encode::CanonicalBatch cast,
        encode::CastToCanonical(*job.canonical, *job.input(), cast_options));
    job.canonical_rows = std::move(cast.batch);
    job.kept_rows = std::move(cast.kept_rows);
    job.encoded.num_rows = cast.num_rows;
    job.encoded.row_failed = std::move(cast.row_failed);
    job.encoded.errors = std::move(cast.errors);
    if (job.canonical_rows != nullptr && job.canonical_rows->num_rows() > 0) {
      int64_t body_bytes = 0;
      if (arrow::ipc::GetRecordBatchSize(*job.canonical_rows, &body_bytes).ok()) {
        job.payload_bytes = body_bytes;
      }
    }
    if (context_.config->protobuf_debug_on()) {
      // The Protobuf debug files hold what the Protobuf format would have sent.
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.plan, context_.plans->GetOrPlan(*schema));
      encode::EncodeOptions options = context_.encode_options;
      options.validate = options.validate && !job.input_validated;
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.debug_records,
                                     encode::EncodeBatch(*job.plan, *job.input(), options));
    }
    if (context_.timed) job.times.encoded = telemetry::UnixNanosNow();
    return Status::OK();
  }

  Status CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const override {
    ARROW_ZEROBUS_RETURN_NOT_OK(Canonical(schema).status());
    // The Protobuf debug files need a plan too.
    if (context_.config->protobuf_debug_on()) {
      ARROW_ZEROBUS_RETURN_NOT_OK(context_.plans->GetOrPlan(*schema).status());
    }
    return Status::OK();
  }

  bool Fits(const BatchJob& job, const stream::StreamProtocol& protocol) const override {
    const auto& schema = static_cast<const flight::FlightPutProtocol&>(protocol).schema();
    return job.canonical->canonical == schema || job.canonical->canonical->Equals(*schema);
  }

  Result<std::shared_ptr<const stream::StreamProtocol>> MakeProtocol(
      const BatchJob& job) const override {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        auto protocol, flight::FlightPutProtocol::Make(job.canonical->canonical,
                                                       MakeIpcOptions(*context_.config)));
    return std::shared_ptr<const stream::StreamProtocol>(std::move(protocol));
  }

  Result<RequestBatch> Requests(BatchJob& job,
                                const stream::StreamProtocol& protocol) const override {
    // Requests of about max_request_bytes each, as in the Protobuf format, so that a failure
    // costs only the rows of the requests it hit. Each covers the caller's rows from its first
    // kept row to its last; failed rows in between are accounted for by the cast's errors.
    const std::shared_ptr<arrow::RecordBatch> rows = job.canonical_rows;
    const int64_t count = rows->num_rows();
    const int64_t bytes_per_row = std::max<int64_t>(1, job.payload_bytes / count);
    const int64_t rows_per_request =
        std::max<int64_t>(1, context_.config->max_request_bytes / bytes_per_row);
    const std::vector<int64_t>& kept = job.kept_rows;
    auto source_row = [&](int64_t k) { return kept.empty() ? k : kept[k]; };
    RequestBatch batch;
    auto slices = std::make_shared<std::vector<std::pair<int64_t, int64_t>>>();
    for (int64_t first = 0; first < count; first += rows_per_request) {
      const int64_t length = std::min(rows_per_request, count - first);
      slices->emplace_back(first, length);
      batch.row_ranges.emplace_back(source_row(first), source_row(first + length - 1) + 1);
    }
    const auto& flight_put = static_cast<const flight::FlightPutProtocol&>(protocol);
    batch.make = [&flight_put, rows, slices](size_t index,
                                             uint64_t tag) -> Result<stream::StreamRequest> {
      const auto& [first, length] = (*slices)[index];
      return flight_put.MakeRequest(tag, rows->Slice(first, length));
    };
    return batch;
  }

  const encode::EncodedBatch& DebugRecords(const BatchJob& job) const override {
    return job.debug_records;
  }

 private:
  Result<std::shared_ptr<const encode::CanonicalSchema>> Canonical(
      const std::shared_ptr<arrow::Schema>& schema) const {
    return canonical_schemas_.GetOrMake(
        schema::SchemaCacheKey(*schema),
        [&]() -> Result<std::shared_ptr<const encode::CanonicalSchema>> {
          ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto canonical, encode::MakeCanonicalSchema(schema));
          return std::make_shared<const encode::CanonicalSchema>(std::move(canonical));
        });
  }

  FormatContext context_;
  mutable LruCache<encode::CanonicalSchema> canonical_schemas_{16};
};

}  // namespace

std::unique_ptr<SendFormat> MakeArrowFormat(FormatContext context) {
  return std::make_unique<ArrowFormat>(std::move(context));
}

}  // namespace arrow_zerobus::internal
