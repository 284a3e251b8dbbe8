// ThreadSanitizer builds only: tells TSan the one ordering gRPC guarantees to its callers, that
// everything a thread did before starting an operation is visible where the operation completes.
//
// gRPC core (Debian's libgrpc) is not built with TSan, and it hands an operation from the thread
// that starts it to the thread that completes it through its own atomics and abseil mutexes,
// which TSan cannot see. Without this, every completion callback (our reactors' OnReadDone,
// OnWriteDone, ... and the gRPC templates inlined into our code that call them) is reported as
// racing with the code that started the operation.
//
// This library is linked ahead of libgrpc into every executable of the TSan build, so that its
// definitions of the functions below win the dynamic symbol lookup. Each does what libgrpc does
// (found with dlsym(RTLD_NEXT)) and adds one happens-before edge per operation, keyed by the
// operation's tag:
// - starting an operation (grpc_call_start_batch, grpc_server_request_*call) releases its tag;
// - its completion acquires the tag: on return from grpc_completion_queue_next / _pluck, or, on
//   callback completion queues, in a trampoline put in front of the tag's functor_run.
// Nothing else is ordered: races between a callback and code that runs after the operation was
// started are still reported (tests/cpp/tsan/tsan_canary*.cc check that).
#include <dlfcn.h>
#include <link.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <grpc/grpc.h>
#include <sanitizer/tsan_interface.h>

namespace {

using FunctorRun = void (*)(grpc_completion_queue_functor*, int);

// The distinct functor_run functions seen (gRPC has a handful: CallbackWithSuccessTag::StaticRun,
// CallbackWithStatusTag::StaticRun, the server's request tags, ...), each with its trampoline.
constexpr int kSlots = 32;
std::array<std::atomic<FunctorRun>, kSlots> g_originals{};

template <int I>
void Trampoline(grpc_completion_queue_functor* functor, int ok) {
  __tsan_acquire(functor);
  g_originals[I].load(std::memory_order_relaxed)(functor, ok);
}

template <int... I>
constexpr std::array<FunctorRun, sizeof...(I)> MakeTrampolines(
    std::integer_sequence<int, I...> /*slots*/) {
  return {&Trampoline<I>...};
}
constexpr std::array<FunctorRun, kSlots> kTrampolines =
    MakeTrampolines(std::make_integer_sequence<int, kSlots>{});

// Executable address ranges of the loaded objects, taken when this library is initialized (after
// the libraries it follows, before any thread of the program starts). A callback tag begins with
// its functor_run, a code address; the tags of the other completion queues are C++ objects that
// begin with a vtable pointer, which is not in these ranges.
struct CodeRange {
  uintptr_t begin;
  uintptr_t end;
};
std::array<CodeRange, 512> g_code{};
int g_code_count = 0;

__attribute__((constructor)) void CollectCodeRanges() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t /*size*/, void* /*data*/) {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& header = info->dlpi_phdr[i];
          if (header.p_type != PT_LOAD || (header.p_flags & PF_X) == 0) continue;
          if (g_code_count == static_cast<int>(g_code.size())) return 1;
          const uintptr_t begin = info->dlpi_addr + header.p_vaddr;
          g_code[g_code_count++] = {begin, begin + header.p_memsz};
        }
        return 0;
      },
      nullptr);
}

bool IsCode(uintptr_t address) {
  for (int i = 0; i < g_code_count; ++i) {
    if (address >= g_code[i].begin && address < g_code[i].end) return true;
  }
  return false;
}

int SlotOf(FunctorRun run) {
  for (int i = 0; i < kSlots; ++i) {
    FunctorRun expected = nullptr;
    if (g_originals[i].compare_exchange_strong(expected, run, std::memory_order_relaxed,
                                               std::memory_order_relaxed) ||
        expected == run) {
      return i;
    }
  }
  std::fprintf(stderr, "grpc_happens_before: more than %d distinct gRPC functor_run functions\n",
               kSlots);
  std::abort();
}

