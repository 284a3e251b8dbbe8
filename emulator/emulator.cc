#include "emulator.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <grpc/grpc.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "common/happens_before.h"
#include "ingest_service.h"
#include "oauth_endpoint.h"
#include "service_quotas.h"

namespace arrow_zerobus::emulator {

namespace {

bool ServesTls(const EmulatorOptions& options) {
  return !options.tls_certificate_pem.empty() && !options.tls_private_key_pem.empty();
}

std::string OsReason(int error) { return std::strerror(error); }

/// Why `host`:`port` cannot be bound now, as the OS says it ("Address already in use"); empty
/// when a test bind succeeds (the listener failed for another reason).
std::string BindFailureReason(std::string host, int port) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* addresses = nullptr;
  const std::string service = std::to_string(port);
  if (int error =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &addresses);
      error != 0) {
    return gai_strerror(error);
  }
  std::string reason;
  for (addrinfo* address = addresses; address != nullptr && reason.empty();
       address = address->ai_next) {
    const int socket = ::socket(address->ai_family, address->ai_socktype, address->ai_protocol);
    if (socket < 0) continue;
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(socket, address->ai_addr, address->ai_addrlen) != 0) reason = OsReason(errno);
    ::close(socket);
  }
  freeaddrinfo(addresses);
  return reason;
}

/// `failure` of the listener `what` on `host`:`port`, with the OS's reason when there is one.
Status ListenError(const std::string& what, const std::string& host, int port,
                   const std::string& failure) {
  const std::string reason = BindFailureReason(host, port);
  const std::string address = host + ":" + std::to_string(port);
  if (reason.empty()) return Status(StatusCode::kUnavailable, ErrorKind::kConnection, failure);
  return Status(
      StatusCode::kUnavailable, ErrorKind::kConnection,
      "Emulator cannot listen on " + address + " (" + what + "): " + reason +
          (reason == OsReason(EADDRINUSE) ? "; choose another port, or 0 for one the OS picks"
                                          : ""));
}

/// Creates `dir` and proves the emulator can create files in it, with a probe file it removes.
Status CheckDataDir(const std::filesystem::path& dir) {
  if (dir.empty()) return Status::OK();
  const std::string named = "Emulator data directory " + dir.string();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return IoError(named + " cannot be created: " + error.message());
  if (!std::filesystem::is_directory(dir, error)) return IoError(named + " is not a directory");
  const std::filesystem::path probe =
      dir / (".zerobus-emulator-probe-" + std::to_string(::getpid()));
  const int file = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (file < 0) return IoError(named + " is not writable: " + OsReason(errno));
  ::close(file);
  if (::unlink(probe.c_str()) != 0) {
    return IoError(named + ": cannot remove the probe file " + probe.string() + ": " +
                   OsReason(errno));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Emulator>> Emulator::Start(EmulatorOptions options) {
  if (options.tls_certificate_pem.empty() != options.tls_private_key_pem.empty()) {
    return ConfigurationError(
        "Emulator TLS needs both a certificate and its private key; only the " +
        std::string(options.tls_certificate_pem.empty() ? "key" : "certificate") + " was given");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckQuotaOptions(options));
  if (options.grpc_port != 0 && options.grpc_port == options.http_port) {
    return ConfigurationError("Emulator gRPC port and OAuth endpoint port are both " +
                              std::to_string(options.grpc_port) + "; they must differ");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckDataDir(options.data_dir));
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (ServesTls(options)) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({options.tls_private_key_pem, options.tls_certificate_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  std::unique_ptr<Emulator> emulator(new Emulator());
  emulator->state_ = std::make_unique<EmulatorState>(options);
  ARROW_ZEROBUS_RETURN_NOT_OK(emulator->state_->LoadPersistentStreams());
  emulator->service_ = std::make_unique<IngestService>(emulator->state_.get());

  OAuthEndpointOptions oauth_options;
  oauth_options.host = options.host;
  oauth_options.port = options.http_port;
  oauth_options.clients = options.clients;
  oauth_options.token_lifetime = options.token_lifetime;
  oauth_options.workspace_id = options.workspace_id;
  oauth_options.require_zerobuswrite = options.require_zerobuswrite;
  EmulatorState* state = emulator->state_.get();
  oauth_options.declared_columns = [state](const std::string& table) {
    return state->DeclaredColumns(table);
  };
  auto oauth = OAuthEndpoint::Start(std::move(oauth_options), emulator->state_->shared_tokens());
  if (!oauth.ok()) {
    if (oauth.status().kind() != ErrorKind::kConnection) return oauth.status();
    return ListenError("OAuth endpoint", options.host, options.http_port, oauth.status().message());
  }
  emulator->oauth_ = std::move(oauth).value();

  grpc::ServerBuilder builder;
  const std::string address = options.host + ":" + std::to_string(options.grpc_port);
  builder.AddListeningPort(address, credentials, &emulator->grpc_port_);
  // Without SO_REUSEPORT a port in use is refused instead of shared with its other listener.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Requests above the service's limit must reach the service, which refuses them by name.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::max<int64_t>(options.max_request_bytes, 0) * 4 + (1 << 20)));
  builder.RegisterCallbackGenericService(emulator->service_.get());
  emulator->server_ = builder.BuildAndStart();
  if (emulator->server_ == nullptr || emulator->grpc_port_ == 0) {
    return ListenError(
        "gRPC", options.host, options.grpc_port,
        "Emulator could not listen on " + address +
            (ServesTls(options) ? " with TLS (are the certificate and key valid PEM?)" : ""));
  }
  return emulator;
}

Emulator::~Emulator() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  oauth_.reset();
  // Streams waiting on delayed tasks are released before the state goes away.
  if (state_) state_->scheduler().Stop();
  server_.reset();
  // The shutdown waited for every reactor to be gone, through synchronization ThreadSanitizer
  // cannot see; what they did comes before what follows.
  if (state_) HappensAfter(state_.get());
}

int Emulator::http_port() const { return oauth_->port(); }

std::string Emulator::endpoint() const {
  return (tls() ? "https://" : "http://") + state_->options().host + ":" +
         std::to_string(grpc_port_);
}

bool Emulator::tls() const { return ServesTls(state_->options()); }

std::string Emulator::workspace_url() const { return oauth_->url(); }

void Emulator::SetFaultScript(const std::string& table, FaultScript script) {
  state_->SetFaultScript(table, std::move(script));
}

void Emulator::DeclareTable(const std::string& table, std::vector<TableColumn> columns) {
  state_->DeclareTable(table, std::move(columns));
}

std::string Emulator::IssueToken(const std::string& table) {
  return state_->tokens().Issue(table, state_->options().token_lifetime);
}

TableCounters Emulator::Counters(const std::string& table) const { return state_->Counters(table); }

std::vector<std::shared_ptr<arrow::RecordBatch>> Emulator::LandedBatches(
    const std::string& table) const {
  return state_->LandedBatches(table);
}

std::vector<std::string> Emulator::LandedRecords(const std::string& table) const {
  return state_->LandedRecords(table);
}

std::vector<std::string> Emulator::Tables() const { return state_->Tables(); }

}  // namespace arrow_zerobus::emulator
