// ThreadSanitizer annotations for orderings that code built without TSan guarantees, chiefly
// gRPC's callback API: it runs a reactor's OnDone (and OnCancel) on a thread of its own choosing,
// after the reactions and the constructor it follows, through synchronization TSan cannot see.
// HappensBefore(key) on one thread and a later HappensAfter(key) on another order everything
// before the first before everything after the second. No-ops unless built with
// -fsanitize=thread (scripts/sanitize.sh --thread).
#pragma once

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace arrow_zerobus {

#if defined(__SANITIZE_THREAD__)
inline void HappensBefore(const void* key) { __tsan_release(const_cast<void*>(key)); }
inline void HappensAfter(const void* key) { __tsan_acquire(const_cast<void*>(key)); }
#else
inline void HappensBefore(const void* /*key*/) {}
inline void HappensAfter(const void* /*key*/) {}
#endif

/// HappensBefore(key) when the scope ends, by whichever path: put first in a reaction that the
/// reactor's OnDone must come after.
class HappensBeforeOnExit {
 public:
  explicit HappensBeforeOnExit(const void* key) : key_(key) {}
  ~HappensBeforeOnExit() { HappensBefore(key_); }
  HappensBeforeOnExit(const HappensBeforeOnExit&) = delete;
  HappensBeforeOnExit& operator=(const HappensBeforeOnExit&) = delete;

 private:
  const void* key_;
};

}  // namespace arrow_zerobus
