// SIGINT and SIGTERM turned into a flag that a command's wait loop reads, so a Ctrl-C cancels the
// tasks and summarises the session instead of killing the process mid-line.
#pragma once

#include <csignal>

namespace deeprc {

// While a guard lives, SIGINT and SIGTERM are recorded instead of ending the process; the handlers
// that were there before come back when it goes. One guard at a time (the flag is process-wide).
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The last signal received since the guard was made, 0 when none.
  int signal() const;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace deeprc
