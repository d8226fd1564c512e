#include "deeprc/agent/raptor/worker_wakeup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace deeprc::raptor {
namespace {

std::string NameFor(int pid) { return "/deeprc-wakeup-" + std::to_string(pid); }

}  // namespace

std::unique_ptr<WorkerWakeup> WorkerWakeup::CreateForThisWorker() {
  const std::string name = NameFor(::getpid());
  sem_t* semaphore = ::sem_open(name.c_str(), O_CREAT, 0600, 0);
  if (semaphore == SEM_FAILED) return nullptr;
  return std::unique_ptr<WorkerWakeup>(new WorkerWakeup(semaphore, name));
}

std::unique_ptr<WorkerWakeup> WorkerWakeup::OpenForWorker(const WorkerProcess& worker) {
  if (!OnThisHost(worker)) return nullptr;
  const std::string name = NameFor(worker.pid);
  sem_t* semaphore = ::sem_open(name.c_str(), 0);
  if (semaphore == SEM_FAILED) return nullptr;
  ::sem_unlink(name.c_str());
  return std::unique_ptr<WorkerWakeup>(new WorkerWakeup(semaphore, name));
}

WorkerWakeup::~WorkerWakeup() { ::sem_close(semaphore_); }

void WorkerWakeup::Post() { ::sem_post(semaphore_); }

void WorkerWakeup::Wait(std::chrono::microseconds timeout) {
  timespec deadline;
  ::clock_gettime(CLOCK_REALTIME, &deadline);
  const auto nanos = deadline.tv_nsec + std::chrono::nanoseconds(timeout).count();
  deadline.tv_sec += nanos / 1'000'000'000;
  deadline.tv_nsec = nanos % 1'000'000'000;
  while (::sem_timedwait(semaphore_, &deadline) != 0 && errno == EINTR) {
  }
  while (::sem_trywait(semaphore_) == 0) {
  }
}

void WorkerWakeup::Unlink() { ::sem_unlink(name_.c_str()); }

}  // namespace deeprc::raptor
