#include "deeprc/agent/function_pool_manager.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deeprc/agent/raptor/messages.h"
#include "deeprc/core/logging.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::agent {

using pilot::Now;

namespace {

constexpr double kPoolStartLimit = 120;  // seconds for a function pool's master to say hello
constexpr double kPoolStopGrace = 5;     // seconds for a pool told to stop before it is killed
constexpr double kPoolIdleGrace = 2;     // an idle pool keeps its cores this long before executables get them

}  // namespace

FunctionPoolManager::FunctionPoolManager(Host& host, const pilot::AgentConfig& config,
                                         const AgentResources& resources, Scheduler& scheduler,
                                         const Executor& executor, pilot::Profiler* profiler,
                                         std::string endpoint)
    : host_(host),
      config_(config),
      resources_(resources),
      scheduler_(scheduler),
      executor_(executor),
      profiler_(profiler),
      endpoint_(std::move(endpoint)) {
  const int workers = config.description.function_workers;
  pool_size_ = workers > 0 ? std::min(workers, resources_.total_cores()) : resources_.total_cores();
  for (const auto& node : resources_.nodes) pool_gpus_ += node.gpus;
  pool_gpus_ = std::min(pool_gpus_, pool_size_);
}

Status FunctionPoolManager::CheckFits(const pilot::TaskDescription& d) const {
  const int workers = d.gpus_per_rank > 0 ? pool_gpus_ : pool_size_;
  if (d.ranks <= workers) return Status::OK();
  return Status::Invalid("task ", d.uid, " can never run on this pilot: it asks for ", d.ranks,
                         " ranks, and the function pool has ", workers, " workers",
                         d.gpus_per_rank > 0 ? " with a GPU" : "");
}

void FunctionPoolManager::Schedule(bool executables_waiting) {
  const double now = Now();
  if (!pool_) {
    if (waiting_.empty()) return;
    // All of the pool's cores (and GPUs, one per worker for the first ones) at once, on one node
    // unless srun can reach the others.
    auto placement = AllocatePool();
    if (!placement) return;  // executables still hold cores; Schedule() lets them drain
    const std::string described = DescribePlacement(*placement, resources_);
    auto pool = FunctionPool::Start(++pools_started_, *placement, resources_, config_, endpoint_, executor_);
    if (!pool.ok()) {
      scheduler_.Release(*placement);
      for (AgentTask* task : waiting_) {
        host_.TaskFinished(*task, TaskState::kFailed,
                           "the function pool could not start: " + pool.status().message());
      }
      waiting_.clear();
      return;
    }
    pool_ = std::move(*pool);
    pool_deadline_ = now + kPoolStartLimit;
    pool_idle_since_ = 0;
    profiler_->Record(now, "pool_start", pool_->uid(), "",
                      described + " pid " + std::to_string(pool_->pid()));
    spdlog::info("agent: started function pool {} with {} workers (pid {})", pool_->uid(), pool_size_,
                 pool_->pid());
    return;
  }
  if (pool_->state() != FunctionPool::State::kReady) return;
  FeedPool();
  if (!in_pool_.empty()) {
    pool_idle_since_ = 0;
  } else if (pool_idle_since_ == 0) {
    pool_idle_since_ = now;
  } else if (executables_waiting && now - pool_idle_since_ >= kPoolIdleGrace) {
    StopPool();  // its cores go to the executables when it has exited
  }
}

std::optional<Placement> FunctionPoolManager::AllocatePool() {
  ResourceRequest with_gpu, without_gpu;
  with_gpu.ranks = pool_gpus_;
  with_gpu.gpus_per_rank = 1;
  without_gpu.ranks = pool_size_ - pool_gpus_;
  with_gpu.single_node = without_gpu.single_node = !resources_.slurm;
  Placement placement;
  for (const ResourceRequest* request : {&with_gpu, &without_gpu}) {
    if (request->ranks == 0) continue;
    auto part = scheduler_.Allocate(*request);
    if (!part) {
      if (!placement.empty()) scheduler_.Release(placement);
      return std::nullopt;
    }
    placement.insert(placement.end(), part->begin(), part->end());
  }
  return placement;
}

