// One thread that runs delayed tasks for the emulator's streams: ack delays, close signals,
// silences and delayed create replies never block a gRPC callback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace arrow_zerobus::emulator {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  /// A task learns whether it ran on time (true) or early because the scheduler stopped (false).
  using Task = std::function<void(bool on_time)>;

  Scheduler();
  /// Stops: tasks still waiting run at once with on_time = false.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void RunAt(Clock::time_point when, Task task);
  void RunAfter(std::chrono::milliseconds delay, Task task) {
    RunAt(Clock::now() + delay, std::move(task));
  }

  /// Runs every waiting task now with on_time = false and refuses no new ones (they run at once).
  void Stop();

 private:
  void Loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Task> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arrow_zerobus::emulator
