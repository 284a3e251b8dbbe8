#include "record_decoder.h"

#include <set>
#include <vector>

#include <google/protobuf/descriptor.pb.h>

#include "schema/descriptor_errors.h"

namespace arrow_zerobus::emulator {
namespace {

using google::protobuf::DescriptorProto;

Status BadDescriptor(const std::string& why) {
  return Status(StatusCode::kInvalidArgument, ErrorKind::kConfiguration,
                "Invalid descriptor_proto: " + why);
}

void CollectTypeNames(const DescriptorProto& message, std::vector<std::string>* names) {
  for (const auto& field : message.field()) {
    if (!field.type_name().empty()) names->push_back(field.type_name());
  }
  for (const auto& nested : message.nested_type()) CollectTypeNames(nested, names);
}

// The package that fully qualified references to the root message imply: for a root named R,
// ".pkg.R.Nested" gives "pkg".
Result<std::string> ImpliedPackage(const DescriptorProto& root) {
  std::vector<std::string> names;
  CollectTypeNames(root, &names);
  std::set<std::string> packages;
  const std::string needle = "." + root.name();
  for (const std::string& name : names) {
    if (name.empty() || name[0] != '.') continue;  // relative names resolve inside the root
    size_t at = std::string::npos;
    for (size_t pos = name.find(needle); pos != std::string::npos;
         pos = name.find(needle, pos + 1)) {
      const size_t end = pos + needle.size();
      if (end == name.size() || name[end] == '.') {
        at = pos;
        break;
      }
    }
    if (at == std::string::npos) {
      return BadDescriptor("field type '" + name + "' refers outside message '" + root.name() +
                           "'; nested types must be declared inside the record message");
    }
    packages.insert(name.substr(1, at == 0 ? 0 : at - 1));
  }
  if (packages.size() > 1) {
    return BadDescriptor("field types of message '" + root.name() +
                         "' refer to more than one package");
  }
  return packages.empty() ? std::string() : *packages.begin();
}

}  // namespace

Result<std::unique_ptr<RecordDecoder>> RecordDecoder::FromDescriptorProto(std::string_view bytes) {
  google::protobuf::FileDescriptorProto file;
  DescriptorProto* root = file.add_message_type();
  if (bytes.empty()) return BadDescriptor("a PROTO stream needs a descriptor");
  if (!root->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return BadDescriptor("the bytes are not a serialized DescriptorProto");
  }
  if (root->name().empty()) return BadDescriptor("the message has no name");
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string package, ImpliedPackage(*root));
  file.set_name("zerobus_stream_record.proto");
  file.set_syntax("proto2");
  if (!package.empty()) file.set_package(package);

  std::unique_ptr<RecordDecoder> decoder(new RecordDecoder());
  schema::DescriptorErrors errors;
  const auto* built = decoder->pool_.BuildFileCollectingErrors(file, &errors);
  if (built == nullptr) return BadDescriptor(errors.text());
  decoder->descriptor_ = built->message_type(0);
  decoder->factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(&decoder->pool_);
  decoder->message_.reset(decoder->factory_->GetPrototype(decoder->descriptor_)->New());
  return decoder;
}

Result<const google::protobuf::Message*> RecordDecoder::Decode(std::string_view record) {
  message_->Clear();
  if (!message_->ParsePartialFromArray(record.data(), static_cast<int>(record.size()))) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "record does not parse as message '" + descriptor_->full_name() + "'");
  }
  if (!message_->IsInitialized()) {
    return Status(StatusCode::kInvalidArgument, ErrorKind::kTransmission,
                  "record misses required field(s): " + message_->InitializationErrorString());
  }
  return message_.get();
}

}  // namespace arrow_zerobus::emulator
