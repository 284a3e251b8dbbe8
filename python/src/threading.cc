// Calling Python from C++ threads, and waiting without holding the GIL.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "binding.h"

namespace arrow_zerobus::python {
namespace {

constexpr std::chrono::milliseconds kWaitSlice{50};

// Owns one reference to a Python callable; takes the GIL to call or release it.
class PythonCallable {
 public:
  explicit PythonCallable(nb::object callable) : callable_(callable.release().ptr()) {}
  PythonCallable(const PythonCallable&) = delete;
  PythonCallable& operator=(const PythonCallable&) = delete;

  ~PythonCallable() {
    PyObject* callable = Take();
    // After finalization began, no thread may take the GIL: the reference is leaked instead.
    if (callable == nullptr || IsFinalizing()) return;
    nb::gil_scoped_acquire gil;
    Py_DECREF(callable);
  }

  void CallOnce() {
    if (IsFinalizing()) return;
    nb::gil_scoped_acquire gil;
    PyObject* callable = Take();
    if (callable == nullptr) return;
    nb::object owned = nb::steal(callable);  // released here, under the GIL
    try {
      owned();
    } catch (nb::python_error& error) {
      error.discard_as_unraisable(owned);
    } catch (const std::exception& error) {
      PyErr_SetString(PyExc_RuntimeError, error.what());
      PyErr_WriteUnraisable(owned.ptr());
    }
  }

 private:
  PyObject* Take() {
    std::lock_guard<std::mutex> lock(mu_);
    PyObject* callable = callable_;
    callable_ = nullptr;
    return callable;
  }

  std::mutex mu_;
  PyObject* callable_;
};

}  // namespace

bool IsFinalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

std::function<void()> MakeThreadSafeCallback(nb::object callable) {
  if (!callable.is_valid() || callable.is_none()) return nullptr;
  auto holder = std::make_shared<PythonCallable>(std::move(callable));
  return [holder] { holder->CallOnce(); };
}

bool WaitInterruptibly(const std::function<bool(std::chrono::milliseconds)>& wait_slice,
                       std::optional<double> timeout_seconds) {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (timeout_seconds.has_value()) {
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(*timeout_seconds));
  }
  while (true) {
    std::chrono::milliseconds slice = kWaitSlice;
    if (deadline.has_value()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left < slice) slice = std::max(left, std::chrono::milliseconds(0));
    }
    bool done;
    {
      nb::gil_scoped_release release;
      done = wait_slice(slice);
    }
    if (done) return true;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
    if (deadline.has_value() && Clock::now() >= *deadline) return false;
  }
}

Status RunInterruptibly(std::function<Status()> call) {
  struct Shared {
    std::mutex mu;
    std::condition_variable done;
    std::optional<Status> status;
  };
  auto shared = std::make_shared<Shared>();
  {
    nb::gil_scoped_release release;
    std::thread([shared, call = std::move(call)]() mutable {
      Status status = call();
      call = nullptr;  // what it owns goes before the waiter hears of the result
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->status = std::move(status);
      shared->done.notify_all();
    }).detach();
  }
  WaitInterruptibly([&](std::chrono::milliseconds slice) {
    std::unique_lock<std::mutex> lock(shared->mu);
    return shared->done.wait_for(lock, slice, [&] { return shared->status.has_value(); });
  });
  std::lock_guard<std::mutex> lock(shared->mu);
  return *shared->status;
}

}  // namespace arrow_zerobus::python
