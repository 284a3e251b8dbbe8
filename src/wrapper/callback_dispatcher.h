// CallbackDispatcher: runs completion callbacks in order on one thread of its own, so that a
// callback can never stall acknowledgements or the thread that sends.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace arrow_zerobus::internal {

class CallbackDispatcher {
 public:
  CallbackDispatcher();
  ~CallbackDispatcher();  ///< Stop()

  /// Queues `task`; after Stop() the task runs at once on the calling thread.
  void Post(std::function<void()> task);
  /// Runs what is queued, then ends the thread. Called from a callback it only stops taking
  /// work (the thread is joined by the destructor).
  void Stop();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arrow_zerobus::internal
