// A raptor master: rank 0 of the pool's MPI job. It queues function tasks, picks idle workers for
// each task's ranks (disjoint groups, so tasks of different sizes run at once) and collects results.
#pragma once

#include <mpi.h>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "deeprc/agent/raptor/messages.h"

namespace deeprc::raptor {

class Master {
 public:
  // On rank 0 of MPI_COMM_WORLD (initialized); ranks 1..size-1 must run RunWorker().
  static Result<std::unique_ptr<Master>> Create();
  ~Master();

  int num_workers() const { return static_cast<int>(idle_.size() + busy_.size()); }

  // Queues `task`; fails at once when it asks for more ranks than the pool has. A task without
  // an id gets "function.<n>".
  Result<std::string> Submit(FunctionTask task);

  // Dispatches and collects until every submitted task has a result, or `timeout` passes (the
  // error names the tasks still running and their workers). Returns the results in the order the
  // tasks finished.
  Result<std::vector<FunctionResult>> WaitAll(std::chrono::milliseconds timeout);

  // Tells every worker to exit. Idempotent; the destructor calls it.
  Status Stop();

 private:
  struct Running {
    FunctionTask task;
    std::vector<int> group;
    std::map<int, RankResult> results;  // by task rank
  };
  struct PendingSend {
    std::unique_ptr<std::string> text;
    MPI_Request request;
  };

  Master() = default;
  Status Dispatch();
  Result<bool> CollectOne();
  Status SendTo(int worker, int tag, std::string text);
  Status ReapSends(bool wait);
  FunctionResult Finish(Running running);

  std::deque<FunctionTask> queue_;
  std::set<int> idle_, busy_;
  std::map<int64_t, Running> running_;  // by serial
  std::vector<FunctionResult> done_;
  std::vector<PendingSend> sends_;
  int64_t next_serial_ = 1;
  bool stopped_ = false;
};

}  // namespace deeprc::raptor
