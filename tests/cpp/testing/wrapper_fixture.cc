#include "testing/wrapper_fixture.h"

#include <arrow/array/array_primitive.h>
#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <gtest/gtest.h>

namespace arrow_zerobus::testing {

WrapperConfiguration WrapperConfigFor(const emulator::Emulator& emu, const std::string& table) {
  WrapperConfiguration config(emu.endpoint(), table);
  config.with_credentials(emulator::kDefaultClientId, emulator::kDefaultClientSecret)
      .with_unity_catalog(emu.workspace_url())
      .with_retry_config(3, 10, 100);
  config.connect_timeout_ms = 5000;
  config.server_lack_of_ack_timeout_ms = 5000;
  config.flush_timeout_ms = 20000;
  return config;
}

WrapperConfiguration WireFormatTest::Config(const emulator::Emulator& emu,
                                            const std::string& table) const {
  return WrapperConfigFor(emu, table).with_wire_format(*ParseWireFormat(GetParam()));
}

std::shared_ptr<arrow::RecordBatch> EventsBatch(int64_t first_id, int64_t count,
                                                const std::set<int64_t>& null_ids) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  for (int64_t id = first_id; id < first_id + count; ++id) {
    if (null_ids.count(id) > 0) {
      EXPECT_TRUE(ids.AppendNull().ok());
    } else {
      EXPECT_TRUE(ids.Append(id).ok());
    }
    EXPECT_TRUE(names.Append("event-" + std::to_string(id)).ok());
  }
  std::shared_ptr<arrow::Array> id_array, name_array;
  EXPECT_TRUE(ids.Finish(&id_array).ok());
  EXPECT_TRUE(names.Finish(&name_array).ok());
  auto schema = arrow::schema({arrow::field("id", arrow::int64(), /*nullable=*/false),
                               arrow::field("name", arrow::utf8())});
  return arrow::RecordBatch::Make(schema, count, {id_array, name_array});
}

std::vector<int64_t> IdsAt(const arrow::RecordBatch& batch, const std::vector<int64_t>& rows) {
  const auto& ids = static_cast<const arrow::Int64Array&>(*batch.column(0));
  std::vector<int64_t> out;
  for (int64_t row : rows) out.push_back(ids.IsNull(row) ? -1 : ids.Value(row));
  return out;
}

void ExpectEveryRowOnce(const TransmissionResult& result) {
  EXPECT_EQ(result.total_rows, result.successful_count + result.failed_count);
  EXPECT_EQ(result.successful_count, static_cast<int64_t>(result.successful_rows.size()));
  EXPECT_EQ(result.failed_count, static_cast<int64_t>(result.failed_rows.size()));
  std::vector<int> seen(result.total_rows, 0);
  for (int64_t row : result.successful_rows) {
    ASSERT_GE(row, 0);
    ASSERT_LT(row, result.total_rows);
    ++seen[row];
  }
  for (const RowFailure& failure : result.failed_rows) {
    ASSERT_GE(failure.row, 0);
    ASSERT_LT(failure.row, result.total_rows);
    ++seen[failure.row];
    EXPECT_FALSE(failure.error.ok()) << "row " << failure.row << " failed without an error";
  }
  for (int64_t row = 0; row < result.total_rows; ++row) {
    EXPECT_EQ(seen[row], 1) << "row " << row << " appears " << seen[row] << " times";
  }
}

}  // namespace arrow_zerobus::testing
