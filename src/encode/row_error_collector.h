// Row errors as both wire formats report them: the collector that keeps the first error of each
// row, and the texts of the causes, shared by the protobuf encoder and the Arrow Flight cast so
// that one bad value is worded the same way whichever format sends the batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "encode/row_error.h"

namespace arrow_zerobus::encode {

inline std::string NullRequiredCause() { return "null in a non-nullable (required) field"; }

inline std::string NullListCause() { return "null list in a non-nullable column"; }

inline std::string NullMapEntryCause() {
  return "null map key or value; protobuf maps cannot hold null";
}

/// `position` counts from the first element of the row's list.
inline std::string NullListElementCause(int64_t position) {
  return "null list element at position " + std::to_string(position) +
         "; protobuf repeated fields cannot hold null";
}

inline std::string InvalidUtf8Cause(size_t bytes) {
  return "value of " + std::to_string(bytes) +
         " bytes is not valid UTF-8 (string columns must hold UTF-8; send bytes as binary)";
}

namespace internal {

/// Collects at most one error per row: the first found.
class RowErrorCollector {
 public:
  explicit RowErrorCollector(int64_t num_rows) : failed_(num_rows, 0) {}

  bool failed(int64_t row) const { return failed_[row] != 0; }

  /// `describe()` returns the cause; it is only called for a row's first error.
  template <typename Describe>
  void Add(int64_t row, const std::string& column, RowErrorKind kind, Describe&& describe) {
    if (failed_[row]) return;
    failed_[row] = 1;
    errors_.push_back(RowError{row, column, kind,
                               "row " + std::to_string(row) +
                                   (column.empty() ? "" : ", column '" + column + "'") + ": " +
                                   describe()});
  }

  std::vector<uint8_t>& failed_rows() { return failed_; }
  std::vector<RowError>& errors() { return errors_; }

 private:
  std::vector<uint8_t> failed_;
  std::vector<RowError> errors_;
};

}  // namespace internal
}  // namespace arrow_zerobus::encode
