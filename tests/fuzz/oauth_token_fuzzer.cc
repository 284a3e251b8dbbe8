// Fuzz target: the OAuth side of auth/oauth_request.h: the token endpoint's response (what a
// server, or anything between us and it, answers), and the table name and token request built
// from configuration.
//
// Input: parts (fuzz_support.h) = [HTTP status as decimal text, response body, table name,
// workspace id].
// Promises: a response gives a token with a value that does not expire before it was fetched,
// or an authentication error with a message (retryable for 5xx and 429); a table name parses
// into three non-empty parts that join back to it, or is refused with a ConfigurationError; the
// token request's authorization_details is JSON naming the table.
#include <charconv>
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/oauth_request.h"
#include "fuzz_support.h"

namespace arrow_zerobus::fuzz {
namespace {

void CheckTokenResponse(int http_status, std::string_view body) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  auto token = auth::ParseTokenResponse(http_status, body, now);
  const bool success = http_status >= 200 && http_status < 300;
  if (token.ok()) {
    FUZZ_CHECK(success, "a token from HTTP " + std::to_string(http_status));
    FUZZ_CHECK(!token->value.empty(), "an empty token");
    FUZZ_CHECK(token->expires_at >= now, "a token that expired before it was fetched");
    return;
  }
  const Status& status = token.status();
  FUZZ_CHECK(status.kind() == ErrorKind::kAuthentication && !status.message().empty(),
             status.ToString());
  FUZZ_CHECK(status.retryable() == (http_status >= 500 || http_status == 429),
             "retryable " + std::to_string(status.retryable()) + " for HTTP " +
                 std::to_string(http_status));
}

void CheckTokenRequest(std::string_view table_text, std::string_view workspace_id) {
  auto table = auth::ParseTableName(table_text);
  if (!table.ok()) {
    FUZZ_CHECK_REFUSAL(table.status(), "ParseTableName", kInvalidConfiguration);
    return;
  }
  FUZZ_CHECK(table->full() == table_text, table->full());
  FUZZ_CHECK(!table->catalog.empty() && !table->schema.empty() && !table->table.empty(),
             table->full());
  const auth::HttpRequest request = auth::BuildTokenRequest(
      "https://workspace.example", workspace_id, *table, "client-id", "client-secret");
  FUZZ_CHECK(request.body.find("client-secret") == std::string::npos ||
                 table_text.find("client-secret") != std::string_view::npos ||
                 workspace_id.find("client-secret") != std::string_view::npos,
             "the secret is in the request body");
  const auto details = nlohmann::json::parse(auth::AuthorizationDetails(*table), nullptr,
                                             /*allow_exceptions=*/false);
  FUZZ_CHECK(details.is_array() && details.size() == 3, details.dump());
  FUZZ_CHECK(details[2].value("object_full_path", "") == table->full(), details.dump());
}

}  // namespace
}  // namespace arrow_zerobus::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arrow_zerobus::fuzz;
  const std::vector<std::string_view> parts = SplitParts(data, size, 4);
  int http_status = 200;
  std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), http_status);
  CheckTokenResponse(http_status, parts.size() > 1 ? parts[1] : "");
  if (parts.size() > 2) CheckTokenRequest(parts[2], parts.size() > 3 ? parts[3] : "1234");
  return 0;
}
