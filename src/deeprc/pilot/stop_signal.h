// A one-shot stop request that threads can sleep on: an eventfd, so a waiter blocks in poll()
// beside its other descriptors instead of waking up now and then to look at a flag.
#pragma once

namespace deeprc::pilot {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  void Notify();
  bool IsSet() const;
  // Sleeps until notified or `timeout` seconds passed; true when notified.
  bool WaitFor(double timeout) const;
  int fd() const { return fd_; }  // readable once notified

 private:
  int fd_;
};

}  // namespace deeprc::pilot
