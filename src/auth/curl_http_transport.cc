#include "auth/curl_http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ca_bundle.h"

namespace arrow_zerobus::auth {
namespace {

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return InternalError(std::string("libcurl initialisation failed: ") +
                         curl_easy_strerror(result));
  }
  return Status::OK();
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

/// Collects the response body, refusing to grow past `limit`.
struct BodySink {
  std::string body;
  size_t limit = 0;
  bool overflow = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t bytes = size * count;
  if (bytes > sink->limit - sink->body.size()) {
    sink->overflow = true;
    return 0;  // libcurl stops the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// Where the userinfo of `url` sits ("user:pw@" of "https://user:pw@host/", the "@"
/// included); `length` is 0 when there is none.
struct UserInfoSpan {
  size_t start = 0;
  size_t length = 0;
};
UserInfoSpan FindUserInfo(std::string_view url) {
  const size_t scheme_end = url.find("://");
  const size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", start), url.size());
  const size_t at = url.substr(start, authority_end - start).rfind('@');
  if (at == std::string_view::npos) return {};
  return {start, at + 1};
}

std::string_view UserInfo(std::string_view url) {
  const UserInfoSpan span = FindUserInfo(url);
  return span.length == 0 ? std::string_view() : url.substr(span.start, span.length - 1);
}

/// libcurl's error text with the URL's userinfo removed, should libcurl quote the URL. (Not the
/// password alone: a short one would mangle ordinary words of the text.)
std::string Scrub(std::string text, std::string_view userinfo) {
  if (userinfo.empty()) return text;
  for (size_t pos = text.find(userinfo); pos != std::string::npos; pos = text.find(userinfo, pos)) {
    text.replace(pos, userinfo.size(), "***");
  }
  return text;
}

Status TransferError(CURLcode code, const HttpRequest& request, const char* error_buffer,
                     const BodySink& sink, const std::string& ca_file) {
  const std::string& url = request.url;
  const std::string where = request.method + " " + RedactUrl(url);
  if (sink.overflow) {
    return Status(
        StatusCode::kResourceExhausted, ErrorKind::kAuthentication,
        where + " failed: the response body exceeds " + std::to_string(sink.limit) + " bytes");
  }
  const std::string detail =
      Scrub(error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code), UserInfo(url));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status(StatusCode::kDeadlineExceeded, ErrorKind::kAuthentication,
                    where + " timed out: " + detail, /*retryable=*/true);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ConfigurationError(where + " is not possible: " + detail);
    case CURLE_SSL_CACERT_BADFILE:
      return ConfigurationError(where + " failed: the CA file '" + ca_file +
                                "' cannot be used: " + detail);
    default:
      return Status(StatusCode::kUnavailable, ErrorKind::kAuthentication,
                    where + " failed: " + detail, /*retryable=*/true);
  }
}

Result<HttpResponse> Send(const CurlOptions& options, const HttpRequest& request) {
  if (request.method != "POST" && request.method != "GET") {
    return ConfigurationError("HTTP method '" + request.method + "' for " + RedactUrl(request.url) +
                              " is not supported: only POST and GET");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(GlobalInit());
  std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  if (!handle) {
    return InternalError("libcurl could not create a handle for " + request.method + " " +
                         RedactUrl(request.url));
  }

  std::unique_ptr<curl_slist, ListDeleter> headers;
  auto append_header = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    if (!headers) headers.reset(grown);  // otherwise `grown` is the same list, extended
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || name.find(':') != std::string::npos || HasLineBreak(name) ||
        HasLineBreak(value)) {
      return ConfigurationError("HTTP header '" + name + "' for " + request.method + " " +
                                RedactUrl(request.url) +
                                " has an empty name, a colon in its name or a line break");
    }
    if (!append_header(name + ": " + value)) {
      return InternalError("libcurl could not add a header for " + request.method + " " +
                           RedactUrl(request.url));
    }
  }
  // No "Expect: 100-continue" round trip before larger bodies.
  if (!append_header("Expect:")) {
    return InternalError("libcurl could not add a header for " + request.method + " " +
                         RedactUrl(request.url));
  }

  BodySink sink;
  sink.limit = options.max_response_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* h = handle.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  set(CURLOPT_PROTOCOLS_STR, "http,https");
#else
  set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));  // NOLINT
#endif
  set(CURLOPT_NOSIGNAL, 1L);  // signals are not thread-safe; timeouts work without them
  if (request.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.c_str());
  }
  set(CURLOPT_HTTPHEADER, headers.get());
  set(CURLOPT_WRITEFUNCTION, &WriteBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));  // NOLINT(runtime/int)
  set(CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(options.connect_timeout.count()));  // NOLINT(runtime/int)
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  const std::optional<std::string> ca_file =
      options.ca_file.empty() ? SystemCaBundlePath(ProcessEnvironment()) : options.ca_file;
  if (ca_file) set(CURLOPT_CAINFO, ca_file->c_str());
  if (options.proxy.has_value()) set(CURLOPT_PROXY, options.proxy->c_str());
  if (rc != CURLE_OK) {
    return InternalError("libcurl rejected an option for " + request.method + " " +
                         RedactUrl(request.url) + ": " + curl_easy_strerror(rc));
  }

  rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return TransferError(rc, request, error_buffer, sink, ca_file.value_or("(libcurl's)"));
  }
  long status = 0;  // NOLINT(runtime/int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return HttpResponse{static_cast<int>(status), std::move(sink.body)};
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  const UserInfoSpan span = FindUserInfo(url);
  if (span.length == 0) return url;
  return url.substr(0, span.start) + url.substr(span.start + span.length);
}

HttpTransport MakeCurlHttpTransport(CurlOptions options) {
  return
      [options = std::move(options)](const HttpRequest& request) { return Send(options, request); };
}

}  // namespace arrow_zerobus::auth
