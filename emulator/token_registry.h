// The bearer tokens the emulator has issued, each with what it grants, until it expires. The OAuth
// endpoint issues them; the ingest service checks them when a stream is created, the Unity Catalog
// endpoint when a table's schema is read.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "arrow_zerobus/status.h"

namespace arrow_zerobus::emulator {

/// What a token was issued for, from the token request's authorization_details.
enum class TokenScope {
  kZerobusWrite,  ///< MODIFY (and zerobuswrite) on one table: streams to it, and its schema
  kTableRead,     ///< SELECT on one table, no Zerobus resource: its schema only
  kWorkspace,     ///< no authorization_details (the schema tools' plain all-apis token): the
                  ///< schema of every table, no stream
};

class TokenRegistry {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  explicit TokenRegistry(Clock clock = nullptr);
  /// Takes the lock once before the grants go (see ~EmulatorState).
  ~TokenRegistry();

  /// A new random token with `scope` on `table` (empty for kWorkspace) for `lifetime`.
  std::string Issue(const std::string& table, std::chrono::seconds lifetime,
                    TokenScope scope = TokenScope::kZerobusWrite);

  /// For a stream: OK when `token` was issued for Zerobus writes to `table` and has not expired.
  /// Otherwise UNAUTHENTICATED (unknown or expired token) or PERMISSION_DENIED (a token for
  /// another table, or one that grants no Zerobus write), with a message naming the table, never
  /// the token.
  Status Check(const std::string& token, const std::string& table) const;

  /// For reading `table`'s schema from Unity Catalog: OK for a workspace token, or a token of
  /// either table scope issued for `table`; otherwise as Check.
  Status CheckTableRead(const std::string& token, const std::string& table) const;

  /// Ends the validity of every token issued for `table` (the "token expiry" fault).
  void ExpireTokensFor(const std::string& table);

  /// Tokens issued so far (for tests and counters).
  int64_t issued_count() const;

 private:
  struct Grant {
    std::string table;
    std::chrono::system_clock::time_point expires_at;
    TokenScope scope = TokenScope::kZerobusWrite;
  };
  /// The live grant of `token`, or UNAUTHENTICATED naming `table`.
  Result<Grant> Find(const std::string& token, const std::string& table) const;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Grant> grants_;
  int64_t issued_ = 0;
};

}  // namespace arrow_zerobus::emulator
