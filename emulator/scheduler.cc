#include "scheduler.h"

#include <vector>

namespace arrow_zerobus::emulator {

Scheduler::Scheduler() : thread_([this] { Loop(); }) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::RunAt(Clock::time_point when, Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      tasks_.emplace(when, std::move(task));
      wake_.notify_one();
      return;
    }
  }
  task(false);
}

void Scheduler::Stop() {
  std::multimap<Clock::time_point, Task> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(tasks_);
  }
  for (auto& [when, task] : left) task(false);
}

void Scheduler::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (tasks_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = tasks_.begin();
    if (first->first > Clock::now()) {
      wake_.wait_until(lock, first->first);
      continue;
    }
    Task task = std::move(first->second);
    tasks_.erase(first);
    lock.unlock();
    task(true);
    lock.lock();
  }
}

}  // namespace arrow_zerobus::emulator
