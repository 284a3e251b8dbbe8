// How a stream reaches Zerobus, in both wire formats: TLS by default, verified against the roots
// it is given (the system store otherwise), plaintext only for http:// endpoints; and through the
// HTTP CONNECT proxy the environment selects, unless the host is exempt.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stream/stream_test_support.h"
#include "testing/test_certificates.h"

namespace arrow_zerobus::testing {
namespace {

using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

/// A minimal HTTP CONNECT proxy on 127.0.0.1 and a free port: answers every CONNECT with 200
/// and relays bytes both ways until either side closes, or refuses it with 403 (every CONNECT, or
/// only the first `refusals` of them). Records the target of every CONNECT.
class ConnectProxy {
 public:
  enum class Mode { kTunnel, kRefuse };

  explicit ConnectProxy(Mode mode = Mode::kTunnel, int refusals = 0)
      : mode_(mode), refusals_left_(refusals) {
    if (pipe(wake_) != 0) return;
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~ConnectProxy() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      // Unblocks relays stuck in send() or connect(); poll()s wake on the pipe.
      for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    }
    if (wake_[1] >= 0) (void)!write(wake_[1], "x", 1);
    if (acceptor_.joinable()) acceptor_.join();
    for (std::thread& connection : connections_) connection.join();
    for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
      if (fd >= 0) close(fd);
    }
  }

  bool listening() const { return port_ != 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// The host:port of every CONNECT received, in order.
  std::vector<std::string> targets() const {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      pollfd fds[] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        close(client);
        return;
      }
      open_fds_.insert(client);
      connections_.emplace_back([this, client] { Serve(client); });
    }
  }

  /// Waits until `fd` is readable (or closed); false once the proxy stops.
  bool WaitReadable(int fd) {
    pollfd fds[] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    while (poll(fds, 2, -1) < 0) {
    }
    return fds[1].revents == 0;
  }

  static bool SendAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      const ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data += sent;
      size -= static_cast<size_t>(sent);
    }
    return true;
  }
  static bool SendAll(int fd, const std::string& text) {
    return SendAll(fd, text.data(), text.size());
  }

  /// A connected socket to "host:port" ("[v6]:port" too), or -1.
  int Dial(const std::string& target) {
    const size_t colon = target.rfind(':');
    if (colon == std::string::npos) return -1;
    std::string host = target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), target.substr(colon + 1).c_str(), &hints, &found) != 0) {
      return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
      fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) {
          close(fd);
          fd = -1;
          break;
        }
        open_fds_.insert(fd);
      }
      if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
        Close(fd);
        fd = -1;
      }
    }
    freeaddrinfo(found);
    return fd;
  }

  void Close(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(fd);
    close(fd);
  }

  void Serve(int client) {
    std::string request;
    char buffer[16384];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      if (!WaitReadable(client)) return Close(client);
      const ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      if (n <= 0) return Close(client);
      request.append(buffer, static_cast<size_t>(n));
    }
    const size_t header_end = request.find("\r\n\r\n");
    if (header_end == std::string::npos) return Close(client);
    std::istringstream first_line(request.substr(0, request.find("\r\n")));
    std::string method, target, version;
    first_line >> method >> target >> version;
    if (method != "CONNECT") {
      SendAll(client, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
      return Close(client);
    }
    bool refuse = mode_ == Mode::kRefuse;
    {
      std::lock_guard<std::mutex> lock(mu_);
      targets_.push_back(target);
      if (refusals_left_ > 0) {
        --refusals_left_;
        refuse = true;
      }
    }
    if (refuse) {
      SendAll(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return Close(client);
    }
    const int upstream = Dial(target);
    if (upstream < 0) {
      SendAll(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      return Close(client);
    }
    const std::string early = request.substr(header_end + 4);  // sent before our reply
    if (SendAll(client, "HTTP/1.1 200 Connection established\r\n\r\n") &&
        SendAll(upstream, early)) {
      Relay(client, upstream);
    }
    Close(upstream);
    Close(client);
  }

  void Relay(int client, int upstream) {
    char buffer[16384];
    while (true) {
      pollfd fds[] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (poll(fds, 3, -1) < 0) continue;
      if (fds[2].revents != 0) return;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = recv(fds[i].fd, buffer, sizeof(buffer), 0);
        if (n <= 0 || !SendAll(fds[1 - i].fd, buffer, static_cast<size_t>(n))) return;
      }
    }
  }

  const Mode mode_;
  int refusals_left_;  ///< guarded by mu_
  int listen_fd_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  ///< written once when stopping: wakes every poll for good
  std::thread acceptor_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::set<int> open_fds_;
  std::vector<std::string> targets_;
  std::vector<std::thread> connections_;  ///< only the acceptor adds, before it is joined
};

