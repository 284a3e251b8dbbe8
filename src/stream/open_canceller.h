// OpenCanceller: lets another thread end streams while they open. StreamEngine::Open runs the
// first connect, retries included, on the caller's thread, for up to the whole retry budget; an
// owner that must stop sooner (a shutdown out of time) cancels through this.
#pragma once

#include <mutex>
#include <set>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::stream {

class StreamEngine;

class OpenCanceller {
 public:
  /// Ends every stream opening now, and any that starts later, with `reason` (not OK).
  void Cancel(Status reason);

 private:
  friend class StreamEngine;
  /// OK, and `engine` is woken by a later Cancel until it leaves; or the reason it may not open.
  Status Enter(StreamEngine* engine);
  void Leave(StreamEngine* engine);

  std::mutex mu_;
  Status reason_;
  std::set<StreamEngine*> opening_;
};

}  // namespace arrow_zerobus::stream
