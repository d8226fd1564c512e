// Waiting on non-blocking transfers without owning a core: backends poll their requests through
// PollUntil, which backs off from spinning to yielding to short sleeps, and gives up at a deadline.
#pragma once

#include <chrono>
#include <thread>

#include "deeprc/core/status.h"

namespace deeprc::net {

using Clock = std::chrono::steady_clock;

// Calls `poll` (returning Result<bool>: true when done) until it is done, fails, or `deadline`
// passes; returns whether it finished. On 2 cores with 8 ranks, a busy-polling rank steals the
// core its peer needs to make progress, so after a few tries we yield and then sleep.
template <typename Poll>
Result<bool> PollUntil(Clock::time_point deadline, Poll&& poll) {
  for (int attempt = 0;; ++attempt) {
    DEEPRC_ASSIGN_OR_RETURN(bool done, poll());
    if (done) return true;
    if (Clock::now() >= deadline) return false;
    if (attempt < 64) continue;
    if (attempt < 256) {
      std::this_thread::yield();
    } else {
      const auto nap = std::chrono::microseconds(std::min(1000, 10 * (attempt - 255)));
      std::this_thread::sleep_for(nap);
    }
  }
}

}  // namespace deeprc::net
