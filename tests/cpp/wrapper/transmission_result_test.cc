// TransmissionResult helpers on hand-built results: row extraction, grouping, statistics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/transmission_result.h"
#include "testing/arrow_builders.h"
#include "wrapper/failed_values.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TransmissionResult MixedResult() {
  TransmissionResult result;
  result.success = true;
  result.total_rows = 5;
  result.successful_rows = {0, 2, 4};
  Status conversion(StatusCode::kInvalidArgument, ErrorKind::kConversion, "row 1: bad value");
  Status connection(StatusCode::kUnavailable, ErrorKind::kConnection, "connection cut", true);
  result.failed_rows = {{1, conversion}, {3, connection}};
  result.successful_count = 3;
  result.failed_count = 2;
  return result;
}

std::shared_ptr<arrow::RecordBatch> FiveRows() {
  return MakeBatch({arrow::field("v", arrow::int32())},
                   {ArrayFromJson(arrow::int32(), "[10, 11, 12, 13, 14]")});
}

TEST(TransmissionResultTest, ExtractTakesRowsInOrder) {
  TransmissionResult result = MixedResult();
  auto failed = result.extract_failed_batch(*FiveRows());
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_TRUE((*failed)->column(0)->Equals(*ArrayFromJson(arrow::int32(), "[11, 13]")));
  auto successful = result.extract_successful_batch(*FiveRows());
  ASSERT_TRUE(successful.ok());
  EXPECT_TRUE((*successful)->column(0)->Equals(*ArrayFromJson(arrow::int32(), "[10, 12, 14]")));
}

TEST(TransmissionResultTest, ExtractTakesViewTypedColumnsInTheirPlainForm) {
  // polars exports strings as string_view; Arrow has no Take kernel for views.
  auto batch = MakeBatch(
      {arrow::field("s", arrow::utf8_view()), arrow::field("l", arrow::list_view(arrow::int32()))},
      {ArrayFromJson(arrow::utf8_view(), R"(["a", "b", "c", "d", "e"])"),
       ArrayFromJson(arrow::list_view(arrow::int32()), "[[1], [2, 2], null, [], [5]]")});
  auto failed = MixedResult().extract_failed_batch(*batch);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_TRUE((*failed)->column(0)->Equals(*ArrayFromJson(arrow::utf8(), R"(["b", "d"])")));
  EXPECT_TRUE(
      (*failed)->column(1)->Equals(*ArrayFromJson(arrow::list(arrow::int32()), "[[2, 2], []]")));
  EXPECT_EQ((*failed)->schema()->field(0)->name(), "s");
}

TEST(TransmissionResultTest, ExtractWithNoRowsGivesAnEmptyBatch) {
  TransmissionResult result;
  result.success = true;
  result.total_rows = 5;
  result.successful_rows = {0, 1, 2, 3, 4};
  result.successful_count = 5;
  auto failed = result.extract_failed_batch(*FiveRows());
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ((*failed)->num_rows(), 0);
  EXPECT_EQ((*failed)->num_columns(), 1);
}

TEST(TransmissionResultTest, ExtractFromTheWrongBatchIsAnError) {
  auto other =
      MakeBatch({arrow::field("v", arrow::int32())}, {ArrayFromJson(arrow::int32(), "[1]")});
  auto failed = MixedResult().extract_failed_batch(*other);
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.status().message(), HasSubstr("5 rows"));
  EXPECT_THAT(failed.status().message(), HasSubstr("has 1"));
}

