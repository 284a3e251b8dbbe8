// The emulator reads EphemeralStreamRequest with the generated protobuf classes, and with the
// client's hand-written codec only in --light mode: both readings must agree, on every request
// our clients send and on damaged ones.
#include "ephemeral_request.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace arrow_zerobus::emulator {
namespace {

namespace zb = ::databricks::zerobus;

std::string Describe(const Status& status, const EphemeralRequest& request) {
  if (!status.ok()) return "error";
  std::string out = "kind " + std::to_string(static_cast<int>(request.kind)) + " create '" +
                    request.create.ShortDebugString() + "' offset " +
                    (request.has_offset ? std::to_string(request.offset_id) : "none") +
                    " payload " + std::to_string(static_cast<int>(request.payload)) + " records";
  for (std::string_view record : request.records) out += " [" + std::string(record) + "]";
  return out;
}

/// Both readings of `bytes`, described: equal when they agree.
std::pair<std::string, std::string> BothReadings(const std::string& bytes) {
  EphemeralRequestReader generated(false);
  EphemeralRequestReader fast(true);
  EphemeralRequest a;
  EphemeralRequest b;
  const Status read_a = generated.Read(bytes, &a);
  const Status read_b = fast.Read(bytes, &b);
  return {Describe(read_a, a), Describe(read_b, b)};
}

std::vector<std::string> Corpus() {
  std::vector<std::string> corpus;
  zb::EphemeralStreamRequest create;
  create.mutable_create_stream()->set_table_name("main.default.t");
  create.mutable_create_stream()->set_descriptor_proto(std::string("\x0a\x03Row", 5));
  create.mutable_create_stream()->set_record_type(zb::PROTO);
  corpus.push_back(create.SerializeAsString());

  zb::EphemeralStreamRequest batch;
  batch.mutable_ingest_record_batch()->set_offset_id(7);
  for (const char* record : {"\x08\x01", "",
                             "\x12\x03"
                             "abc"}) {
    batch.mutable_ingest_record_batch()->mutable_proto_encoded_batch()->add_records(record);
  }
  corpus.push_back(batch.SerializeAsString());

  zb::EphemeralStreamRequest json;
  json.mutable_ingest_record_batch()->set_offset_id(0);
  json.mutable_ingest_record_batch()->mutable_json_batch()->add_records(R"({"a": 1})");
  corpus.push_back(json.SerializeAsString());

  zb::EphemeralStreamRequest single;
  single.mutable_ingest_record()->set_offset_id(3);
  single.mutable_ingest_record()->set_proto_encoded_record("\x08\x05");
  corpus.push_back(single.SerializeAsString());

  zb::EphemeralStreamRequest no_offset;
  no_offset.mutable_ingest_record()->set_json_record("{}");
  corpus.push_back(no_offset.SerializeAsString());

  zb::EphemeralStreamRequest empty_batch;
  empty_batch.mutable_ingest_record_batch()->set_offset_id(1);
  empty_batch.mutable_ingest_record_batch()->mutable_proto_encoded_batch();
  corpus.push_back(empty_batch.SerializeAsString());

  // Protobuf merges repeated occurrences of a message field; a oneof keeps the last member.
  corpus.push_back(batch.SerializeAsString() + batch.SerializeAsString());
  corpus.push_back(batch.SerializeAsString() + single.SerializeAsString());
  corpus.push_back(create.SerializeAsString() + json.SerializeAsString());
  zb::EphemeralStreamRequest only_table;
  only_table.mutable_create_stream()->set_table_name("main.default.other");
  corpus.push_back(create.SerializeAsString() + only_table.SerializeAsString());
  corpus.push_back(json.SerializeAsString() + create.SerializeAsString() +
                   only_table.SerializeAsString());
  corpus.push_back("");
  return corpus;
}

TEST(EphemeralRequestTest, GeneratedAndFastReadingsAgreeOnWellFormedRequests) {
  for (const std::string& bytes : Corpus()) {
    const auto [generated, fast] = BothReadings(bytes);
    EXPECT_EQ(generated, fast);
    EXPECT_NE(generated, "error");
  }
}

TEST(EphemeralRequestTest, GeneratedAndFastReadingsAgreeOnDamagedRequests) {
  std::mt19937 random(20261206);
  int compared = 0;
  for (const std::string& original : Corpus()) {
    if (original.empty()) continue;
    for (int round = 0; round < 2000; ++round) {
      std::string bytes = original;
      switch (random() % 3) {
        case 0:
          bytes.resize(random() % bytes.size());
          break;
        case 1:
          bytes[random() % bytes.size()] = static_cast<char>(random());
          break;
        default:
          bytes.insert(bytes.begin() + static_cast<long>(random() % bytes.size()),
                       static_cast<char>(random()));
          break;
      }
      const auto [generated, fast] = BothReadings(bytes);
      EXPECT_EQ(generated, fast) << "bytes: " << testing::PrintToString(bytes);
      ++compared;
    }
  }
  EXPECT_GT(compared, 10000);
}

}  // namespace
}  // namespace arrow_zerobus::emulator
