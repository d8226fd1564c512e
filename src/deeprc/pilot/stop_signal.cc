#include "deeprc/pilot/stop_signal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace deeprc::pilot {

StopSignal::StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
StopSignal::~StopSignal() { ::close(fd_); }

void StopSignal::Notify() {
  uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof(one));  // never read back: it stays readable
}

bool StopSignal::IsSet() const { return WaitFor(0); }

bool StopSignal::WaitFor(double timeout) const {
  pollfd item = {fd_, POLLIN, 0};
  return ::poll(&item, 1, static_cast<int>(timeout * 1000)) > 0;
}

}  // namespace deeprc::pilot
