#include "bare_stream.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "auth/oauth_request.h"
#include "auth/token_provider.h"
#include "bench_util.h"
#include "common/endpoint.h"
#include "emulator.h"
#include "stream/bidi_connection.h"
#include "stream/channel.h"

namespace arrow_zerobus::bench {
namespace {

using Clock = std::chrono::steady_clock;

class BareListener : public stream::ConnectionListener {
 public:
  void OnMessage(uint64_t, const stream::ServerMessage& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (message.opens) opened_ = true;
    if (message.ack_position) acked_ = *message.ack_position;
    changed_.notify_all();
  }
  void OnEnded(uint64_t, Status status) override {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    end_status_ = std::move(status);
    changed_.notify_all();
  }

  /// Waits until `done` holds or the call ends; an error when it does not hold by then.
  template <typename Done>
  Status WaitFor(Done done, Clock::duration timeout, const char* what) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool reached = changed_.wait_for(lock, timeout, [&] { return done() || ended_; });
    if (done()) return Status::OK();
    return Status(StatusCode::kDeadlineExceeded, ErrorKind::kTransmission,
                  std::string("bare stream: ") + what +
                      (reached ? " did not happen: the call ended: " + end_status_.ToString()
                               : " took longer than the benchmark's bound"));
  }

  bool opened() const { return opened_; }
  int64_t acked() const { return acked_; }
  bool ended() const { return ended_; }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool opened_ = false;
  bool ended_ = false;
  int64_t acked_ = 0;
  Status end_status_;
};

}  // namespace

std::shared_ptr<auth::HeadersProvider> EmulatorOAuthHeaders(const std::string& endpoint,
                                                            const std::string& workspace_url,
                                                            const std::string& table) {
  auth::OAuthTokenProvider::Options oauth;
  oauth.workspace_url = workspace_url;
  oauth.workspace_id = ParseZerobusEndpoint(endpoint)->workspace_id;
  oauth.table = *auth::ParseTableName(table);
  oauth.client_id = emulator::kDefaultClientId;
  oauth.client_secret = emulator::kDefaultClientSecret;
  return auth::MakeOAuthHeadersProvider(oauth);
}

Result<BareRun> RunBareStream(const std::string& endpoint, const std::string& workspace_url,
                              const std::string& table, const stream::StreamProtocol& protocol,
                              const std::vector<grpc::ByteBuffer>& messages, int64_t units,
                              double timeout_seconds) {
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(ZerobusEndpoint parsed, ParseZerobusEndpoint(endpoint));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(auto channel, stream::CreateZerobusChannel(parsed, {}));
  ARROW_ZEROBUS_ASSIGN_OR_RETURN(
      auth::Headers headers, EmulatorOAuthHeaders(endpoint, workspace_url, table)->GetHeaders());
  const auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));

  BareListener listener;
  auto connection = stream::BidiConnection::Start(channel, headers, &protocol,
                                                  protocol.OpeningMessage(""), table, 1, &listener);
  Status status = listener.WaitFor([&] { return listener.opened(); }, timeout, "opening");
  BareRun run;
  if (status.ok()) {
    const double cpu_start = ProcessCpuSeconds();
    const auto start = Clock::now();
    for (const grpc::ByteBuffer& message : messages) connection->Send(message);
    status = listener.WaitFor([&] { return listener.acked() >= units; }, timeout,
                              "the last acknowledgement");
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  }
  connection->Cancel();
  Status ended = listener.WaitFor([&] { return listener.ended(); }, timeout, "the end of the call");
  if (!ended.ok()) return ended;
  if (!status.ok()) return status;
  return run;
}

}  // namespace arrow_zerobus::bench
