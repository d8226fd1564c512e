#include "deeprc/core/interrupt_guard.h"

#include <atomic>

namespace deeprc {
namespace {

std::atomic<int> g_signal{0};
extern "C" void RecordSignal(int signal) { g_signal.store(signal); }

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = RecordSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int InterruptGuard::signal() const { return g_signal.load(); }

}  // namespace deeprc
