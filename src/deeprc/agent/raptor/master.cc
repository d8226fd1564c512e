#include "deeprc/agent/raptor/master.h"

#include <algorithm>

#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/progress.h"

namespace deeprc::raptor {

Result<std::unique_ptr<Master>> Master::Create(MasterOptions options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return Status::Invalid("raptor master: MPI is not initialized");
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank != 0) return Status::Invalid("raptor master: must be rank 0, this is rank ", rank);
  if (options.prefetch < 1)
    return Status::Invalid("raptor master: prefetch must be at least 1, not ", options.prefetch);
  std::unique_ptr<Master> master(new Master(options));
  for (int worker = 1; worker < size; ++worker) master->load_[worker] = 0;
  DEEPRC_RETURN_NOT_OK(GatherWorkerProcesses(&master->processes_));
  master->wakeups_.resize(size);
  for (int worker = 1; worker < size; ++worker) {
    master->wakeups_[worker] = WorkerWakeup::OpenForWorker(master->processes_[worker]);
  }
  return master;
}

Master::~Master() { (void)Stop(); }

bool Master::HasGpu(int worker) const {
  return worker < static_cast<int>(options_.worker_gpus.size()) && !options_.worker_gpus[worker].empty();
}

int Master::num_gpu_workers() const {
  int count = 0;
  for (const auto& [worker, load] : load_) count += HasGpu(worker);
  return count;
}

Result<std::string> Master::Submit(FunctionTask task) {
  if (stopped_) return Status::Invalid("raptor master: stopped");
  if (task.ranks < 1 || task.ranks > num_workers()) {
    return Status::Invalid("function task '", task.id, "' asks for ", task.ranks, " ranks, but the pool has ",
                           num_workers(), " workers");
  }
  if (task.gpus > 0 && task.ranks > num_gpu_workers()) {
    return Status::Invalid("function task '", task.id, "' asks for ", task.ranks,
                           " ranks with a GPU each, but the pool has ", num_gpu_workers(), " workers with a GPU");
  }
  if (task.id.empty()) task.id = "function." + std::to_string(next_serial_ + queue_.size());
  queue_.push_back({std::move(task), net::Clock::now()});
  return queue_.back().task.id;
}

Status Master::SendTo(int worker, int tag, std::string text) {
  PendingSend send{std::make_unique<std::string>(std::move(text)), MPI_REQUEST_NULL};
  if (MPI_Isend(send.text->data(), static_cast<int>(send.text->size()), MPI_CHAR, worker, tag, MPI_COMM_WORLD,
                &send.request) != MPI_SUCCESS) {
    return Status::IOError("raptor master: MPI_Isend to worker ", worker, " failed");
  }
  sends_.push_back(std::move(send));
  return Status::OK();
}

void Master::Wake(int worker) {
  if (wakeups_[worker]) wakeups_[worker]->Post();
}

Status Master::ReapSends(bool wait) {
  auto done = [](PendingSend& send) {
    int flag = 0;
    MPI_Test(&send.request, &flag, MPI_STATUS_IGNORE);
    return flag != 0;
  };
  if (wait) {
    const auto deadline = net::Clock::now() + std::chrono::seconds(10);
    DEEPRC_ASSIGN_OR_RETURN(bool all, net::PollUntil(deadline, [&]() -> Result<bool> {
                              std::erase_if(sends_, done);
                              return sends_.empty();
                            }));
    if (!all)
      return Status::IOError("raptor master: ", sends_.size(), " messages to workers never completed");
  }
  std::erase_if(sends_, done);
  return Status::OK();
}