/// An environment holding exactly `variables`: the test runner's own proxy settings play no
/// part.
EnvironmentLookup Environment(std::map<std::string, std::string> variables = {}) {
  return [variables = std::move(variables)](const char* name) {
    const auto found = variables.find(name);
    return found == variables.end() ? std::string() : found->second;
  };
}

/// Besides the proxy the channel is given, gRPC 1.51 consults the process's no_grpc_proxy and
/// no_proxy itself: a runner exempting 127.0.0.1 would keep every proxy test from using the
/// proxy. Cleared before main, while the process has one thread.
const bool kRunnerProxyExemptionsCleared = [] {
  unsetenv("no_grpc_proxy");
  unsetenv("no_proxy");
  return true;
}();

std::unique_ptr<emulator::Emulator> StartTlsEmulator(const SelfSignedCertificate& certificate) {
  emulator::EmulatorOptions options;
  options.tls_certificate_pem = certificate.certificate_pem();
  options.tls_private_key_pem = certificate.private_key_pem();
  return StartEmulator(std::move(options));
}

/// A configuration for `endpoint` (the emulator's own when empty), hermetic against the runner's
/// proxy variables, trusting `roots` (the system store when empty).
stream::StreamConfig Config(const emulator::Emulator& emu, const std::string& roots,
                            const std::string& endpoint = "") {
  stream::StreamConfig config = OAuthConfig(emu, kTestTable);
  if (!endpoint.empty()) config.endpoint = endpoint;
  config.channel.pem_root_certs = roots;
  config.channel.environment = Environment();
  return config;
}

/// Opens a stream in `format`, sends Event rows [first_id, first_id + 5), flushes and closes;
/// success when all of that worked and exactly those rows landed last.
::testing::AssertionResult SendsAndLands(TestFormat format, const stream::StreamConfig& config,
                                         const emulator::Emulator& emu, int64_t first_id) {
  auto opened = OpenEventStream(format, config);
  if (!opened.ok()) return ::testing::AssertionFailure() << "Open: " << opened.status();
  auto stream = std::move(opened).value();
  if (auto sent = stream->Send(EventRows(stream->protocol(), first_id, 5)); !sent.ok()) {
    return ::testing::AssertionFailure() << "Send: " << sent.status();
  }
  if (Status flushed = stream->Flush(); !flushed.ok()) {
    return ::testing::AssertionFailure() << "Flush: " << flushed;
  }
  if (Status closed = stream->Close(); !closed.ok()) {
    return ::testing::AssertionFailure() << "Close: " << closed;
  }
  const std::vector<int64_t> landed = LandedIds(emu, kTestTable);
  const std::vector<int64_t> expected = Iota(5, first_id);
  if (landed.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), landed.end() - 5)) {
    return ::testing::AssertionFailure() << "the rows did not land last";
  }
  return ::testing::AssertionSuccess();
}

/// The error of opening a stream in `format` with `config` (OK if it opened).
Status OpenError(TestFormat format, const stream::StreamConfig& config) {
  auto opened = OpenEventStream(format, config);
  return opened.ok() ? Status::OK() : opened.status();
}

/// A failure to connect that the client retried until its policy ran out (a permanent failure
/// comes back as it is, without retries), whose last error names `cause`.
void ExpectRetriedConnectionFailure(const Status& error, const std::string& cause) {
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << error;
  EXPECT_EQ(error.kind(), ErrorKind::kRetriesExhausted) << error;
  EXPECT_THAT(error.message(),
              AllOf(HasSubstr("failed after 4 attempt(s)"),
                    HasSubstr("last error: ConnectionError (UNAVAILABLE)"), HasSubstr(cause)));
}

void ExpectNothingLanded(const emulator::Emulator& emu) {
  EXPECT_EQ(emu.Counters(kTestTable).streams_created, 0);
  EXPECT_THAT(LandedIds(emu, kTestTable), IsEmpty());
}

std::string Target(const emulator::Emulator& emu) {
  return "127.0.0.1:" + std::to_string(emu.grpc_port());
}

