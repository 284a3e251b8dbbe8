#include "token_registry.h"

#include <random>
#include <utility>

namespace arrow_zerobus::emulator {
namespace {

/// "emu-" and 32 random bytes in hex.
std::string RandomToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local std::random_device device;
  std::string token = "emu-";
  token.reserve(4 + 64);
  for (int word = 0; word < 8; ++word) {
    uint32_t bits = device();
    for (int nibble = 0; nibble < 8; ++nibble) {
      token += kHex[bits & 15];
      bits >>= 4;
    }
  }
  return token;
}

Status IssuedForAnotherTable(const std::string& table, const std::string& issued_for) {
  return Status(
      StatusCode::kPermissionDenied, ErrorKind::kAuthentication,
      "token does not grant access to table " + table + " (it was issued for " + issued_for + ")");
}

}  // namespace

TokenRegistry::TokenRegistry(Clock clock)
    : clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

TokenRegistry::~TokenRegistry() { std::lock_guard<std::mutex> lock(mutex_); }

std::string TokenRegistry::Issue(const std::string& table, std::chrono::seconds lifetime,
                                 TokenScope scope) {
  std::string token = RandomToken();
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_();
  std::erase_if(grants_, [&](const auto& entry) { return entry.second.expires_at <= now; });
  while (grants_.count(token) != 0) token = RandomToken();
  grants_[token] = Grant{table, now + lifetime, scope};
  ++issued_;
  return token;
}

Result<TokenRegistry::Grant> TokenRegistry::Find(const std::string& token,
                                                 const std::string& table) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = grants_.find(token);
  if (found == grants_.end() || clock_() >= found->second.expires_at) {
    return Status(StatusCode::kUnauthenticated, ErrorKind::kAuthentication,
                  "the bearer token presented for table " + table + " is unknown or expired");
  }
  return found->second;
}

Status TokenRegistry::Check(const std::string& token, const std::string& table) const {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(Grant grant, Find(token, table));
  if (grant.scope == TokenScope::kWorkspace) {
    return Status(StatusCode::kPermissionDenied, ErrorKind::kAuthentication,
                  "token does not grant Zerobus writes to table " + table +
                      ": it was requested without authorization_details");
  }
  if (grant.table != table) return IssuedForAnotherTable(table, grant.table);
  if (grant.scope != TokenScope::kZerobusWrite) {
    return Status(StatusCode::kPermissionDenied, ErrorKind::kAuthentication,
                  "token does not grant Zerobus writes to table " + table +
                      ": it was issued for SELECT, not MODIFY");
  }
  return Status::OK();
}

Status TokenRegistry::CheckTableRead(const std::string& token, const std::string& table) const {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(Grant grant, Find(token, table));
  if (grant.scope != TokenScope::kWorkspace && grant.table != table) {
    return IssuedForAnotherTable(table, grant.table);
  }
  return Status::OK();
}

void TokenRegistry::ExpireTokensFor(const std::string& table) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(grants_, [&](const auto& entry) { return entry.second.table == table; });
}

int64_t TokenRegistry::issued_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return issued_;
}

}  // namespace arrow_zerobus::emulator
