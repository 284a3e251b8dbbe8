#include "stream/open_canceller.h"

#include "stream/stream_engine.h"

namespace arrow_zerobus::stream {

void OpenCanceller::Cancel(Status reason) {
  // Held while the engines are told, so that none leaves (and is destroyed) meanwhile.
  std::lock_guard<std::mutex> lock(mu_);
  if (reason_.ok()) reason_ = std::move(reason);
  for (StreamEngine* engine : opening_) engine->CancelOpen(reason_);
}

Status OpenCanceller::Enter(StreamEngine* engine) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!reason_.ok()) return reason_;
  opening_.insert(engine);
  return Status::OK();
}

void OpenCanceller::Leave(StreamEngine* engine) {
  std::lock_guard<std::mutex> lock(mu_);
  opening_.erase(engine);
}

}  // namespace arrow_zerobus::stream
