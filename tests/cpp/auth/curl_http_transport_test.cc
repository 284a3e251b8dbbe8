#include "auth/curl_http_transport.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_certificates.h"

namespace arrow_zerobus::auth {
namespace {

using ::arrow_zerobus::testing::SelfSignedCertificate;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

/// An httplib server on 127.0.0.1 and a free port, serving on its own thread.
class LocalServer {
 public:
  explicit LocalServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LocalServer() : LocalServer(std::make_unique<httplib::Server>()) {}
  ~LocalServer() {
    server_->stop();
    thread_.join();
  }
  httplib::Server& server() { return *server_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

/// Handlers must be registered before the server listens.
std::unique_ptr<LocalServer> Serve(std::function<void(httplib::Server&)> routes,
                                   std::unique_ptr<httplib::Server> server = nullptr) {
  if (!server) server = std::make_unique<httplib::Server>();
  routes(*server);
  return std::make_unique<LocalServer>(std::move(server));
}

/// Serve over TLS with `certificate`, a self-signed one the client trusts only when told to.
std::unique_ptr<LocalServer> ServeTls(const SelfSignedCertificate& certificate,
                                      std::function<void(httplib::Server&)> routes) {
  auto tls = std::make_unique<httplib::SSLServer>(certificate.cert(), certificate.key());
  EXPECT_TRUE(tls->is_valid());
  return Serve(std::move(routes), std::move(tls));
}

/// Options that ignore any proxy of the test environment: the servers are local.
CurlOptions Local() {
  CurlOptions options;
  options.proxy = "";
  return options;
}

/// A port nothing listens on: bound by the OS, then released.
int RefusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return ntohs(address.sin_port);
}

HttpRequest Request(std::string url, std::string body = "a=1") {
  return HttpRequest{
      std::move(url), {{"Content-Type", "application/x-www-form-urlencoded"}}, std::move(body)};
}

TEST(CurlHttpTransportTest, PostsBodyAndHeadersAndReturnsTheResponse) {
  auto server = Serve([](httplib::Server& s) {
    s.Post("/oidc/v1/token", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.method + "|" + req.get_header_value("Authorization") + "|" +
                          req.get_header_value("Content-Type") + "|" +
                          req.get_header_value("X-Extra") + "|" + req.body,
                      "text/plain");
    });
  });
  HttpRequest request = Request(server->url() + "/oidc/v1/token", "grant_type=x&scope=all-apis");
  request.headers.emplace_back("Authorization", "Basic YWJjOmRlZg==");
  request.headers.emplace_back("X-Extra", "value with spaces");
  auto response = MakeCurlHttpTransport(Local())(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body,
            "POST|Basic YWJjOmRlZg==|application/x-www-form-urlencoded|value with spaces|"
            "grant_type=x&scope=all-apis");
}

TEST(CurlHttpTransportTest, ErrorStatusesAreResponsesNotErrors) {
  auto server = Serve([](httplib::Server& s) {
    s.Post("/fail", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content(R"({"error":"temporarily_unavailable"})", "application/json");
    });
    s.Post("/deny", [](const httplib::Request&, httplib::Response& res) {
      res.status = 401;
      res.set_content(R"({"error":"invalid_client"})", "application/json");
    });
  });
  const HttpTransport transport = MakeCurlHttpTransport(Local());
  auto failed = transport(Request(server->url() + "/fail"));
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body, R"({"error":"temporarily_unavailable"})");
  auto denied = transport(Request(server->url() + "/deny"));
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->status, 401);
}

TEST(CurlHttpTransportTest, ConnectionRefusedIsRetryableAndNamesTheUrlWithoutUserInfo) {
  const std::string port = std::to_string(RefusedPort());
  auto response = MakeCurlHttpTransport(Local())(
      Request("http://someone:pa55word@127.0.0.1:" + port + "/oidc/v1/token"));
  ASSERT_FALSE(response.ok());
  const Status& status = response.status();
  EXPECT_EQ(status.kind(), ErrorKind::kAuthentication);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(status.retryable());
  EXPECT_THAT(status.message(), AllOf(HasSubstr("http://127.0.0.1:" + port + "/oidc/v1/token"),
                                      Not(HasSubstr("pa55word")), Not(HasSubstr("someone"))));
}

TEST(CurlHttpTransportTest, TimeoutIsRetryableDeadlineExceeded) {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  auto server = Serve([&](httplib::Server& s) {
    s.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mutex);
      released_cv.wait_for(lock, std::chrono::seconds(5), [&] { return released; });
      res.set_content("late", "text/plain");
    });
  });
  CurlOptions options = Local();
  options.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto response = MakeCurlHttpTransport(options)(Request(server->url() + "/slow"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
  }
  released_cv.notify_all();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(response.status().kind(), ErrorKind::kAuthentication);
  EXPECT_TRUE(response.status().retryable());
  EXPECT_THAT(response.status().message(), HasSubstr(server->url() + "/slow"));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(CurlHttpTransportTest, ResponseBodyIsCapped) {
  constexpr size_t kCap = size_t{1} << 20;
  auto server = Serve([](httplib::Server& s) {
    s.Post("/exact", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kCap, 'x'), "text/plain");
    });
    s.Post("/huge", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(kCap + 1, 'x'), "text/plain");
    });
  });
  const HttpTransport transport = MakeCurlHttpTransport(Local());
  auto exact = transport(Request(server->url() + "/exact"));
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->body.size(), kCap);
  auto huge = transport(Request(server->url() + "/huge"));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(huge.status().retryable());
  EXPECT_THAT(huge.status().message(),
              AllOf(HasSubstr(server->url() + "/huge"), HasSubstr("1048576 bytes")));
}