// ---- the emulator's TLS ----

TEST(EmulatorTlsTest, ServesHttpsWithACertificateAndKey) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto emu = StartTlsEmulator(certificate);
  EXPECT_TRUE(emu->tls());
  EXPECT_EQ(emu->endpoint(), "https://" + Target(*emu));
  auto plain = StartEmulator();
  EXPECT_FALSE(plain->tls());
  EXPECT_EQ(plain->endpoint(), "http://" + Target(*plain));
}

TEST(EmulatorTlsTest, ACertificateWithoutItsKeyIsAConfigurationError) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  emulator::EmulatorOptions options;
  options.tls_certificate_pem = certificate.certificate_pem();
  auto started = emulator::Emulator::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(started.status().message(), HasSubstr("private key"));
}

// ---- TLS ----

class StreamTlsTest : public StreamTest {};

TEST_P(StreamTlsTest, TrustedCertificateCarriesTheStream) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto emu = StartTlsEmulator(certificate);
  ASSERT_THAT(emu->endpoint(), StartsWith("https://"));
  EXPECT_TRUE(SendsAndLands(format(), Config(*emu, certificate.certificate_pem()), *emu, 0));
  EXPECT_EQ(emu->Counters(kTestTable).streams_created, 1);
}

TEST_P(StreamTlsTest, UntrustedCertificateIsRefusedRetryably) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto emu = StartTlsEmulator(certificate);
  // No roots given: the system store, which does not hold the test's certificate.
  ExpectRetriedConnectionFailure(OpenError(format(), Config(*emu, "")),
                                 "certificate verify failed");
  // Trusting another certificate does not help either.
  SelfSignedCertificate other;
  ASSERT_TRUE(other.valid());
  ExpectRetriedConnectionFailure(OpenError(format(), Config(*emu, other.certificate_pem())),
                                 "certificate verify failed");
  ExpectNothingLanded(*emu);
}

TEST_P(StreamTlsTest, TheCertificateMustNameTheHost) {
  SelfSignedCertificate localhost_only("DNS:localhost");
  ASSERT_TRUE(localhost_only.valid());
  auto emu = StartTlsEmulator(localhost_only);
  const std::string roots = localhost_only.certificate_pem();
  ExpectRetriedConnectionFailure(
      OpenError(format(), Config(*emu, roots, "https://" + Target(*emu))),
      "Peer name 127.0.0.1 is not in peer certificate");
  ExpectNothingLanded(*emu);
  const std::string by_name = "https://localhost:" + std::to_string(emu->grpc_port());
  EXPECT_TRUE(SendsAndLands(format(), Config(*emu, roots, by_name), *emu, 0));
}

TEST_P(StreamTlsTest, TlsIsTheDefaultAndAPlaintextServerFailsIt) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto emu = StartEmulator();  // plaintext
  const std::string roots = certificate.certificate_pem();
  ExpectRetriedConnectionFailure(
      OpenError(format(), Config(*emu, roots, "https://" + Target(*emu))), "Ssl handshake failed");
  ExpectRetriedConnectionFailure(
      OpenError(format(), Config(*emu, roots, Target(*emu))),  // no scheme
      "Ssl handshake failed");
  ExpectNothingLanded(*emu);
  EXPECT_TRUE(SendsAndLands(format(), Config(*emu, roots, "http://" + Target(*emu)), *emu, 0));
}

TEST_P(StreamTlsTest, PlaintextToATlsServerFails) {
  SelfSignedCertificate certificate;
  ASSERT_TRUE(certificate.valid());
  auto emu = StartTlsEmulator(certificate);
  // The server drops the connection: no handshake error names the cause.
  ExpectRetriedConnectionFailure(
      OpenError(format(), Config(*emu, certificate.certificate_pem(), "http://" + Target(*emu))),
      "");
  ExpectNothingLanded(*emu);
}

// ---- proxies ----

class StreamProxyTest : public StreamTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certificate_.valid());
    ASSERT_TRUE(proxy_.listening());
    emu_ = StartTlsEmulator(certificate_);
  }
  stream::StreamConfig ConfigWith(std::map<std::string, std::string> variables) {
    stream::StreamConfig config = Config(*emu_, certificate_.certificate_pem());
    config.channel.environment = Environment(std::move(variables));
    return config;
  }

  SelfSignedCertificate certificate_;
  ConnectProxy proxy_;
  std::unique_ptr<emulator::Emulator> emu_;
};

