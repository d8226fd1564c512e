// Waiting on non-blocking transfers without owning a core: backends poll their requests through
// PollUntil, which yields, then backs off to short sleeps, and gives up at a deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "deeprc/core/status.h"

namespace deeprc::net {

using Clock = std::chrono::steady_clock;

// The pause between turns of a polling loop: a few turns spin, then yield, then nap for 10 us
// growing to 1 ms. On 2 cores with 8 ranks, a busy-polling rank steals the core its peer needs to
// make progress. A loop that serves a stream of work calls Reset() whenever a turn made progress,
// so that it naps only while nothing happens.
class Backoff {
 public:
  Backoff() = default;
  Backoff(int spins, int yields) : spins_(spins), yields_(yields) {}

  void Pause() {
    Pause([](std::chrono::microseconds nap) { std::this_thread::sleep_for(nap); });
  }
  // The same, with the nap taken by `nap(duration)`: a loop that can be woken early (a timed wait
  // on an event) naps there, so that the event ends the nap instead of the clock.
  template <typename Nap>
  void Pause(Nap&& nap) {
    const int attempt = attempt_++;
    if (attempt < spins_) return;
    if (attempt < spins_ + yields_) {
      std::this_thread::yield();
      return;
    }
    const int naps = attempt - spins_ - yields_ + 1;
    nap(std::chrono::microseconds(std::min(1000, 10 * naps)));
  }
  void Reset() { attempt_ = 0; }
  // Whether the pauses since the last Reset() include `naps` naps: a loop that can sleep on an
  // event instead (a worker's wake-up) switches to it then.
  bool NappedAtLeast(int naps) const { return attempt_ >= spins_ + yields_ + naps; }

 private:
  int spins_ = 64, yields_ = 192;
  int attempt_ = 0;
};

// How long a wait on a transfer yields before it starts to nap. A nap costs far more than it
// asks for: on a VM the idle vCPU halts, and waking it took ~0.28 ms here for a 10 us nap. A peer
// that is a fraction of a millisecond late (skew from the last barrier, a rank that finished its
// copy first) would find us asleep, and every exchange would pay the wake-up: 2-rank exchanges
// of a few bytes took 0.28 ms instead of 8 us, 40 MB all-to-alls 5.3 ms instead of 3.7.
// Yielding still hands the core to a runnable peer when ranks outnumber cores.
inline constexpr std::chrono::microseconds kYieldBeforeNapping{1000};

// Calls `poll` (returning Result<bool>: true when done) until it is done, fails, or `deadline`
// passes; returns whether it finished. Between tries it yields for kYieldBeforeNapping, then
// backs off (above) to naps.
template <typename Poll>
Result<bool> PollUntil(Clock::time_point deadline, Poll&& poll) {
  const auto start = Clock::now();
  for (Backoff backoff;;) {
    DEEPRC_ASSIGN_OR_RETURN(bool done, poll());
    if (done) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    if (now - start < kYieldBeforeNapping) {
      std::this_thread::yield();
    } else {
      backoff.Pause();
    }
  }
}

}  // namespace deeprc::net