// First come, first served, with backfill: a task that fits the idle workers starts even when
// an earlier, larger one must wait. 1-rank tasks also queue on busy workers (up to `prefetch`
// each), except behind a multi-rank task that waits for idle workers: those must drain for it.
Result<int> Master::Dispatch() {
  int idle = 0, free_slots = 0;
  for (const auto& [worker, load] : load_) {
    idle += load == 0;
    free_slots += std::max(0, options_.prefetch - load);
  }
  int dispatched = 0;
  bool blocked = false;
  for (auto it = queue_.begin(); it != queue_.end() && free_slots > 0 && !(blocked && idle == 0);) {
    Assignment assignment;
    const FunctionTask& task = it->task;
    if (task.ranks <= idle) {
      // Idle workers it may use; a task without GPUs takes workers without one first, leaving the
      // GPUs to the tasks that need them.
      std::vector<int> candidates;
      for (const auto& [worker, load] : load_) {
        if (load == 0 && Eligible(worker, task)) candidates.push_back(worker);
      }
      std::stable_partition(candidates.begin(), candidates.end(), [this](int w) { return !HasGpu(w); });
      if (static_cast<int>(candidates.size()) >= task.ranks) {
        assignment.group.assign(candidates.begin(), candidates.begin() + task.ranks);
      }
    }
    if (assignment.group.empty() && task.ranks == 1 && !blocked) {
      int least = -1;
      for (const auto& [worker, load] : load_) {
        if (load < options_.prefetch && Eligible(worker, task) && (least < 0 || load < load_.at(least))) {
          least = worker;
        }
      }
      if (least >= 0) assignment.group.push_back(least);
    }
    if (assignment.group.empty()) {
      blocked = true;
      ++it;
      continue;
    }
    for (int worker : assignment.group) {
      int& load = load_.at(worker);
      idle -= load == 0;
      --free_slots;
      ++load;
    }
    assignment.serial = next_serial_++;
    assignment.task = std::move(it->task);
    const double queued_ms =
        std::chrono::duration<double, std::milli>(net::Clock::now() - it->submitted).count();
    it = queue_.erase(it);
    const std::string text = Serialize(assignment);
    // Every message first, then the wake-ups in a row: a woken worker may take the master's core,
    // and a group's last member would otherwise wait for that before its message is even sent,
    // while its peers already sit in MPI_Comm_create_group.
    for (int worker : assignment.group) DEEPRC_RETURN_NOT_OK(SendTo(worker, kAssignTag, text));
    for (int worker : assignment.group) Wake(worker);
    running_.emplace(assignment.serial,
                     Running{std::move(assignment.task), std::move(assignment.group), queued_ms, {}});
    ++dispatched;
  }
  DEEPRC_RETURN_NOT_OK(ReapSends(/*wait=*/false));
  return dispatched;
}

FunctionResult Master::Finish(Running running) {
  FunctionResult result;
  result.id = running.task.id;
  result.workers = running.group;
  result.ok = true;
  result.queued_ms = running.queued_ms;
  // Each overhead is the slowest rank's: the task waits for all of them.
  for (auto& [task_rank, rank_result] : running.results) {
    result.deserialize_ms = std::max(result.deserialize_ms, rank_result.deserialize_ms);
    result.communicator_ms = std::max(result.communicator_ms, rank_result.communicator_ms);
    result.deliver_ms = std::max(result.deliver_ms, rank_result.deliver_ms);
    result.run_ms = std::max(result.run_ms, rank_result.run_ms);
    if (!rank_result.ok && result.ok) {
      result.ok = false;
      result.error = "function task '" + running.task.id + "' (" + running.task.function +
                     ") failed: " + rank_result.error;
    }
    result.rank_values.push_back(std::move(rank_result.value));
  }
  if (result.ok) result.value = result.rank_values.front();
  return result;
}

void Master::ReapDeadWorkers() {
  std::vector<int> gone;
  for (const auto& [worker, load] : load_) {
    if (IsGone(processes_.at(worker))) gone.push_back(worker);
  }
  for (int worker : gone) {
    load_.erase(worker);
    dead_.insert(worker);
    lost_.push_back(worker);
    for (auto it = running_.begin(); it != running_.end();) {
      const auto& group = it->second.group;
      if (std::find(group.begin(), group.end(), worker) == group.end()) {
        ++it;
        continue;
      }
      // The task's other workers come back to the pool when their bounded waits end; their
      // late answers find no running task and are dropped.
      FunctionResult result;
      result.id = it->second.task.id;
      result.workers = group;
      result.error = "function task '" + it->second.task.id + "' (" + it->second.task.function +
                     ") failed: worker " + std::to_string(worker) + " (pid " +
                     std::to_string(processes_.at(worker).pid) + " on " + processes_.at(worker).host +
                     ") died while running it";
      done_.push_back(std::move(result));
      it = running_.erase(it);
    }
  }
  if (gone.empty()) return;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->task.ranks <= num_workers()) {
      ++it;
      continue;
    }
    FunctionResult result;
    result.id = it->task.id;
    result.error = "function task '" + it->task.id + "' asks for " + std::to_string(it->task.ranks) +
                   " ranks, but only " + std::to_string(num_workers()) + " workers are left in the pool";
    done_.push_back(std::move(result));
    it = queue_.erase(it);
  }
}

