// Decodes the records of one stream with the DescriptorProto sent at create, as the service does:
// a record that does not parse, or lacks a required field, is refused with the reason.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

class RecordDecoder {
 public:
  /// Builds the message type from a serialized DescriptorProto. Nested types may be referenced
  /// with fully qualified names in any package (e.g. ".orders.table_Orders.Address"): the
  /// package is taken from those names. INVALID_ARGUMENT when the bytes do not describe a
  /// self-contained message.
  static Result<std::unique_ptr<RecordDecoder>> FromDescriptorProto(std::string_view bytes);

  const google::protobuf::Descriptor& descriptor() const { return *descriptor_; }

  /// Parses `record`; the message stays valid until the next call. Not thread-safe: one decoder
  /// per stream.
  Result<const google::protobuf::Message*> Decode(std::string_view record);

 private:
  RecordDecoder() = default;

  google::protobuf::DescriptorPool pool_;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::Message> message_;
};

}  // namespace arrow_zerobus::emulator
