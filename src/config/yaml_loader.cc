// WrapperConfiguration::FromYamlFile / FromYamlString: a mapping of settings, flat
// (`debug_max_file_size: 100`) or in sections whose names prefix their keys
// (`debug: {arrow_enabled: true}`), each value applied through the settings table. yaml-cpp
// throws; its exceptions are caught here and become Status.
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "arrow_zerobus/config.h"
#include "common/file_text.h"
#include "config/settings_table.h"

namespace arrow_zerobus {
namespace {

constexpr char kStringSource[] = "<yaml string>";

// Applies every entry it can and collects a problem for each one it cannot, so that one error
// lists every bad key and value of the file.
class YamlApplier {
 public:
  YamlApplier(std::string source, WrapperConfiguration& config)
      : source_(std::move(source)), config_(config) {}

  // `first` is the first of `count` documents.
  Status ApplyDocuments(size_t count, const YAML::Node& first) {
    if (count > 1) {
      return ConfigurationError(source_ + ": holds " + std::to_string(count) +
                                " YAML documents; give one");
    }
    if (count == 0 || first.IsNull()) return Status::OK();
    if (!first.IsMap()) {
      return ConfigurationError(Where(first.Mark()) +
                                ": the top level must be a mapping of settings");
    }
    ApplyMapping(first, "");
    return config::JoinProblems(problems_);
  }

 private:
  std::string Where(const YAML::Mark& mark) const {
    if (mark.is_null()) return source_;
    return source_ + ":" + std::to_string(mark.line + 1);
  }

  void ApplyMapping(const YAML::Node& mapping, const std::string& prefix) {
    for (const auto& entry : mapping) {
      Status status = ApplyEntry(entry.first, entry.second, prefix);
      if (!status.ok()) problems_.push_back(std::move(status));
    }
  }

  Status ApplyEntry(const YAML::Node& key_node, const YAML::Node& value,
                    const std::string& prefix) {
    const std::string where = Where(key_node.Mark());
    if (!key_node.IsScalar()) {
      return ConfigurationError(where + ": setting names must be plain words");
    }
    const std::string key = prefix.empty() ? key_node.Scalar() : prefix + "_" + key_node.Scalar();
    const config::Setting* setting = config::FindSetting(key);
    if (setting == nullptr) {
      if (value.IsMap() && value.size() > 0) {
        ApplyMapping(value, key);
        return Status::OK();
      }
      return config::UnknownSettingError(key).WithContext(where);
    }
    const int line = key_node.Mark().is_null() ? 0 : key_node.Mark().line + 1;
    if (const auto [previous, inserted] = first_line_.emplace(key, line); !inserted) {
      return ConfigurationError(where + ": " + key + " is set twice (first on line " +
                                std::to_string(previous->second) + ")");
    }
    if (value.IsNull()) {
      // Null means unset for optional settings and empty text for strings; nothing else has a
      // value to fall back to.
      if (setting->kind == config::SettingKind::kBool ||
          setting->kind == config::SettingKind::kInt) {
        return ConfigurationError(where + ": " + key + " has no value");
      }
      return config::SetFromText(*setting, "", config_).WithContext(where);
    }
    if (!value.IsScalar()) {
      return ConfigurationError(where + ": " + key + " takes one value, not a list or mapping");
    }
    return config::SetFromText(*setting, value.Scalar(), config_).WithContext(where);
  }

  std::string source_;
  WrapperConfiguration& config_;
  std::map<std::string, int> first_line_;  // key -> line it was first set on
  std::vector<Status> problems_;
};

// Counts the documents of `yaml` with yaml-cpp's event parser. YAML::LoadAll of yaml-cpp 0.7
// (Debian 12) loops forever on some malformed text, adding a null document per turn without
// consuming input (a lone ",": yaml-cpp issue #1040, fixed in 0.8.1); here two null documents in
// a row at the same position are that loop, and a syntax error.
class DocumentCounter final : public YAML::EventHandler {
 public:
  Result<size_t> Count(const std::string& yaml, const std::string& source) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    size_t count = 0;
    std::optional<YAML::Mark> previous_null;
    while (parser.HandleNextDocument(*this)) {
      if (null_root_ && previous_null && null_mark_.pos == previous_null->pos) {
        return ConfigurationError(source + ":" + std::to_string(null_mark_.line + 1) + ":" +
                                  std::to_string(null_mark_.column + 1) +
                                  ": YAML syntax error: no value can start here");
      }
      previous_null = null_root_ ? std::optional<YAML::Mark>(null_mark_) : std::nullopt;
      ++count;
    }
    return count;
  }

  void OnDocumentStart(const YAML::Mark&) override { at_root_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    if (at_root_) null_mark_ = mark;
    Value(/*null=*/true);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Value(false); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Value(false);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Value(false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Value(false);
  }
  void OnMapEnd() override {}

 private:
  void Value(bool null) {
    if (at_root_) null_root_ = null;
    at_root_ = false;
  }

  bool at_root_ = false;
  bool null_root_ = false;
  YAML::Mark null_mark_;
};

Result<WrapperConfiguration> Load(const std::string& yaml, const std::string& source) {
  WrapperConfiguration config;
  try {
    YamlApplier applier(source, config);
    ARROW_ZEROBUS_ASSIGN_OR_RETURN(const size_t count, DocumentCounter().Count(yaml, source));
    // YAML::Load reads the first document only (no loop).
    ARROW_ZEROBUS_RETURN_NOT_OK(
        applier.ApplyDocuments(count, count > 0 ? YAML::Load(yaml) : YAML::Node()));
  } catch (const YAML::Exception& error) {
    std::string where = source;
    if (!error.mark.is_null()) {
      where +=
          ":" + std::to_string(error.mark.line + 1) + ":" + std::to_string(error.mark.column + 1);
    }
    const bool syntax = dynamic_cast<const YAML::ParserException*>(&error) != nullptr;
    return ConfigurationError(where + (syntax ? ": YAML syntax error: " : ": YAML error: ") +
                              error.msg);
  } catch (const std::exception& error) {
    return ConfigurationError(source + ": cannot read YAML: " + error.what());
  }
  return config;
}

}  // namespace

Result<WrapperConfiguration> WrapperConfiguration::FromYamlString(const std::string& yaml) {
  return Load(yaml, kStringSource);
}

Result<WrapperConfiguration> WrapperConfiguration::FromYamlFile(const std::filesystem::path& path) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string text,
                                 ReadWholeFile(path.string(), "configuration file"));
  return Load(text, path.string());
}

}  // namespace arrow_zerobus
