// The bearer tokens the emulator has issued: each is bound to one table and expires. The OAuth
// endpoint issues them; the ingest service checks them when a stream is created.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

class TokenRegistry {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit TokenRegistry(Clock clock = nullptr);
  /// Takes the lock once before the grants go (see ~EmulatorState).
  ~TokenRegistry();

  /// A new random token granting writes to `table` for `lifetime`.
  std::string Issue(const std::string& table, std::chrono::seconds lifetime);

  /// OK when `token` was issued for `table` and has not expired. Otherwise UNAUTHENTICATED
  /// (unknown or expired token) or PERMISSION_DENIED (a token for another table), with a message
  /// naming the table, never the token.
  Status Check(const std::string& token, const std::string& table) const;

  /// Ends the validity of every token issued for `table` (the "token expiry" fault).
  void ExpireTokensFor(const std::string& table);

  /// Tokens issued so far (for tests and counters).
  int64_t issued_count() const;

 private:
  struct Grant {
    std::string table;
    std::chrono::system_clock::time_point expires_at;
  };
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Grant> grants_;
  int64_t issued_ = 0;
};

}  // namespace arrow_zerobus::emulator
