// A deliberate data race between a client reactor's reaction and main, which writes after the
// call was started. Built only with ARROW_ZEROBUS_TSAN: ThreadSanitizer must report it with
// scripts/tsan.supp in force and the gRPC happens-before library linked, which proves that the
// library orders only what precedes the start of an operation, not what follows it.
#include <chrono>
#include <cstdio>
#include <future>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_callback.h>

namespace {

int written_after_the_start = 0;

class Reactor final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  void OnReadInitialMetadataDone(bool /*ok*/) override {
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
  if (done.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    std::printf("the call did not end within 20 s\n");
    return 1;
  }
  std::printf("call ended with code %d\n", static_cast<int>(done.get()));
  return 0;
}
