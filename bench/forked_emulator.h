// An emulator in a child process of the benchmark, so that the benchmark's own CPU time is the
// client's alone. The child is forked before the benchmark starts any thread, runs an in-process
// emulator::Emulator and answers the parent over two pipes: the landed records of a table and the
// child's CPU seconds. The child exits when the parent closes its end (or dies).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "arrow_zerobus/status.h"
#include "emulator.h"

namespace arrow_zerobus::bench {

class ForkedEmulator {
 public:
  /// Forks the child, which starts an emulator with `options` and sets `fault_scripts` (by
  /// table). Call before any thread exists in this process: only the forking thread survives a
  /// fork.
  static Result<ForkedEmulator> Start(const emulator::EmulatorOptions& options,
                                      const std::map<std::string, emulator::FaultScript>& faults);

  ForkedEmulator(ForkedEmulator&& other) noexcept;
  ForkedEmulator& operator=(ForkedEmulator&&) = delete;
  ~ForkedEmulator();

  const std::string& endpoint() const { return endpoint_; }
  const std::string& workspace_url() const { return workspace_url_; }
  /// Records landed in `table` so far (the emulator's counters).
  Result<int64_t> LandedRecords(const std::string& table);
  /// User plus system CPU seconds the child has used so far.
  Result<double> CpuSeconds();

 private:
  ForkedEmulator() = default;
  Result<std::string> Ask(const std::string& question);

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string endpoint_;
  std::string workspace_url_;
};

}  // namespace arrow_zerobus::bench
