// Helpers for ZerobusWrapper tests: a configuration pointing at an in-process emulator, and
// batches of Event rows (id int64 not null, name utf8) whose ids can be read back from landed
// records.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/config.h"
#include "arrow_zerobus/transmission_result.h"
#include "emulator.h"

namespace arrow_zerobus::testing {

/// Endpoint, table, OAuth credentials and workspace URL of `emu`; short backoff and timeouts.
WrapperConfiguration WrapperConfigFor(const emulator::Emulator& emu,
                                      const std::string& table = "main.default.events");

/// Rows with ids [first_id, first_id + count) and names "event-<id>"; the ids listed in
/// `null_ids` are null (a conversion error, since id is not nullable).
std::shared_ptr<arrow::RecordBatch> EventsBatch(int64_t first_id, int64_t count,
                                                const std::set<int64_t>& null_ids = {});

/// The ids in column 0 of `batch` at `rows`.
std::vector<int64_t> IdsAt(const arrow::RecordBatch& batch, const std::vector<int64_t>& rows);

/// Checks the invariant every result must keep: each row in exactly one list, counts agree.
void ExpectEveryRowOnce(const TransmissionResult& result);

/// The wrapper suites run once per wire format: a suite derives from this and is instantiated
/// with INSTANTIATE_WIRE_FORMATS(suite).
class WireFormatTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool arrow() const { return GetParam() == "arrow"; }
  /// WrapperConfigFor(emu, table) in this run's wire format.
  WrapperConfiguration Config(const emulator::Emulator& emu,
                              const std::string& table = "main.default.events") const;
};

#define INSTANTIATE_WIRE_FORMATS(suite)                           \
  INSTANTIATE_TEST_SUITE_P(                                       \
      WireFormats, suite, ::testing::Values("protobuf", "arrow"), \
      [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })

}  // namespace arrow_zerobus::testing
