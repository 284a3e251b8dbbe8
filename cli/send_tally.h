// What a `zerobus-arrow send` did: counts per input and per error type, and the summary printed
// at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "arrow_zerobus/status.h"
#include "arrow_zerobus/transmission_result.h"

namespace arrow_zerobus::cli {

struct InputTally {
  std::filesystem::path path;
  std::string format;
  int64_t first_row = 0;  ///< input row number of the file's first row
  int64_t rows_read = 0;
  Status error;  ///< why the file could not be opened or read to its end
};

struct FailureGroup {
  int64_t rows = 0;
  int64_t first_row = 0;  ///< input row number of the first failure
  std::string first_message;
};

/// Exit codes of `zerobus-arrow send`, most specific first when several apply: interrupted,
/// configuration, authentication, service unreachable, rows failed.
constexpr int kExitSuccess = 0;         ///< every row of every input landed
constexpr int kExitRowsFailed = 1;      ///< some rows failed, or an input could not be read
constexpr int kExitConfiguration = 2;   ///< usage or configuration error
constexpr int kExitAuthentication = 3;  ///< the credentials were refused (UNAUTHENTICATED, ...)
constexpr int kExitUnreachable = 4;     ///< the service unreachable, or retries exhausted
constexpr int kExitInterrupted = 130;   ///< Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT

struct SendTally {
  std::string table;
  std::string endpoint;
  bool writer_disabled = false;
  std::vector<InputTally> inputs;
  int64_t batches = 0;
  int64_t rows_succeeded = 0;
  int64_t rows_failed = 0;
  int64_t encoded_bytes = 0;
  int64_t acknowledged_bytes = 0;  ///< encoded bytes of batches with rows that succeeded
  int64_t requests_sent = 0;
  int64_t requests_replayed = 0;
  /// Rows sent again after reconnects: an upper bound on the duplicates the send may have left.
  int64_t rows_replayed = 0;
  bool exactly_once = false;  ///< delivery exactly_once: replayed rows never land twice
  /// --checkpoint: rows an earlier run landed, skipped (counted as succeeded too).
  int64_t rows_already_landed = 0;
  std::map<std::string, FailureGroup> failures;  ///< by error type name
  Status stopped;  ///< why reading stopped before the end of the input (interrupt, stream failure)
  bool interrupted = false;
  std::vector<Status> errors;  ///< other problems (quarantine, shutdown)
  bool quarantine_requested = false;
  std::vector<std::filesystem::path> quarantine_files;
  int64_t quarantine_rows = 0;

  /// Counts the result of a batch whose row 0 is input row `first_row`.
  void Add(const TransmissionResult& result, int64_t first_row);
  int64_t rows_done() const { return rows_succeeded + rows_failed; }
  /// One of the kExit* codes.
  int ExitCode() const;
};

void PrintSummary(const SendTally& tally, std::chrono::duration<double> elapsed, std::ostream& out);

}  // namespace arrow_zerobus::cli
