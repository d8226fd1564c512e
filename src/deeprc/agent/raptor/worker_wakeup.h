// Waking an idle worker without it polling. A worker on the master's host sleeps on a named POSIX
// semaphore of its own once its back-off has napped for a while, and the master posts it after
// every message it sends that worker; the worker's short naps before that are timed waits on the
// same semaphore. Napping workers woke up to 1 ms late, and a task's group waits for its latest
// member: with 8 workers in one task, that skew made building the task's communicator 10x slower
// in one round of five. Workers on other hosts keep napping.
#pragma once

#include <semaphore.h>

#include <chrono>
#include <memory>
#include <string>

#include "deeprc/agent/raptor/worker_liveness.h"

namespace deeprc::raptor {

class WorkerWakeup {
 public:
  // Worker side, before GatherWorkerProcesses (so the master can open it after): this process's
  // semaphore. Null when it cannot be created; then the worker naps.
  static std::unique_ptr<WorkerWakeup> CreateForThisWorker();
  // Master side, after GatherWorkerProcesses: the semaphore of `worker`, or null when the worker
  // lives on another host. The name is removed at once: both sides hold it open.
  static std::unique_ptr<WorkerWakeup> OpenForWorker(const WorkerProcess& worker);
  ~WorkerWakeup();
  WorkerWakeup(const WorkerWakeup&) = delete;
  WorkerWakeup& operator=(const WorkerWakeup&) = delete;

  void Post();
  // Sleeps until posted or `timeout` passes, then takes every post that is pending.
  void Wait(std::chrono::microseconds timeout);
  // Removes the name (a worker whose master lives elsewhere, or one that exits).
  void Unlink();

 private:
  WorkerWakeup(sem_t* semaphore, std::string name) : semaphore_(semaphore), name_(std::move(name)) {}
  sem_t* semaphore_;
  std::string name_;
};

}  // namespace deeprc::raptor
