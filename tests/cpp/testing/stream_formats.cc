#include "testing/stream_formats.h"

#include <arrow/array/array_primitive.h>

#include "flight/flight_put_protocol.h"
#include "testing/emulator_fixture.h"
#include "testing/flight_client.h"
#include "zerobus/ephemeral_protocol.h"
#include "zerobus/stream_messages.h"

namespace arrow_zerobus::testing {

std::string TestFormatName(TestFormat format) {
  return format == TestFormat::kArrow ? "Arrow" : "Protobuf";
}

std::shared_ptr<const stream::StreamProtocol> EventProtocol(TestFormat format,
                                                            const flight::IpcPayloadOptions& ipc) {
  if (format == TestFormat::kArrow) {
    auto protocol = flight::FlightPutProtocol::Make(ArrowEventSchema(), ipc);
    EXPECT_TRUE(protocol.ok()) << protocol.status();
    return protocol.ok() ? *protocol : nullptr;
  }
  auto protocol = zerobus::EphemeralProtocol::Make(kTestTable, EventDescriptor());
  EXPECT_TRUE(protocol.ok()) << protocol.status();
  return protocol.ok() ? *protocol : nullptr;
}

stream::StreamRequest EventRows(const stream::StreamProtocol& protocol, int64_t first_id,
                                int64_t count, uint64_t tag) {
  if (const auto* flight_put = dynamic_cast<const flight::FlightPutProtocol*>(&protocol)) {
    auto request = flight_put->MakeRequest(tag, ArrowEventBatch(first_id, count));
    EXPECT_TRUE(request.ok()) << request.status();
    return request.ok() ? std::move(request).value() : stream::StreamRequest{};
  }
  return zerobus::ProtoRequest(EventRequest(first_id, count, tag));
}

Result<std::unique_ptr<stream::StreamEngine>> OpenEventStream(TestFormat format,
                                                              stream::StreamConfig config) {
  return stream::StreamEngine::Open(std::move(config), EventProtocol(format));
}

Result<std::unique_ptr<stream::LaneSet>> OpenEventLanes(TestFormat format,
                                                        const stream::StreamConfig& config,
                                                        int lanes) {
  return stream::LaneSet::Open(config, EventProtocol(format), lanes);
}

std::vector<int64_t> UnackedIds(const stream::StreamProtocol& protocol,
                                const std::vector<stream::StreamEngine::Unacked>& unacked) {
  const bool arrow = dynamic_cast<const flight::FlightPutProtocol*>(&protocol) != nullptr;
  std::vector<int64_t> ids;
  for (const auto& item : unacked) {
    if (!arrow) {
      const zerobus::PreparedRequest& request = zerobus::PreparedOf(item.request);
      const std::string body(reinterpret_cast<const char*>(request.body.begin()),
                             request.body.size());
      const std::string bytes = zerobus::IngestBatchRequestPrefix(0, body.size()) + body;
      zerobus::ParsedRequest parsed;
      const Status read = zerobus::ParseStreamRequest(bytes, &parsed);
      EXPECT_TRUE(read.ok()) << read;
      for (std::string_view record : parsed.records) ids.push_back(EventId(std::string(record)));
      continue;
    }
    const auto rows = flight::UnackedRows(item);
    const auto& values = static_cast<const arrow::Int64Array&>(*rows->GetColumnByName("id"));
    for (int64_t row = 0; row < values.length(); ++row) ids.push_back(values.Value(row));
  }
  return ids;
}

}  // namespace arrow_zerobus::testing