// Puts the trampoline in front of a callback tag's functor_run (once per tag object: gRPC sets
// functor_run when it sets the tag up, and reuses set-up tags for later operations).
void InterceptCallbackTag(void* tag) {
  if (tag == nullptr) return;
  auto* functor = static_cast<grpc_completion_queue_functor*>(tag);
  const FunctorRun run = functor->functor_run;
  if (!IsCode(reinterpret_cast<uintptr_t>(run))) return;
  for (FunctorRun trampoline : kTrampolines) {
    if (run == trampoline) return;
  }
  functor->functor_run = kTrampolines[SlotOf(run)];
}

void StartOperation(void* tag) {
  InterceptCallbackTag(tag);
  __tsan_release(tag);
}

template <typename Function>
void Resolve(const char* name, Function* function) {
  void* next = dlsym(RTLD_NEXT, name);
  if (next == nullptr) {
    std::fprintf(stderr, "grpc_happens_before: %s not found after this library: %s\n", name,
                 dlerror());
    std::abort();
  }
  *function = reinterpret_cast<Function>(next);
}

// libgrpc's definitions, resolved when this library is initialized (no lazy initialization on
// gRPC's threads, whose guard variable would order them for TSan).
struct Libgrpc {
  decltype(&grpc_call_start_batch) call_start_batch;
  decltype(&grpc_server_request_call) server_request_call;
  decltype(&grpc_server_request_registered_call) server_request_registered_call;
  decltype(&grpc_completion_queue_next) completion_queue_next;
  decltype(&grpc_completion_queue_pluck) completion_queue_pluck;
} g_libgrpc;

__attribute__((constructor)) void ResolveLibgrpc() {
  Resolve("grpc_call_start_batch", &g_libgrpc.call_start_batch);
  Resolve("grpc_server_request_call", &g_libgrpc.server_request_call);
  Resolve("grpc_server_request_registered_call", &g_libgrpc.server_request_registered_call);
  Resolve("grpc_completion_queue_next", &g_libgrpc.completion_queue_next);
  Resolve("grpc_completion_queue_pluck", &g_libgrpc.completion_queue_pluck);
}

}  // namespace

extern "C" {

grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops, size_t nops, void* tag,
                                      void* reserved) {
  StartOperation(tag);
  return g_libgrpc.call_start_batch(call, ops, nops, tag, reserved);
}

grpc_call_error grpc_server_request_call(grpc_server* server, grpc_call** call,
                                         grpc_call_details* details,
                                         grpc_metadata_array* request_metadata,
                                         grpc_completion_queue* cq_bound_to_call,
                                         grpc_completion_queue* cq_for_notification,
                                         void* tag_new) {
  StartOperation(tag_new);
  return g_libgrpc.server_request_call(server, call, details, request_metadata, cq_bound_to_call,
                                       cq_for_notification, tag_new);
}

grpc_call_error grpc_server_request_registered_call(grpc_server* server, void* registered_method,
                                                    grpc_call** call, gpr_timespec* deadline,
                                                    grpc_metadata_array* request_metadata,
                                                    grpc_byte_buffer** optional_payload,
                                                    grpc_completion_queue* cq_bound_to_call,
                                                    grpc_completion_queue* cq_for_notification,
                                                    void* tag_new) {
  StartOperation(tag_new);
  return g_libgrpc.server_request_registered_call(server, registered_method, call, deadline,
                                                  request_metadata, optional_payload,
                                                  cq_bound_to_call, cq_for_notification, tag_new);
}

grpc_event grpc_completion_queue_next(grpc_completion_queue* cq, gpr_timespec deadline,
                                      void* reserved) {
  grpc_event event = g_libgrpc.completion_queue_next(cq, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE) __tsan_acquire(event.tag);
  return event;
}

grpc_event grpc_completion_queue_pluck(grpc_completion_queue* cq, void* tag, gpr_timespec deadline,
                                       void* reserved) {
  grpc_event event = g_libgrpc.completion_queue_pluck(cq, tag, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE) __tsan_acquire(event.tag);
  return event;
}

}  // extern "C"
