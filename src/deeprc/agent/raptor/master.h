// A raptor master: rank 0 of the pool's MPI job. It queues function tasks, picks idle workers for
// each task's ranks (disjoint groups, so tasks of different sizes run at once) and collects results.
#pragma once

#include <mpi.h>

#include "deeprc/net/progress.h"

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "deeprc/agent/raptor/messages.h"
#include "deeprc/agent/raptor/worker_liveness.h"
#include "deeprc/agent/raptor/worker_wakeup.h"

namespace deeprc::raptor {

struct MasterOptions {
  // Assignments a worker may hold at once. Above 1, the master sends 1-rank tasks to busy workers
  // too, so a worker starts its next task without waiting a round trip to the master (that round
  // trip, not the work, bounded no-op throughput). Multi-rank tasks go to idle workers only, so a
  // group always starts together and never waits behind another task's peers.
  int prefetch = 4;
  // The GPU of each worker, by world rank ("" or absent: none). Tasks with gpus > 0 run only on
  // workers with a GPU; the others take workers without one first.
  std::vector<std::string> worker_gpus;
};

class Master {
 public:
  // On rank 0 of MPI_COMM_WORLD (initialized); ranks 1..size-1 must run RunWorker(). Collective
  // with the workers' start (their process ids are gathered).
  static Result<std::unique_ptr<Master>> Create(MasterOptions options = {});
  ~Master();

  // Workers alive: a worker found dead is removed from the pool for good.
  int num_workers() const { return static_cast<int>(load_.size()); }
  int num_gpu_workers() const;
  // The world ranks of the workers found dead since the last call (for whoever placed them).
  std::vector<int> TakeLostWorkers() { return std::exchange(lost_, {}); }

  // Queues `task`; fails at once when it asks for more ranks than the pool has. A task without
  // an id gets "function.<n>".
  Result<std::string> Submit(FunctionTask task);

  // One turn that never blocks: dispatches what fits, takes in the results that arrived and, at
  // most every 100 ms, checks that the workers live. Returns how many things happened, so that a
  // caller's wait backs off only while nothing does.
  Result<int> Turn();
  // The results of the tasks that finished since the last call, in the order they finished.
  std::vector<FunctionResult> TakeResults() { return std::exchange(done_, {}); }
  // Tasks queued or running.
  bool busy() const { return !queue_.empty() || !running_.empty(); }

  // Forgets a task: a queued one never runs; a running one keeps its workers until they answer,
  // and that answer is dropped. False when no such task is queued or running.
  bool Cancel(const std::string& id);

  // Turns (backing off while idle) until every submitted task has a result, or `timeout` passes
  // (the error names the tasks still running and their workers). Returns the results in the
  // order the tasks finished.
  Result<std::vector<FunctionResult>> WaitAll(std::chrono::milliseconds timeout);

  // Tells every worker to exit. Idempotent; the destructor calls it.
  Status Stop();

 private:
  struct Queued {
    FunctionTask task;
    net::Clock::time_point submitted;
  };
  struct Running {
    FunctionTask task;
    std::vector<int> group;
    double queued_ms = 0;               // from Submit to the assignment's dispatch
    std::map<int, RankResult> results;  // by task rank
  };
  struct PendingSend {
    std::unique_ptr<std::string> text;
    MPI_Request request;
  };

  explicit Master(MasterOptions options) : options_(options) {}
  // Both return how many tasks they dispatched / results they took in (progress resets the wait's
  // back-off).
  Result<int> Dispatch();
  Result<bool> CollectOne();
  // Sends without waking; Wake posts the worker's semaphore once its message is there.
  Status SendTo(int worker, int tag, std::string text);
  void Wake(int worker);
  bool HasGpu(int worker) const;
  bool Eligible(int worker, const FunctionTask& task) const { return task.gpus == 0 || HasGpu(worker); }
  Status ReapSends(bool wait);
  FunctionResult Finish(Running running);
  // Fails the tasks of workers that died (and queued tasks the smaller pool can never run).
  void ReapDeadWorkers();

  MasterOptions options_;
  std::deque<Queued> queue_;
  std::map<int, int> load_;             // live workers: assignments sent and not yet answered
  std::map<int64_t, Running> running_;  // by serial
  std::vector<FunctionResult> done_;
  std::vector<PendingSend> sends_;
  std::vector<WorkerProcess> processes_;  // by world rank
  std::vector<std::unique_ptr<WorkerWakeup>> wakeups_;  // by world rank; null: another host
  std::set<int> dead_;
  std::vector<int> lost_;  // dead, not yet taken
  net::Clock::time_point next_liveness_check_{};
  int64_t next_serial_ = 1;
  bool stopped_ = false;
};

}  // namespace deeprc::raptor
