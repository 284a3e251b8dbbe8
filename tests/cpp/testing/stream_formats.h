// Both wire formats behind one test harness, so that a stream scenario is written once and runs
// for each (INSTANTIATE_BOTH_FORMATS): Event rows {id, name} as Protobuf records on
// EphemeralStream or as Arrow batches on Flight DoPut, read back by their ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "arrow_zerobus/status.h"
#include "flight/ipc_payloads.h"
#include "stream/lane_set.h"
#include "stream/stream_engine.h"
#include "stream/stream_protocol.h"

namespace arrow_zerobus::testing {

enum class TestFormat { kProtobuf, kArrow };

/// "Protobuf", "Arrow": the suffix of parameterized test names.
std::string TestFormatName(TestFormat format);

/// The protocol of Event rows: Protobuf records of EventDescriptor(), or Arrow batches of
/// ArrowEventSchema() (with `ipc` options).
std::shared_ptr<const stream::StreamProtocol> EventProtocol(
    TestFormat format, const flight::IpcPayloadOptions& ipc = {});
/// A request of Event rows with ids [first_id, first_id + count) for `protocol` (made by
/// EventProtocol), named `tag`.
stream::StreamRequest EventRows(const stream::StreamProtocol& protocol, int64_t first_id,
                                int64_t count, uint64_t tag = 0);
/// Opens a stream of Event rows in `format` with `config` (e.g. OAuthConfig).
Result<std::unique_ptr<stream::StreamEngine>> OpenEventStream(TestFormat format,
                                                              stream::StreamConfig config);
/// Opens `lanes` streams of Event rows in `format`.
Result<std::unique_ptr<stream::LaneSet>> OpenEventLanes(TestFormat format,
                                                        const stream::StreamConfig& config,
                                                        int lanes);
/// The ids of the rows unacknowledged requests of `protocol` (made by EventProtocol) still hold
/// (a partly acknowledged Arrow request only its rows that did not land). The protocol says how
/// to read them: a one-row request has one unit in either format.
std::vector<int64_t> UnackedIds(const stream::StreamProtocol& protocol,
                                const std::vector<stream::StreamEngine::Unacked>& unacked);

/// A suite parameterized by TestFormat: `format()` is the one it runs with.
class BothFormatsTest : public ::testing::TestWithParam<TestFormat> {
 protected:
  TestFormat format() const { return GetParam(); }
  bool arrow() const { return GetParam() == TestFormat::kArrow; }
};

struct TestFormatPrinter {
  std::string operator()(const ::testing::TestParamInfo<TestFormat>& info) const {
    return TestFormatName(info.param);
  }
};

}  // namespace arrow_zerobus::testing

/// Runs every TEST_P of `suite` once per wire format.
#define INSTANTIATE_BOTH_FORMATS(suite)                                                       \
  INSTANTIATE_TEST_SUITE_P(BothFormats, suite,                                                \
                           ::testing::Values(::arrow_zerobus::testing::TestFormat::kProtobuf, \
                                             ::arrow_zerobus::testing::TestFormat::kArrow),   \
                           ::arrow_zerobus::testing::TestFormatPrinter())