TEST(TransmissionResultTest, FailedBatchNeedsTheFailedValues) {
  TransmissionResult result = MixedResult();
  auto missing = result.failed_batch();
  EXPECT_EQ(missing.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(missing.status().message(), HasSubstr("extract_failed_batch"));

  auto values = result.extract_failed_batch(*FiveRows());
  ASSERT_TRUE(values.ok());
  result.failed_values = *values;
  auto failed = result.failed_batch();
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_TRUE((*failed)->column(0)->Equals(*ArrayFromJson(arrow::int32(), "[11, 13]")));
  EXPECT_TRUE((*failed)->column(1)->Equals(*ArrayFromJson(arrow::int64(), "[1, 3]")));
  EXPECT_TRUE((*failed)->column(2)->Equals(
      *ArrayFromJson(arrow::utf8(), R"(["ConversionError", "ConnectionError"])")));
  EXPECT_TRUE((*failed)->column(3)->Equals(
      *ArrayFromJson(arrow::utf8(), R"(["row 1: bad value", "connection cut"])")));
}

TEST(TransmissionResultTest, FailedValuesOfViewAndPlainBatchesMergeInThePlainForm) {
  TransmissionResult all_failed;
  all_failed.total_rows = all_failed.failed_count = 1;
  all_failed.failed_rows = {{0, ConfigurationError("x")}};
  auto views = MakeBatch({arrow::field("s", arrow::utf8_view())},
                         {ArrayFromJson(arrow::utf8_view(), R"(["kept as a view"])")});
  auto kept = internal::KeepFailedValues(all_failed, *views);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->column(0)->type()->id(), arrow::Type::STRING_VIEW) << "shared, not cast";

  TransmissionResult one_of_two = all_failed;
  one_of_two.total_rows = 2;
  one_of_two.successful_rows = {0};
  one_of_two.successful_count = 1;
  one_of_two.failed_rows = {{1, ConfigurationError("y")}};
  auto two = MakeBatch({arrow::field("s", arrow::utf8_view())},
                       {ArrayFromJson(arrow::utf8_view(), R"(["landed", "taken"])")});
  auto taken = internal::KeepFailedValues(one_of_two, *two);
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(taken->column(0)->type()->id(), arrow::Type::STRING);

  internal::FailedValuesMerger merger;
  merger.Add(kept);
  merger.Add(taken);
  auto merged = merger.Finish();
  ASSERT_NE(merged, nullptr);
  EXPECT_TRUE(
      merged->column(0)->Equals(*ArrayFromJson(arrow::utf8(), R"(["kept as a view", "taken"])")));
}

TEST(TransmissionResultTest, AllRowsLandedIsStricterThanSuccess) {
  TransmissionResult result = MixedResult();
  EXPECT_TRUE(result.success);
  EXPECT_FALSE(result.all_rows_landed());
  TransmissionResult clean;
  clean.success = true;
  clean.total_rows = clean.successful_count = 2;
  clean.successful_rows = {0, 1};
  EXPECT_TRUE(clean.all_rows_landed());
  clean.writer_disabled = true;
  EXPECT_FALSE(clean.all_rows_landed()) << "converted rows did not land";
  TransmissionResult empty;
  empty.success = true;
  EXPECT_TRUE(empty.all_rows_landed()) << "an empty batch";
}

TEST(TransmissionResultTest, GroupsAndStatisticsUseTheOriginalTypeNames) {
  TransmissionResult result = MixedResult();
  auto groups = result.group_errors_by_type();
  EXPECT_THAT(groups["ConversionError"], ElementsAre(1));
  EXPECT_THAT(groups["ConnectionError"], ElementsAre(3));
  ErrorStatistics stats = result.get_error_statistics();
  EXPECT_EQ(stats.total_rows, 5);
  EXPECT_DOUBLE_EQ(stats.success_rate, 0.6);
  EXPECT_DOUBLE_EQ(stats.failure_rate, 0.4);
  EXPECT_EQ(stats.error_type_counts.size(), 2u);
  EXPECT_THAT(result.get_failed_row_indices_by_error_type("ConnectionError"), ElementsAre(3));
  EXPECT_TRUE(result.is_partial_success());
  auto messages = result.get_error_messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_THAT(messages[0], HasSubstr("row 1"));
  EXPECT_THAT(messages[1], HasSubstr("connection cut"));
}

TEST(TransmissionResultTest, EmptyResultHasFullSuccessRate) {
  TransmissionResult result;
  result.success = true;
  ErrorStatistics stats = result.get_error_statistics();
  EXPECT_DOUBLE_EQ(stats.success_rate, 1.0);
  EXPECT_DOUBLE_EQ(stats.failure_rate, 0.0);
  EXPECT_FALSE(result.is_partial_success());
  EXPECT_FALSE(result.has_failed_rows());
}

TEST(TransmissionResultTest, ErrorKindNamesMatchTheOriginalTypeNames) {
  EXPECT_EQ(ErrorKindName(ErrorKind::kConversion), "ConversionError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kRetriesExhausted), "RetryExhausted");
  EXPECT_EQ(ErrorKindName(ErrorKind::kAuthentication), "AuthenticationError");
  EXPECT_EQ(ErrorKindName(ErrorKind::kTransmission), "TransmissionError");
}

TEST(TransmissionResultTest, SummaryNamesCountsAndError) {
  TransmissionResult result = MixedResult();
  result.success = false;
  result.error = Status(StatusCode::kUnavailable, ErrorKind::kConnection, "connection cut", true);
  std::string summary = result.Summary();
  EXPECT_THAT(summary, HasSubstr("3 of 5"));
  EXPECT_THAT(summary, HasSubstr("connection cut"));
}

}  // namespace
}  // namespace arrow_zerobus::testing
