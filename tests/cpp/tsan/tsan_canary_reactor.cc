// A deliberate data race between a client reactor's reaction and main, which writes after the
// call was started. Built only with ARROW_ZEROBUS_TSAN: ThreadSanitizer must report it with
// scripts/tsan.supp in force and the gRPC happens-before library linked, which proves that the
// library orders only what precedes the start of an operation, not what follows it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_callback.h>

namespace {

int written_after_the_start = 0;
// Set by main after its write; read with relaxed order, which ThreadSanitizer does not count as
// synchronization, so that the reaction reads after the write without being ordered after it.
// Without it, a call that fails quickly enough ran the reaction before main wrote, and nothing
// was reported.
std::atomic<bool> written{false};

class Reactor final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  void OnReadInitialMetadataDone(bool /*ok*/) override {
    for (int waited = 0; !written.load(std::memory_order_relaxed) && waited < 5000; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::printf("reaction read %d\n", written_after_the_start);
  }
  void OnDone(const grpc::Status& status) override { done_.set_value(status.error_code()); }
  std::future<grpc::StatusCode> done() { return done_.get_future(); }

 private:
  std::promise<grpc::StatusCode> done_;
};

}  // namespace

int main() {
  // Nothing listens on port 1: the call fails at once, after the reactions.
  grpc::GenericStub stub(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Reactor reactor;
  std::future<grpc::StatusCode> done = reactor.done();
  stub.PrepareBidiStreamingCall(&context, "/canary.Canary/Call", grpc::StubOptions(), &reactor);
  reactor.StartCall();
  written_after_the_start = 42;
  written.store(true, std::memory_order_relaxed);
  if (done.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    std::printf("the call did not end within 20 s\n");
    return 1;
  }
  std::printf("call ended with code %d\n", static_cast<int>(done.get()));
  return 0;
}
