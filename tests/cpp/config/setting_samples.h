// Test helpers for the configuration tests: a valid, non-default text value for every setting,
// chosen by the setting's kind, so a test that walks SettingKeys() covers a new setting without
// being edited; and ToString() read back as key -> shown value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "arrow_zerobus/config.h"
#include "config/settings_table.h"

namespace arrow_zerobus::config::testing {

inline constexpr char kSecretValue[] = "s3cr3t-value";

/// ToString() as key -> value, in order of appearance (checked separately).
inline std::map<std::string, std::string> ShownValues(const WrapperConfiguration& config) {
  std::map<std::string, std::string> shown;
  std::istringstream lines(config.ToString());
  std::string line;
  while (std::getline(lines, line)) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      ADD_FAILURE() << "ToString() line without ': ': " << line;
      continue;
    }
    shown[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return shown;
}

/// A serialized DescriptorProto with one field.
inline std::string SampleDescriptorBytes() {
  google::protobuf::DescriptorProto descriptor;
  descriptor.set_name("Row");
  auto* field = descriptor.add_field();
  field->set_name("id");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
  field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  return descriptor.SerializeAsString();
}

inline void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

struct SettingSample {
  std::string key;
  std::string text;   ///< what Set(), YAML or the environment is given
  std::string shown;  ///< what ToString() shows for the key afterwards
};

/// One sample per key of SettingKeys(), each different from the default. Files the samples name
/// (descriptor_proto) are written under `dir`.
inline std::vector<SettingSample> SampleSettings(const std::filesystem::path& dir) {
  const auto defaults = ShownValues(WrapperConfiguration());
  std::vector<SettingSample> samples;
  for (const std::string& key : WrapperConfiguration::SettingKeys()) {
    const Setting* setting = FindSetting(key);
    if (setting == nullptr) {
      ADD_FAILURE() << "SettingKeys() lists " << key << " but FindSetting() does not know it";
      continue;
    }
    const std::string& fallback = defaults.at(key);
    SettingSample sample{key, "", ""};
    switch (setting->kind) {
      case SettingKind::kString:
        sample.text = sample.shown = "sample-" + key;
        break;
      case SettingKind::kSecret:
        sample.text = kSecretValue;
        sample.shown = "***";
        break;
      case SettingKind::kPath:
        sample.text = sample.shown = "/tmp/samples/" + key;
        break;
      case SettingKind::kBool:
        sample.text = fallback == "true" ? "Off" : "YES";
        sample.shown = fallback == "true" ? "false" : "true";
        break;
      case SettingKind::kInt:
        sample.text = sample.shown = std::to_string(std::stoll(fallback) + 7);
        break;
      case SettingKind::kOptionalInt:
        sample.text = sample.shown = fallback == "4242" ? "4343" : "4242";
        break;
      case SettingKind::kWireFormat:
        sample.text = "Arrow";
        sample.shown = "arrow";
        break;
      case SettingKind::kOptionalString: {
        const std::string bytes = SampleDescriptorBytes();
        const auto path = dir / (key + ".bin");
        WriteFile(path, bytes);
        sample.text = path.string();
        sample.shown = "<" + std::to_string(bytes.size()) + " bytes>";
        break;
      }
    }
    EXPECT_NE(sample.shown, fallback) << key;
    samples.push_back(sample);
  }
  return samples;
}

/// Checks that `config` differs from the default in `sample.key` only, showing `sample.shown`.
inline void ExpectOnlyChange(const WrapperConfiguration& config, const SettingSample& sample) {
  const auto defaults = ShownValues(WrapperConfiguration());
  const auto shown = ShownValues(config);
  ASSERT_EQ(shown.size(), defaults.size());
  for (const auto& [key, value] : shown) {
    if (key == sample.key) {
      EXPECT_EQ(value, sample.shown) << key;
    } else {
      EXPECT_EQ(value, defaults.at(key)) << "setting " << sample.key << " also changed " << key;
    }
  }
}

/// A fresh directory for one test, removed by the destructor.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    // Random so that concurrent runs of the same test (several build directories) do not meet.
    path_ = std::filesystem::temp_directory_path() /
            ("arrow_zerobus_config_" + name + "_" + std::to_string(std::random_device{}()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace arrow_zerobus::config::testing
