// What every CanonicalBatch (the Arrow format's cast, the table fit) must satisfy, checked the
// same way by both suites.
#pragma once

#include <cstdint>

#include <arrow/record_batch.h>
#include <gtest/gtest.h>

#include "encode/canonical_cast.h"

namespace arrow_zerobus::testing {

/// Each of `num_rows` rows accounted for once, one error per failed row in row order, the kept
/// rows in order, the batch under `schema` (metadata compared too) and valid Arrow data (UTF-8
/// included).
inline void ExpectEveryRowAccountedFor(const encode::CanonicalBatch& out,
                                       const arrow::Schema& schema, int64_t num_rows) {
  ASSERT_EQ(out.num_rows, num_rows);
  ASSERT_EQ(out.row_failed.size(), static_cast<size_t>(num_rows));
  ASSERT_NE(out.batch, nullptr);
  EXPECT_TRUE(out.batch->schema()->Equals(schema, /*check_metadata=*/true))
      << out.batch->schema()->ToString(true) << "\nvs\n"
      << schema.ToString(true);
  EXPECT_EQ(out.batch->num_rows(), out.successful_count());
  int64_t failed = 0;
  for (int64_t row = 0; row < num_rows; ++row) failed += out.failed(row) ? 1 : 0;
  EXPECT_EQ(failed, out.failed_count());
  for (size_t i = 0; i < out.errors.size(); ++i) {
    EXPECT_TRUE(out.failed(out.errors[i].row));
    if (i > 0) {
      EXPECT_LT(out.errors[i - 1].row, out.errors[i].row);
    }
  }
  if (out.failed_count() == 0) {
    EXPECT_TRUE(out.kept_rows.empty());
  } else {
    ASSERT_EQ(static_cast<int64_t>(out.kept_rows.size()), out.batch->num_rows());
  }
  int64_t k = 0;
  for (int64_t row = 0; row < num_rows; ++row) {
    if (out.failed(row)) continue;
    EXPECT_EQ(out.SourceRow(k), row);
    ++k;
  }
  const arrow::Status valid = out.batch->ValidateFull();
  EXPECT_TRUE(valid.ok()) << valid.ToString();
}

}  // namespace arrow_zerobus::testing
