// A deliberate data race in code that gRPC runs on its own thread (a grpc::Alarm callback), read
// without synchronization by main. Built only with ARROW_ZEROBUS_TSAN: ThreadSanitizer must
// report it with scripts/tsan.supp in force, which proves that the suppressions for gRPC and the
// other uninstrumented libraries do not hide races in our callbacks.
#include <chrono>
#include <cstdio>
#include <thread>

#include <grpcpp/alarm.h>

namespace {

int written_by_a_grpc_thread = 0;

}  // namespace

int main() {
  grpc::Alarm alarm;
  alarm.Set(std::chrono::system_clock::now() + std::chrono::milliseconds(10),
            [](bool) { written_by_a_grpc_thread = 42; });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::printf("read %d\n", written_by_a_grpc_thread);
  return 0;
}