void FunctionPoolManager::FeedPool() {
  if (waiting_.empty()) return;
  auto tasks = nlohmann::json::array();
  const double now = Now();
  for (AgentTask* task : waiting_) {
    Status sandbox = CreateSandbox(*task);
    if (!sandbox.ok()) {
      host_.TaskFinished(*task, TaskState::kFailed, sandbox.message());
      continue;
    }
    ++task->attempt;
    tasks.push_back(raptor::ToJson(ToFunctionTask(task->description, task->sandbox)));
    in_pool_[task->description.uid] = task;
    profiler_->Record(now, "exec_start", task->description.uid, "", pool_->uid());
    host_.TaskExecuting(*task);
    if (task->description.timeout > 0) host_.SetDeadline(*task, now + task->description.timeout);
  }
  waiting_.clear();
  if (!tasks.empty()) SendToPool({{"type", pilot::protocol::kPoolTasks}, {"tasks", std::move(tasks)}});
}

void FunctionPoolManager::StopPool() {
  if (!pool_ || pool_->state() == FunctionPool::State::kStopping) return;
  if (pool_->state() == FunctionPool::State::kReady) SendToPool({{"type", pilot::protocol::kPoolStop}});
  pool_->MarkStopping();
  pool_deadline_ = Now() + kPoolStopGrace;  // then killed (CheckDeadlines)
  profiler_->Record(Now(), "pool_stopping", pool_->uid());
}

void FunctionPoolManager::SendToPool(const nlohmann::json& message) {
  if (!pool_ || pool_->master().empty()) return;
  host_.SendTo(pool_->master(), message.dump());
}

void FunctionPoolManager::OnHello(const std::string& master, const nlohmann::json& message) {
  // Only the pool this agent started and waits for may take function tasks.
  if (!pool_ || pool_->state() != FunctionPool::State::kStarting || message.value("pid", -1) < 0) {
    spdlog::warn("agent: unexpected hello from a function pool; ignored");
    return;
  }
  pool_->OnHello(master, message.value("workers", 0));
  pool_deadline_ = 0;
  profiler_->Record(Now(), "pool_ready", pool_->uid(), "", std::to_string(pool_->workers()) + " workers");
}

void FunctionPoolManager::OnResults(const nlohmann::json& message) {
  if (message.contains("workers")) pool_->SetWorkers(message["workers"].get<int>());
  if (message.contains("lost")) {
    const Placement freed = pool_->RemoveWorkers(message["lost"].get<std::vector<int>>());
    if (!freed.empty()) {
      scheduler_.Release(freed);
      profiler_->Record(Now(), "pool_workers_lost", pool_->uid(), "", DescribePlacement(freed, resources_));
    }
  }
  const double now = Now();
  for (const auto& json : message.at("results")) {
    auto result = raptor::FunctionResultFromJson(json);
    if (!result.ok()) {
      spdlog::warn("agent: {}", result.status().message());
      continue;
    }
    auto found = in_pool_.find(result->id);
    if (found == in_pool_.end()) continue;  // canceled or timed out here meanwhile
    AgentTask& task = *found->second;
    in_pool_.erase(found);
    host_.ClearDeadline(task);
    // The paper's overheads of a function task, each its slowest rank's, for the session profile.
    const nlohmann::json overheads = {{"queued_ms", result->queued_ms},
                                      {"deserialize_ms", result->deserialize_ms},
                                      {"communicator_ms", result->communicator_ms},
                                      {"deliver_ms", result->deliver_ms},
                                      {"run_ms", result->run_ms},
                                      {"workers", result->workers}};
    profiler_->Record(now, "function_overheads", task.description.uid, "", overheads.dump());
    profiler_->Record(now, "exec_stop", task.description.uid, "", result->ok ? "ok" : "error");
    if (result->ok) {
      task.result = std::move(result->value);
      host_.AttemptEnded(task, {});
    } else {
      host_.AttemptEnded(task,
                         result->error.empty() ? "the function failed without a reason" : result->error);
    }
  }
}

