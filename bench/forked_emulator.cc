#include "forked_emulator.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "bench_util.h"

namespace arrow_zerobus::bench {
namespace {

Status Errno(const std::string& what) {
  return InternalError("forked emulator: " + what + ": " + std::strerror(errno));
}

// Whole lines over a pipe: a question or an answer is one line.
bool WriteLine(int fd, const std::string& line) {
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool ReadLine(int fd, std::string& line) {
  line.clear();
  char c = 0;
  while (true) {
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    line.push_back(c);
  }
}

// The child: start the emulator, report where it listens, then answer until the parent goes.
[[noreturn]] void ServeChild(int in, int out, const emulator::EmulatorOptions& options,
                             const std::map<std::string, emulator::FaultScript>& faults) {
  auto started = emulator::Emulator::Start(options);
  if (!started.ok()) {
    WriteLine(out, "error " + started.status().ToString());
    _exit(1);
  }
  std::unique_ptr<emulator::Emulator> emu = std::move(started).value();
  for (const auto& [table, script] : faults) emu->SetFaultScript(table, script);
  WriteLine(out, emu->endpoint() + " " + emu->workspace_url());
  for (std::string question; ReadLine(in, question);) {
    std::string answer;
    if (question == "cpu") {
      answer = std::to_string(ProcessCpuSeconds());
    } else if (question.rfind("landed ", 0) == 0) {
      answer = std::to_string(emu->Counters(question.substr(7)).records);
    } else {
      answer = "error unknown question " + question;
    }
    if (!WriteLine(out, answer)) break;
  }
  emu.reset();
  _exit(0);
}

}  // namespace

Result<ForkedEmulator> ForkedEmulator::Start(
    const emulator::EmulatorOptions& options,
    const std::map<std::string, emulator::FaultScript>& faults) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return Errno("pipe");
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    close(to_child[1]);
    close(from_child[0]);
    ServeChild(to_child[0], from_child[1], options, faults);
  }
  close(to_child[0]);
  close(from_child[1]);
  ForkedEmulator forked;
  forked.pid_ = pid;
  forked.to_child_ = to_child[1];
  forked.from_child_ = from_child[0];
  std::string ready;
  if (!ReadLine(forked.from_child_, ready)) {
    return InternalError("forked emulator: the child exited before it listened");
  }
  if (ready.rfind("error ", 0) == 0) return InternalError("forked emulator: " + ready.substr(6));
  const size_t space = ready.find(' ');
  if (space == std::string::npos) return InternalError("forked emulator: said " + ready);
  forked.endpoint_ = ready.substr(0, space);
  forked.workspace_url_ = ready.substr(space + 1);
  return forked;
}

ForkedEmulator::ForkedEmulator(ForkedEmulator&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      to_child_(std::exchange(other.to_child_, -1)),
      from_child_(std::exchange(other.from_child_, -1)),
      endpoint_(std::move(other.endpoint_)),
      workspace_url_(std::move(other.workspace_url_)) {}

ForkedEmulator::~ForkedEmulator() {
  if (to_child_ >= 0) close(to_child_);  // the child's read ends: it stops its emulator and exits
  if (from_child_ >= 0) close(from_child_);
  if (pid_ > 0) {
    // Bounded: the emulator's shutdown takes well under a second; after 10 s it is killed.
    for (int waited_ms = 0; waited_ms < 10000; waited_ms += 10) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      usleep(10000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

Result<std::string> ForkedEmulator::Ask(const std::string& question) {
  std::string answer;
  if (!WriteLine(to_child_, question) || !ReadLine(from_child_, answer)) {
    return InternalError("forked emulator: the child went away (asked: " + question + ")");
  }
  if (answer.rfind("error ", 0) == 0) return InternalError("forked emulator: " + answer.substr(6));
  return answer;
}

Result<int64_t> ForkedEmulator::LandedRecords(const std::string& table) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string answer, Ask("landed " + table));
  return std::stoll(answer);
}

Result<double> ForkedEmulator::CpuSeconds() {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(std::string answer, Ask("cpu"));
  return std::stod(answer);
}

}  // namespace arrow_zerobus::bench
