// Framed records (EncodeOptions::frame_records): each record is preceded by the tag and length of
// `repeated bytes records = 1`, so any run of rows is a ProtoEncodedRecordBatch body the
// transport sends straight from the arena. Failed rows take no bytes.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "encode/batch_encoder.h"
#include "testing/arrow_builders.h"
#include "zerobus_service.pb.h"

namespace arrow_zerobus::encode {
namespace {

using arrow_zerobus::testing::ArrayFromJson;
using arrow_zerobus::testing::MakeBatch;
using arrow_zerobus::testing::PlanOrFail;

TEST(FramedRecordsTest, RecordsMatchUnframedAndRunsParseAsBatchBodies) {
  // Row 2 fails (a null in a NOT NULL column); row 4 holds a 300-byte string (2-byte length).
  const std::string long_name(300, 'n');
  auto fields = {arrow::field("id", arrow::int64(), /*nullable=*/false),
                 arrow::field("name", arrow::utf8())};
  auto batch = MakeBatch(fields, {ArrayFromJson(arrow::int64(), "[1, 2, null, 4, 5, 6]"),
                                  ArrayFromJson(arrow::utf8(), "[\"a\", null, \"c\", \"\", \"" +
                                                                   long_name + "\", \"f\"]")});
  auto plan = PlanOrFail(*batch->schema());
  EncodeOptions framed_options;
  framed_options.frame_records = true;
  auto plain = EncodeBatch(*plan, *batch);
  auto framed = EncodeBatch(*plan, *batch, framed_options);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(framed.ok()) << framed.status();
  ASSERT_TRUE(framed->framed);
  ASSERT_EQ(framed->failed_count(), 1);
  ASSERT_TRUE(framed->failed(2));
  EXPECT_TRUE(framed->entry_bytes(2, 3).empty());

  std::vector<std::string> expected;
  for (int64_t row = 0; row < batch->num_rows(); ++row) {
    EXPECT_EQ(framed->record(row), plain->record(row)) << "row " << row;
    if (!framed->failed(row)) expected.emplace_back(plain->record(row));
  }
  // The whole batch, and any run of rows, is a ProtoEncodedRecordBatch body.
  databricks::zerobus::ProtoEncodedRecordBatch body;
  const std::string_view all = framed->entry_bytes(0, batch->num_rows());
  ASSERT_TRUE(body.ParseFromArray(all.data(), static_cast<int>(all.size())));
  EXPECT_THAT(body.records(), ::testing::ElementsAreArray(expected));
  const std::string_view run = framed->entry_bytes(1, 5);
  ASSERT_TRUE(body.ParseFromArray(run.data(), static_cast<int>(run.size())));
  ASSERT_EQ(body.records_size(), 3);  // rows 1, 3, 4
  EXPECT_EQ(body.records(2), plain->record(4));
}

}  // namespace
}  // namespace arrow_zerobus::encode
