// A batch's result built from the fate of its requests (BatchJob::BuildResult), and batches'
// results merged into one (ResultMerger): every row exactly once, with the right outcome, however
// conversion errors, failed requests and rows outside every request interleave.
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <arrow/api.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wrapper/batch_job.h"
#include "wrapper/result_merge.h"

namespace arrow_zerobus::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::shared_ptr<arrow::RecordBatch> Ids(int64_t rows) {
  arrow::Int64Builder ids;
  for (int64_t i = 0; i < rows; ++i) EXPECT_TRUE(ids.Append(i).ok());
  return arrow::RecordBatch::Make(arrow::schema({arrow::field("id", arrow::int64())}), rows,
                                  {ids.Finish().ValueOrDie()});
}

/// A job of `rows` rows whose conversion failed on `failed_rows`.
std::shared_ptr<BatchJob> Job(int64_t rows, const std::vector<int64_t>& failed_rows = {}) {
  auto batch = Ids(rows);
  auto state = std::make_shared<BatchState>(rows, nullptr, nullptr);
  auto job = std::make_shared<BatchJob>(0, batch, state);
  job->encoded_ok = true;
  job->encoded.num_rows = rows;
  job->encoded.row_failed.assign(static_cast<size_t>(rows), 0);
  for (int64_t row : failed_rows) {
    job->encoded.row_failed[row] = 1;
    job->encoded.errors.push_back(
        {row, "id", encode::RowErrorKind::kNullValue, "row " + std::to_string(row) + " is bad"});
  }
  return job;
}

std::vector<int64_t> FailedRows(const TransmissionResult& result) {
  std::vector<int64_t> rows;
  for (const RowFailure& failure : result.failed_rows) rows.push_back(failure.row);
  return rows;
}

std::vector<int64_t> Range(int64_t first, int64_t end) {
  std::vector<int64_t> rows(static_cast<size_t>(end - first));
  std::iota(rows.begin(), rows.end(), first);
  return rows;
}

const Status kCut(StatusCode::kUnavailable, ErrorKind::kTransmission, "connection cut");

TEST(BatchResultTest, EveryRowOfAcknowledgedRequestsLandsInOrder) {
  auto job = Job(10);
  job->AddRequests({{0, 4}, {4, 10}});
  job->ResolveRequest(0, Status::OK(), 1, 4, "s");
  job->ResolveRequest(1, Status::OK(), 1, 6, "s");
  ASSERT_TRUE(job->FinishSubmitting());
  const TransmissionResult result = job->BuildResult();
  EXPECT_EQ(result.successful_rows, Range(0, 10));
  EXPECT_THAT(result.failed_rows, IsEmpty());
  EXPECT_TRUE(result.success);
  EXPECT_EQ(result.successful_count, 10);
}

TEST(BatchResultTest, ConversionErrorsAndAFailedRequestInterleave) {
  // Rows 2 and 7 failed conversion; the request holding rows 5..9 was cut.
  auto job = Job(10, {2, 7});
  job->AddRequests({{0, 5}, {5, 10}});
  job->ResolveRequest(0, Status::OK(), 1, 4, "s");
  job->ResolveRequest(1, kCut, 3, 4, "s");
  ASSERT_TRUE(job->FinishSubmitting());
  const TransmissionResult result = job->BuildResult();
  EXPECT_THAT(result.successful_rows, ElementsAre(0, 1, 3, 4));
  EXPECT_THAT(FailedRows(result), ElementsAre(2, 5, 6, 7, 8, 9));
  // Rows 2 and 7 keep their own conversion errors; row 7's is not the cut request's.
  EXPECT_EQ(result.failed_rows[0].error.kind(), ErrorKind::kConversion);
  EXPECT_EQ(result.failed_rows[3].error.kind(), ErrorKind::kConversion);
  EXPECT_EQ(result.failed_rows[1].error.message(), "connection cut");
  EXPECT_EQ(result.failed_count + result.successful_count, 10);
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.rows_replayed, 4 * 2);
}

TEST(BatchResultTest, RowsBetweenRequestsAreTheirConversionErrors) {
  // The packer skips failed rows: requests cover 0..3 and 6..10, rows 3..5 failed conversion.
  auto job = Job(10, {3, 4, 5});
  job->AddRequests({{0, 3}, {6, 10}});
  job->ResolveRequest(0, Status::OK(), 1, 3, "s");
  job->ResolveRequest(1, Status::OK(), 1, 4, "s");
  ASSERT_TRUE(job->FinishSubmitting());
  const TransmissionResult result = job->BuildResult();
  EXPECT_THAT(result.successful_rows, ElementsAre(0, 1, 2, 6, 7, 8, 9));
  EXPECT_THAT(FailedRows(result), ElementsAre(3, 4, 5));
  EXPECT_TRUE(result.success);  // conversion errors alone do not fail the batch
}

TEST(BatchResultTest, RowsOutsideEveryRequestLandOnlyWithoutABatchFailure) {
  // Writer disabled: nothing is sent, converted rows count as landed.
  auto converted = Job(5, {1});
  ASSERT_TRUE(converted->FinishSubmitting());
  EXPECT_THAT(converted->BuildResult().successful_rows, ElementsAre(0, 2, 3, 4));

  // A failure before sending fails every row the conversion did not.
  auto refused = Job(5, {1});
  refused->batch_failure = kCut;
  ASSERT_TRUE(refused->FinishSubmitting());
  const TransmissionResult result = refused->BuildResult();
  EXPECT_THAT(result.successful_rows, IsEmpty());
  EXPECT_THAT(FailedRows(result), ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(result.failed_rows[1].error.kind(), ErrorKind::kConversion);
  EXPECT_EQ(result.failed_rows[0].error.message(), "connection cut");
}

TEST(BatchResultTest, MergedBatchesNumberRowsAcrossThemWhetherOrNotSized) {
  auto all = Job(4);
  all->AddRequests({{0, 4}});
  all->ResolveRequest(0, Status::OK(), 1, 4, "s");
  ASSERT_TRUE(all->FinishSubmitting());
  auto partial = Job(5, {0, 3});
  partial->AddRequests({{1, 3}, {4, 5}});
  partial->ResolveRequest(0, Status::OK(), 1, 2, "s");
  partial->ResolveRequest(1, Status::OK(), 1, 1, "s");
  ASSERT_TRUE(partial->FinishSubmitting());
  const TransmissionResult first = all->BuildResult();
  const TransmissionResult second = partial->BuildResult();

  for (int64_t expected : {0, 9, 2}) {
    SCOPED_TRACE(expected);
    ResultMerger merger;
    merger.ExpectRows(expected);  // a hint only: too small, exact or none
    merger.Add(first);
    merger.Add(second);
    merger.Add(first);
    const TransmissionResult merged = merger.Finish(1.0);
    EXPECT_THAT(merged.successful_rows, ElementsAre(0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12));
    EXPECT_THAT(FailedRows(merged), ElementsAre(4, 7));
    EXPECT_EQ(merged.total_rows, 13);
    EXPECT_EQ(merged.successful_count, 11);
  }
}

}  // namespace
}  // namespace arrow_zerobus::internal
