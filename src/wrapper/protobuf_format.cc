// The Protobuf wire format: rows planned into a descriptor and encoded into framed records, packed
// into requests of at most max_request_bytes, sent on EphemeralStream (delivery at_least_once) or
// PersistentStream (exactly_once).

#include "telemetry/telemetry.h"
#include "wrapper/send_format.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus/persistent_protocol.h"
#include "zerobus/request_packer.h"

namespace arrow_zerobus::internal {
namespace {

class ProtobufFormat final : public SendFormat {
 public:
  explicit ProtobufFormat(FormatContext context) : context_(std::move(context)) {}

  Status Prepare(BatchJob& job) const override {
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(job.plan, context_.plans->GetOrPlan(*job.input()->schema()));
    if (context_.timed) job.times.planned = telemetry::UnixNanosNow();
    encode::EncodeOptions options = context_.encode_options;
    options.validate = options.validate && !job.input_validated;
    auto encoded = encode::EncodeBatch(*job.plan, *job.input(), options);
    if (context_.timed) job.times.encoded = telemetry::UnixNanosNow();
    if (!encoded.ok()) return encoded.status();
    job.encoded = std::move(encoded).value();
    job.payload_bytes = job.encoded.encoded_bytes();
    return Status::OK();
  }

  Status CheckSchema(const std::shared_ptr<arrow::Schema>& schema) const override {
    return context_.plans->GetOrPlan(*schema).status();
  }

  bool Fits(const BatchJob& job, const stream::StreamProtocol& protocol) const override {
    // The cache hands out one plan per schema, so the same plan needs no descriptor comparison.
    if (job.plan == fitted_plan_ && &protocol == fitted_protocol_) return true;
    const auto& records = static_cast<const zerobus::RecordsProtocol&>(protocol);
    if (job.plan->descriptor.SerializeAsString() != records.descriptor_proto()) return false;
    fitted_plan_ = job.plan;
    fitted_protocol_ = &protocol;
    return true;
  }

  Result<std::shared_ptr<const stream::StreamProtocol>> MakeProtocol(
      const BatchJob& job) const override {
    const std::string& table = context_.config->table_name;
    std::string descriptor = job.plan->descriptor.SerializeAsString();
    std::shared_ptr<const stream::StreamProtocol> protocol;
    if (context_.config->delivery == "exactly_once") {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          protocol, zerobus::PersistentProtocol::Make(table, std::move(descriptor)));
    } else {
      ARROW_ZEROBUS_ASSIGN_OR_RETURN(
          protocol, zerobus::EphemeralProtocol::Make(table, std::move(descriptor)));
    }
    fitted_plan_ = job.plan;
    fitted_protocol_ = protocol.get();
    return protocol;
  }

  Result<RequestBatch> Requests(BatchJob& job,
                                const stream::StreamProtocol& protocol) const override {
    const encode::EncodedBatch& encoded = job.encoded;
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(
        std::vector<zerobus::PackedRequest> packed,
        zerobus::PackRequests(encoded, context_.config->max_request_bytes, 0, encoded.num_rows));
    RequestBatch batch;
    batch.row_ranges.reserve(packed.size());
    for (const zerobus::PackedRequest& request : packed) {
      batch.row_ranges.emplace_back(request.first_row, request.end_row);
    }
    auto requests = std::make_shared<std::vector<zerobus::PackedRequest>>(std::move(packed));
    const auto* records = static_cast<const zerobus::RecordsProtocol*>(&protocol);
    batch.make = [requests, records](size_t index, uint64_t tag) -> Result<stream::StreamRequest> {
      zerobus::PreparedRequest& request = (*requests)[index].request;
      request.tag = tag;
      return records->MakeRequest(std::move(request));
    };
    return batch;
  }

  const encode::EncodedBatch& DebugRecords(const BatchJob& job) const override {
    return job.encoded;
  }

 private:
  FormatContext context_;
  // The last plan found to fit, and its protocol: touched only by the job in turn.
  mutable std::shared_ptr<const schema::SchemaPlan> fitted_plan_;
  mutable const stream::StreamProtocol* fitted_protocol_ = nullptr;
};

}  // namespace

std::unique_ptr<SendFormat> MakeProtobufFormat(FormatContext context) {
  return std::make_unique<ProtobufFormat>(std::move(context));
}

}  // namespace arrow_zerobus::internal
