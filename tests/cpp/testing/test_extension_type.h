// A minimal Arrow extension type over any storage type, for tests of extension columns.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <arrow/extension_type.h>

namespace arrow_zerobus::testing {

class TestExtensionType : public arrow::ExtensionType {
 public:
  explicit TestExtensionType(std::shared_ptr<arrow::DataType> storage,
                             std::string name = "arrow_zerobus.test.tiny")
      : arrow::ExtensionType(std::move(storage)), name_(std::move(name)) {}

  std::string extension_name() const override { return name_; }
  bool ExtensionEquals(const arrow::ExtensionType& other) const override {
    return other.extension_name() == extension_name() &&
           other.storage_type()->Equals(*storage_type());
  }
  std::shared_ptr<arrow::Array> MakeArray(std::shared_ptr<arrow::ArrayData> data) const override {
    return std::make_shared<arrow::ExtensionArray>(std::move(data));
  }
  arrow::Result<std::shared_ptr<arrow::DataType>> Deserialize(
      std::shared_ptr<arrow::DataType> storage, const std::string&) const override {
    return std::make_shared<TestExtensionType>(std::move(storage), name_);
  }
  std::string Serialize() const override { return ""; }

 private:
  std::string name_;
};

}  // namespace arrow_zerobus::testing
