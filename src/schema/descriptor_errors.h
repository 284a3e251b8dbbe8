// Collects the errors a DescriptorPool reports while building a file into one readable line.
#pragma once

#include <string>

#include <google/protobuf/descriptor.h>

namespace arrow_zerobus::schema {

class DescriptorErrors : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& /*filename*/, const std::string& element_name,
                const google::protobuf::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    if (!text_.empty()) text_ += "; ";
    text_ += element_name + ": " + message;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace arrow_zerobus::schema
