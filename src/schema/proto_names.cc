#include "schema/proto_names.h"

#include <cctype>

namespace arrow_zerobus::schema {

Status CheckColumnName(std::string_view name, const std::string& path) {
  if (name.empty()) {
    return ConfigurationError("column '" + path + "' has an empty name; Zerobus needs a name of " +
                              "ASCII letters, digits and '_'");
  }
  if (std::isdigit(static_cast<unsigned char>(name[0]))) {
    return ConfigurationError("column '" + path + "' starts with a digit; Zerobus column names " +
                              "must start with a letter or '_'");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) && u < 0x80) && c != '_') {
      return ConfigurationError("column '" + path + "' contains the character '" +
                                std::string(1, c) +
                                "'; Zerobus column names may only use ASCII letters, digits "
                                "and '_'");
    }
  }
  return Status::OK();
}

std::string ToCamelCase(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool capitalize_next = true;
  for (char c : name) {
    if (c == '_') {
      capitalize_next = true;
    } else if (capitalize_next) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      capitalize_next = false;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int32_t FieldNumberForIndex(int64_t index) {
  constexpr int64_t kReservedFirst = 19000;
  constexpr int64_t kReservedCount = 1000;
  const int64_t number = index + 1;
  return static_cast<int32_t>(number < kReservedFirst ? number : number + kReservedCount);
}

}  // namespace arrow_zerobus::schema