TEST(CurlHttpTransportTest, HttpsToAPlaintextServerFailsInTls) {
  auto server = Serve([](httplib::Server& s) {
    s.Post("/oidc/v1/token", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{}", "application/json");
    });
  });
  const std::string url = server->url("https") + "/oidc/v1/token";
  auto response = MakeCurlHttpTransport(Local())(Request(url));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(response.status().retryable());
  EXPECT_THAT(response.status().message(), HasSubstr(url));
}

TEST(CurlHttpTransportTest, VerifiesTlsPeersAgainstTheSystemStoreOrTheCaFile) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto server = ServeTls(certificate, [](httplib::Server& s) {
    s.Post("/oidc/v1/token", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("secure:" + req.body, "text/plain");
    });
  });
  const std::string url = server->url("https") + "/oidc/v1/token";

  auto untrusted = MakeCurlHttpTransport(Local())(Request(url));
  ASSERT_FALSE(untrusted.ok()) << "a self-signed certificate must not be trusted by default";
  EXPECT_EQ(untrusted.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(untrusted.status().message(), HasSubstr(url));

  CurlOptions trusting = Local();
  trusting.ca_file = certificate.path();
  auto trusted = MakeCurlHttpTransport(trusting)(Request(url, "k=v"));
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->body, "secure:k=v");

  CurlOptions missing = Local();
  missing.ca_file = ::testing::TempDir() + "no_such_ca_bundle.pem";
  auto unreadable = MakeCurlHttpTransport(missing)(Request(url));
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(unreadable.status().message(), HasSubstr(missing.ca_file));
}

// Without a ca_file the system's bundle is used, found as on any distribution: SSL_CERT_FILE
// first (here naming the test CA, so the self-signed server becomes trusted).
TEST(CurlHttpTransportTest, WithoutACaFileTrustsTheBundleNamedBySslCertFile) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto server = ServeTls(certificate, [](httplib::Server& s) {
    s.Post("/oidc/v1/token", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("trusted", "text/plain");
    });
  });
  const std::string url = server->url("https") + "/oidc/v1/token";

  ASSERT_EQ(setenv("SSL_CERT_FILE", certificate.path().c_str(), 1), 0);
  auto trusted = MakeCurlHttpTransport(Local())(Request(url));
  const std::string missing = ::testing::TempDir() + "no_such_system_bundle.pem";
  ASSERT_EQ(setenv("SSL_CERT_FILE", missing.c_str(), 1), 0);
  auto unreadable = MakeCurlHttpTransport(Local())(Request(url));
  unsetenv("SSL_CERT_FILE");

  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ(trusted->body, "trusted");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(unreadable.status().message(), HasSubstr(missing));
}

TEST(CurlHttpTransportTest, AnExplicitProxyIsUsed) {
  auto server = Serve([](httplib::Server& s) {
    s.Post("/x", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
  });
  ASSERT_TRUE(MakeCurlHttpTransport(Local())(Request(server->url() + "/x")).ok());
  CurlOptions options;
  options.proxy = "http://127.0.0.1:" + std::to_string(RefusedPort());
  auto response = MakeCurlHttpTransport(options)(Request(server->url() + "/x"));
  ASSERT_FALSE(response.ok()) << "the request went around the unreachable proxy";
  EXPECT_TRUE(response.status().retryable());
  EXPECT_THAT(response.status().message(), HasSubstr(server->url() + "/x"));
}

TEST(CurlHttpTransportTest, OnlyHttpAndWellFormedHeaders) {
  auto file = MakeCurlHttpTransport(Local())(Request("file:///etc/hostname"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().kind(), ErrorKind::kConfiguration);
  EXPECT_FALSE(file.status().retryable());
  EXPECT_THAT(file.status().message(), HasSubstr("file:///etc/hostname"));

  HttpRequest injected = Request("http://127.0.0.1:" + std::to_string(RefusedPort()) + "/t");
  injected.headers.emplace_back("Authorization", "Basic c2VjcmV0\r\nX-Evil: 1");
  auto rejected = MakeCurlHttpTransport(Local())(injected);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(rejected.status().message(),
              AllOf(HasSubstr("'Authorization'"), Not(HasSubstr("c2VjcmV0"))));

  HttpRequest put = Request("http://127.0.0.1:" + std::to_string(RefusedPort()) + "/t");
  put.method = "PUT";
  auto unsupported = MakeCurlHttpTransport(Local())(put);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(unsupported.status().message(), HasSubstr("'PUT'"));
}

TEST(CurlHttpTransportTest, GetsWithoutABody) {
  auto server = Serve([](httplib::Server& s) {
    s.Get("/api/x", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("got " + req.get_header_value("Authorization") + " body[" + req.body + "]",
                      "text/plain");
    });
  });
  HttpRequest get = Request(server->url("http") + "/api/x", "ignored for a GET");
  get.method = "GET";
  get.headers = {{"Authorization", "Bearer t"}};
  auto response = MakeCurlHttpTransport(Local())(get);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "got Bearer t body[]");
}

TEST(RedactUrlTest, RemovesOnlyTheUserInfo) {
  EXPECT_EQ(RedactUrl("https://user:pw@host.example/oidc/v1/token"),
            "https://host.example/oidc/v1/token");
  EXPECT_EQ(RedactUrl("http://token@127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(RedactUrl("https://a:b@c@host/x"), "https://host/x");
  EXPECT_EQ(RedactUrl("https://host/path@not-userinfo?q=a@b"),
            "https://host/path@not-userinfo?q=a@b");
  EXPECT_EQ(RedactUrl("https://host.example/x"), "https://host.example/x");
}

}  // namespace
}  // namespace arrow_zerobus::auth
