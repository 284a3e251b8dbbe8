#include "emulator.h"

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "ingest_service.h"
#include "oauth_endpoint.h"
#include "service_quotas.h"

namespace arrow_zerobus::emulator {

namespace {

bool ServesTls(const EmulatorOptions& options) {
  return !options.tls_certificate_pem.empty() && !options.tls_private_key_pem.empty();
}

}  // namespace

Result<std::unique_ptr<Emulator>> Emulator::Start(EmulatorOptions options) {
  if (options.tls_certificate_pem.empty() != options.tls_private_key_pem.empty()) {
    return ConfigurationError(
        "Emulator TLS needs both a certificate and its private key; only the " +
        std::string(options.tls_certificate_pem.empty() ? "key" : "certificate") + " was given");
  }
  ARROW_ZEROBUS_RETURN_NOT_OK(CheckQuotaOptions(options));
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (ServesTls(options)) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({options.tls_private_key_pem, options.tls_certificate_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  std::unique_ptr<Emulator> emulator(new Emulator());
  emulator->state_ = std::make_unique<EmulatorState>(options);
  emulator->service_ = std::make_unique<IngestService>(emulator->state_.get());

  OAuthEndpointOptions oauth_options;
  oauth_options.host = options.host;
  oauth_options.port = options.http_port;
  oauth_options.clients = options.clients;
  oauth_options.token_lifetime = options.token_lifetime;
  oauth_options.workspace_id = options.workspace_id;
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      emulator->oauth_,
      OAuthEndpoint::Start(std::move(oauth_options), emulator->state_->shared_tokens()));

  grpc::ServerBuilder builder;
  const std::string address = options.host + ":" + std::to_string(options.grpc_port);
  builder.AddListeningPort(address, credentials, &emulator->grpc_port_);
  // Requests above the service's limit must reach the service, which refuses them by name.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::max<int64_t>(options.max_request_bytes, 0) * 4 + (1 << 20)));
  builder.RegisterCallbackGenericService(emulator->service_.get());
  emulator->server_ = builder.BuildAndStart();
  if (emulator->server_ == nullptr || emulator->grpc_port_ == 0) {
    return Status(
        StatusCode::kUnavailable, ErrorKind::kConnection,
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