Result<bool> Master::CollectOne() {
  int flag = 0;
  MPI_Message message;
  MPI_Status status;
  MPI_Improbe(MPI_ANY_SOURCE, kResultTag, MPI_COMM_WORLD, &flag, &message, &status);
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&status, MPI_CHAR, &count);
  std::string text(static_cast<size_t>(count), '\0');
  MPI_Mrecv(text.data(), count, MPI_CHAR, &message, MPI_STATUS_IGNORE);
  DEEPRC_ASSIGN_OR_RETURN(RankResult rank_result, ParseRankResult(text));
  if (auto load = load_.find(status.MPI_SOURCE); load != load_.end()) --load->second;
  auto it = running_.find(rank_result.serial);
  if (it == running_.end()) return true;  // a late answer of a task already given up on
  it->second.results[rank_result.task_rank] = std::move(rank_result);
  if (it->second.results.size() == it->second.group.size()) {
    done_.push_back(Finish(std::move(it->second)));
    running_.erase(it);
  }
  return true;
}

Result<int> Master::Turn() {
  DEEPRC_ASSIGN_OR_RETURN(int progress, Dispatch());
  for (;;) {
    DEEPRC_ASSIGN_OR_RETURN(bool got, CollectOne());
    if (!got) break;
    ++progress;
  }
  if (net::Clock::now() >= next_liveness_check_) {
    const size_t failed_before = done_.size();
    ReapDeadWorkers();
    progress += static_cast<int>(done_.size() - failed_before);
    next_liveness_check_ = net::Clock::now() + std::chrono::milliseconds(100);
  }
  // The workers that just answered take the next tasks now, not a turn later.
  DEEPRC_ASSIGN_OR_RETURN(int refilled, Dispatch());
  return progress + refilled;
}

bool Master::Cancel(const std::string& id) {
  auto queued = std::find_if(queue_.begin(), queue_.end(), [&](const Queued& q) { return q.task.id == id; });
  if (queued != queue_.end()) {
    queue_.erase(queued);
    return true;
  }
  auto running = std::find_if(running_.begin(), running_.end(),
                              [&](const auto& entry) { return entry.second.task.id == id; });
  if (running == running_.end()) return false;
  running_.erase(running);  // its workers stay loaded until they answer (CollectOne)
  return true;
}

Result<std::vector<FunctionResult>> Master::WaitAll(std::chrono::milliseconds timeout) {
  const auto deadline = net::Clock::now() + timeout;
  // One back-off for the whole wait would reach its 1 ms naps after a few hundred turns and keep
  // them while results pour in; it restarts whenever a turn dispatches or collects something.
  for (net::Backoff backoff; busy() && net::Clock::now() < deadline; backoff.Pause()) {
    DEEPRC_ASSIGN_OR_RETURN(int progress, Turn());
    if (progress > 0) backoff.Reset();
  }
  if (busy()) {
    std::string missing;
    for (const auto& [serial, running] : running_) {
      missing += " '" + running.task.id + "' on workers";
      for (int worker : running.group) missing += " " + std::to_string(worker);
      missing += ";";
    }
    return Status::IOError("raptor master: timed out after ", timeout.count(), " ms; still running:", missing,
                           " queued: ", queue_.size());
  }
  return TakeResults();
}

Status Master::Stop() {
  if (stopped_) return Status::OK();
  stopped_ = true;
  // A pool that lost a worker cannot finalize MPI (its fence waits for the dead rank): every
  // rank left leaves without it.
  const bool lost = !dead_.empty();
  if (lost) net::SkipFinalizeAtExit();
  for (const auto& [worker, load] : load_) {
    DEEPRC_RETURN_NOT_OK(SendTo(worker, kStopTag, lost ? std::string(kStopWithoutFinalize) : ""));
    Wake(worker);
  }
  return ReapSends(/*wait=*/true);
}

}  // namespace deeprc::raptor