TEST_P(StreamProxyTest, GrpcProxyCarriesTheStream) {
  EXPECT_TRUE(SendsAndLands(format(), ConfigWith({{"grpc_proxy", proxy_.url()}}), *emu_, 0));
  const auto targets = proxy_.targets();
  EXPECT_THAT(targets, Not(IsEmpty()));
  EXPECT_THAT(targets, Each(Target(*emu_)));
}

TEST_P(StreamProxyTest, AProxyWithoutSchemeIsTakenAsHttp) {
  const std::string without_scheme = proxy_.url().substr(std::string("http://").size());
  EXPECT_TRUE(SendsAndLands(format(), ConfigWith({{"grpc_proxy", without_scheme}}), *emu_, 0));
  EXPECT_THAT(proxy_.targets(), ElementsAre(Target(*emu_)));
}

TEST_P(StreamProxyTest, AnHttpsProxyIsAConfigurationError) {
  const std::string https = "https://" + proxy_.url().substr(std::string("http://").size());
  auto opened = OpenEventStream(format(), ConfigWith({{"grpc_proxy", https}}));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().kind(), ErrorKind::kConfiguration);
  EXPECT_THAT(proxy_.targets(), IsEmpty());
}

TEST_P(StreamProxyTest, NoGrpcProxyExemptsTheHost) {
  EXPECT_TRUE(SendsAndLands(
      format(),
      ConfigWith({{"grpc_proxy", proxy_.url()}, {"no_grpc_proxy", "127.0.0.1, localhost"}}), *emu_,
      0));
  EXPECT_THAT(proxy_.targets(), IsEmpty());
}

TEST_P(StreamProxyTest, HttpsProxyIsUsedWhenNoGrpcProxyIsSet) {
  EXPECT_TRUE(SendsAndLands(format(), ConfigWith({{"https_proxy", proxy_.url()}}), *emu_, 0));
  EXPECT_THAT(proxy_.targets(), ElementsAre(Target(*emu_)));
}

TEST_P(StreamProxyTest, GrpcProxyTakesPrecedenceOverHttpsProxy) {
  ConnectProxy refusing(ConnectProxy::Mode::kRefuse);
  ASSERT_TRUE(refusing.listening());
  EXPECT_TRUE(SendsAndLands(
      format(), ConfigWith({{"grpc_proxy", proxy_.url()}, {"https_proxy", refusing.url()}}), *emu_,
      0));
  EXPECT_THAT(proxy_.targets(), ElementsAre(Target(*emu_)));
  EXPECT_THAT(refusing.targets(), IsEmpty());
}

TEST_P(StreamProxyTest, ARefusingProxyFailsOpenRetryably) {
  ConnectProxy refusing(ConnectProxy::Mode::kRefuse);
  ASSERT_TRUE(refusing.listening());
  ExpectRetriedConnectionFailure(OpenError(format(), ConfigWith({{"grpc_proxy", refusing.url()}})),
                                 "HTTP proxy returned response code 403");
  // Each attempt is a connection of its own, not a wait on gRPC's reconnect backoff.
  EXPECT_THAT(refusing.targets(), SizeIs(4));
  EXPECT_THAT(refusing.targets(), Each(Target(*emu_)));
  ExpectNothingLanded(*emu_);
}

// A connection that fails once (here, a proxy refusing the first CONNECT) leaves gRPC's channel
// in its reconnect backoff, a second or more; the retry must not be spent waiting on it.
TEST_P(StreamProxyTest, AConnectionRefusedOnceIsRetriedOnANewConnection) {
  ConnectProxy flaky(ConnectProxy::Mode::kTunnel, /*refusals=*/1);
  ASSERT_TRUE(flaky.listening());
  EXPECT_TRUE(SendsAndLands(format(), ConfigWith({{"grpc_proxy", flaky.url()}}), *emu_, 0));
  EXPECT_THAT(flaky.targets(), ElementsAre(Target(*emu_), Target(*emu_)));
  EXPECT_EQ(emu_->Counters(kTestTable).streams_created, 1);
}

INSTANTIATE_BOTH_FORMATS(StreamTlsTest);
INSTANTIATE_BOTH_FORMATS(StreamProxyTest);

}  // namespace
}  // namespace arrow_zerobus::testing