void FunctionPoolManager::OnExit(int status) {
  int exit_code = 0;
  const std::string outcome = DescribeWaitStatus(status, &exit_code);
  const bool asked = pool_->state() == FunctionPool::State::kStopping;
  const bool never_ready = pool_->state() == FunctionPool::State::kStarting;
  const std::string why = pool_->killed_because().empty() ? outcome : pool_->killed_because();
  std::string reason = "the function pool " + pool_->uid() + " (pid " + std::to_string(pool_->pid()) + ") " +
                       (never_ready ? "could not start" : "ended") + " (" + why + ")";
  if (const std::string tail = pool_->ErrorTail(); !tail.empty()) reason += ": " + tail;
  profiler_->Record(Now(), "pool_stop", pool_->uid(), "", outcome);
  if (!asked) spdlog::warn("agent: {}", reason);
  scheduler_.Release(pool_->placement());
  pool_.reset();
  pool_deadline_ = 0;
  for (auto& [uid, task] : in_pool_) {
    host_.ClearDeadline(*task);
    host_.AttemptEnded(*task, reason);
  }
  in_pool_.clear();
  // A pool that never came up would not come up on a second try either: say why, once.
  if (never_ready) {
    for (AgentTask* task : waiting_) host_.TaskFinished(*task, TaskState::kFailed, reason);
    waiting_.clear();
  }
}

void FunctionPoolManager::CheckDeadline(double now) {
  if (pool_ && pool_->state() == FunctionPool::State::kStarting && pool_->killed_because().empty()) {
    if (std::string lost = pool_->RankLostWhileStarting(); !lost.empty()) {
      spdlog::warn("agent: function pool {} (pid {}): {}; killing it", pool_->uid(), pool_->pid(), lost);
      pool_->MarkKilled(std::move(lost));
      pool_deadline_ = 0;
      ::kill(-pool_->pid(), SIGKILL);
      return;
    }
  }
  if (pool_deadline_ <= 0 || pool_deadline_ > now) return;
  pool_deadline_ = 0;
  const bool starting = pool_->state() == FunctionPool::State::kStarting;
  spdlog::warn("agent: function pool {} (pid {}) did not {} in time; killing it", pool_->uid(), pool_->pid(),
               starting ? "start" : "stop");
  if (starting) pool_->MarkKilled(fmt::format("its master did not connect within {:g} s", kPoolStartLimit));
  ::kill(-pool_->pid(), SIGKILL);
}

void FunctionPoolManager::Shutdown(TaskState task_state, const std::string& reason) {
  for (AgentTask* task : waiting_) host_.TaskFinished(*task, task_state, reason);
  waiting_.clear();
  for (auto& [uid, task] : in_pool_) host_.TaskFinished(*task, task_state, reason);
  in_pool_.clear();
  if (pool_) {
    // A pool told to stop ends its MPI job cleanly within moments; one that does not is killed,
    // and one still starting cannot be told (its master has not connected): it is killed at once.
    const bool can_be_told = pool_->state() != FunctionPool::State::kStarting;
    StopPool();
    int status;
    for (const double limit = Now() + (can_be_told ? kPoolStopGrace : 0); Now() < limit;) {
      if (::waitpid(pool_->pid(), &status, WNOHANG) == pool_->pid()) break;
      ::usleep(10000);
    }
    ::kill(-pool_->pid(), SIGKILL);
    ::waitpid(pool_->pid(), &status, 0);
    profiler_->Record(Now(), "pool_stop", pool_->uid());
    scheduler_.Release(pool_->placement());
    pool_.reset();
  }
}

void FunctionPoolManager::OnTimeout(AgentTask& task) {
  in_pool_.erase(task.description.uid);
  SendToPool({{"type", pilot::protocol::kPoolCancel}, {"ids", {task.description.uid}}});
  profiler_->Record(Now(), "timeout", task.description.uid);
  host_.AttemptEnded(task, "timed out after " + fmt::format("{:g}", task.description.timeout) + " s");
}

bool FunctionPoolManager::Cancel(AgentTask& task) {
  if (waiting_.erase(&task)) {
    host_.TaskFinished(task, TaskState::kCanceled, "canceled before it ran");
    return true;
  }
  if (!in_pool_.erase(task.description.uid)) return false;
  host_.ClearDeadline(task);
  SendToPool({{"type", pilot::protocol::kPoolCancel}, {"ids", {task.description.uid}}});
  profiler_->Record(Now(), "cancel", task.description.uid);
  host_.TaskFinished(task, TaskState::kCanceled, "canceled while running");
  return true;
}

}  // namespace deeprc::agent
