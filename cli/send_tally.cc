// Counting send results and printing the summary of `zerobus-arrow send`.
#include "send_tally.h"

#include "progress_reporter.h"

#include <cstdio>
#include <vector>

namespace arrow_zerobus::cli {
void SendTally::Add(const TransmissionResult& result, int64_t first_row) {
  ++batches;
  rows_succeeded += result.successful_count;
  rows_failed += result.failed_count;
  encoded_bytes += result.encoded_bytes;
  if (result.successful_count > 0) acknowledged_bytes += result.encoded_bytes;
  requests_sent += result.requests_sent;
  requests_replayed += result.requests_replayed;
  rows_replayed += result.rows_replayed;
  for (const RowFailure& failure : result.failed_rows) {
    FailureGroup& group = failures[std::string(ErrorKindName(failure.error.kind()))];
    if (group.rows == 0) {
      group.first_row = first_row + failure.row;
      group.first_message = failure.error.message();
    }
    ++group.rows;
  }
}

namespace {

bool IsAuthRefusal(const Status& status) {
  return status.kind() == ErrorKind::kAuthentication ||
         status.code() == StatusCode::kUnauthenticated ||
         status.code() == StatusCode::kPermissionDenied;
}

bool IsServiceUnreachable(const Status& status) {
  return status.kind() == ErrorKind::kConnection || status.kind() == ErrorKind::kRetriesExhausted ||
         status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

}  // namespace

int SendTally::ExitCode() const {
  if (interrupted) return kExitInterrupted;
  std::vector<const Status*> problems = {&stopped};
  for (const Status& error : errors) problems.push_back(&error);
  for (const InputTally& input : inputs) problems.push_back(&input.error);
  auto any = [&](auto predicate) {
    for (const Status* problem : problems) {
      if (!problem->ok() && predicate(*problem)) return true;
    }
    return false;
  };
  if (any([](const Status& s) { return s.kind() == ErrorKind::kConfiguration; })) {
    return kExitConfiguration;
  }
  if (any(IsAuthRefusal)) return kExitAuthentication;
  if (!stopped.ok() && IsServiceUnreachable(stopped)) return kExitUnreachable;
  if (rows_failed > 0 || any([](const Status&) { return true; })) return kExitRowsFailed;
  return kExitSuccess;
}

void PrintSummary(const SendTally& tally, std::chrono::duration<double> elapsed,
                  std::ostream& out) {
  const double seconds = elapsed.count();
  out << "zerobus-arrow send: " << tally.table;
  if (tally.writer_disabled) {
    out << " (writer disabled: rows were converted, not sent)\n";
  } else {
    out << " at " << tally.endpoint << "\n";
  }
  out << "  files:       " << tally.inputs.size() << "\n";
  for (const InputTally& input : tally.inputs) {
    out << "    " << input.path.string() << " (" << input.format << "): " << input.rows_read
        << " rows";
    if (input.rows_read > 0) {
      out << " (input rows " << input.first_row << " to " << input.first_row + input.rows_read - 1
          << ")";
    }
    if (!input.error.ok()) out << "; " << input.error.message();
    out << "\n";
  }
  out << "  rows:        " << tally.rows_done() << " total, " << tally.rows_succeeded
      << (tally.writer_disabled ? " converted, " : " succeeded, ") << tally.rows_failed
      << " failed\n";
  if (tally.rows_already_landed > 0) {
    out << "    of which " << tally.rows_already_landed
        << " landed in an earlier run (checkpoint): skipped\n";
  }
  for (const auto& [type, group] : tally.failures) {
    out << "    " << type << ": " << group.rows << " rows; first at input row " << group.first_row
        << ": " << group.first_message << "\n";
  }
  out << "  bytes:       " << tally.encoded_bytes << " encoded\n";
  if (!tally.writer_disabled) {
    out << "  requests:    " << tally.requests_sent << " sent, " << tally.requests_replayed
        << " replayed";
    // At-least-once delivery: rows re-sent after a reconnect may have landed twice.
    if (tally.rows_replayed > 0 && tally.exactly_once) {
      out << " (" << tally.rows_replayed << " rows re-sent; exactly once: none landed twice)";
    } else if (tally.rows_replayed > 0) {
      out << " (" << tally.rows_replayed << " rows re-sent: at most that many duplicates)";
    }
    out << "\n";
  }
  out << "  duration:    " << FormatFixed(seconds, 2) << " s\n";
  const double rows_per_second = seconds > 0 ? static_cast<double>(tally.rows_done()) / seconds : 0;
  const double megabytes_per_second =
      seconds > 0 ? static_cast<double>(tally.acknowledged_bytes) / 1e6 / seconds : 0;
  out << "  throughput:  " << FormatFixed(rows_per_second, 0) << " rows/s, "
      << FormatFixed(megabytes_per_second, 2) << " MB/s\n";
  if (tally.quarantine_requested) {
    out << "  quarantine:  " << tally.quarantine_rows << " rows";
    for (size_t i = 0; i < tally.quarantine_files.size(); ++i) {
      out << (i == 0 ? " -> " : ", ") << tally.quarantine_files[i].string();
    }
    out << "\n";
  }
  if (!tally.stopped.ok()) {
    out << "  stopped:     " << tally.stopped.message()
        << " (the rest of the input was not sent)\n";
  }
  for (const Status& error : tally.errors) out << "  error:       " << error.ToString() << "\n";
}

}  // namespace arrow_zerobus::cli
