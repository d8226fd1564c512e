#include "deeprc/agent/raptor/worker.h"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/agent/raptor/messages.h"
#include "deeprc/agent/raptor/task_communicator.h"
#include "deeprc/agent/raptor/worker_liveness.h"
#include "deeprc/agent/raptor/worker_wakeup.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/progress.h"

namespace deeprc::raptor {

namespace {

// An idle worker naps this often (10 us growing by 10 us: ~2 ms in all) before it sleeps on its
// wake-up, so that a stream of tasks never pays for a sleep; the sleep ends after kSleepLimit anyway.
// The naps are timed waits on the wake-up too: a worker napping when its assignment came used to
// see it only when the nap ended, up to 0.2 ms after its group's other members.
constexpr int kNapsBeforeSleep = 20;
constexpr std::chrono::milliseconds kSleepLimit{100};

double MillisecondsSince(net::Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(net::Clock::now() - start).count();
}

// A 1-rank MPI task runs on this worker's own 1-rank communicator, built once and reused: with no
// peer there is nothing to agree on, while MPI_Comm_create_group + MPI_Comm_free cost ~45 % of a
// no-op task's worker CPU (Open MPI allocates the context id in a progress loop that yields on an
// oversubscribed node). A task that leaves a message in it gets the next task a fresh one.
struct SelfCommunicator {
  std::unique_ptr<TaskCommunicator> comm;
  std::chrono::milliseconds default_timeout{0};

  // Drops the communicator when a message is left in it, so no task sees another's leftovers.
  void CheckClean() {
    if (!comm) return;
    int flag = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm->mpi_comm(), &flag, MPI_STATUS_IGNORE);
    if (flag) comm.reset();
  }
};

// Runs one assignment on this rank; every failure becomes the rank's error, never the worker's.
RankResult Run(const Assignment& assignment, int world_rank, const std::string& gpu, SelfCommunicator& self) {
  RankResult result;
  result.serial = assignment.serial;
  result.world_rank = world_rank;
  for (size_t i = 0; i < assignment.group.size(); ++i) {
    if (assignment.group[i] == world_rank) result.task_rank = static_cast<int>(i);
  }
  const FunctionTask& task = assignment.task;
  auto fail = [&](const Status& status) {
    result.ok = false;
    result.error = "rank " + std::to_string(result.task_rank) + " (worker " + std::to_string(world_rank) +
                   "): " + status.ToString();
    return result;
  };
  // The communicator first: every rank of the group must enter create_group, even one whose
  // function lookup fails, or its peers would wait for it.
  const auto comm_start = net::Clock::now();
  const bool solo = assignment.group.size() == 1 && task.backend == "mpi";
  std::unique_ptr<TaskCommunicator> owned;
  TaskCommunicator* comm = solo ? self.comm.get() : nullptr;
  if (comm == nullptr) {
    const int tag = static_cast<int>(assignment.serial % 32767);
    auto created = TaskCommunicator::Create(assignment.group, tag, task.backend);
    if (!created.ok()) {
      result.communicator_ms = MillisecondsSince(comm_start);
      return fail(created.status());
    }
    if (solo) {
      self.comm = std::move(*created);
      self.default_timeout = self.comm->comm()->timeout();
      comm = self.comm.get();
    } else {
      owned = std::move(*created);
      comm = owned.get();
    }
  }
  result.communicator_ms = MillisecondsSince(comm_start);
  if (task.timeout_ms > 0) {
    comm->comm()->set_timeout(std::chrono::milliseconds(task.timeout_ms));
  } else if (solo) {
    comm->comm()->set_timeout(self.default_timeout);  // not the previous task's
  }
  const auto deliver_start = net::Clock::now();
  if (!task.library.empty()) {
    Status loaded = LoadFunctionLibrary(task.library);
    if (!loaded.ok()) return fail(loaded);
  }
  auto function = FunctionRegistry::Global().Find(task.function);
  if (!function.ok()) return fail(function.status());
  std::vector<std::string> gpus;
  if (task.gpus > 0 && !gpu.empty()) gpus.push_back(gpu);
  TaskContext context(task.id, world_rank, comm->comm(), std::move(gpus), task.sandbox, task.args);
  result.deliver_ms = MillisecondsSince(deliver_start);
  const auto run_start = net::Clock::now();
  Result<nlohmann::json> value = Status::UnknownError("not run");
  try {
    value = (*function)(context);
  } catch (const std::exception& e) {
    value = Status::UnknownError("function '", task.function, "' threw: ", e.what());
  }
  result.run_ms = MillisecondsSince(run_start);
  if (!value.ok()) return fail(value.status());
  result.ok = true;
  result.value = std::move(*value);
  return result;
}

}  // namespace

Status RunWorker(const WorkerOptions& options) {
  // Before anything could initialize CUDA in this process.
  if (options.pool_has_gpus) ::setenv("CUDA_VISIBLE_DEVICES", options.gpu.c_str(), 1);
  int world_rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  auto wakeup = WorkerWakeup::CreateForThisWorker();
  WorkerProcess master;
  DEEPRC_RETURN_NOT_OK(GatherWorkerProcesses(nullptr, &master));
  if (wakeup && !OnThisHost(master)) {
    wakeup->Unlink();  // the master cannot post it from another host
    wakeup.reset();
  }
  SelfCommunicator self;
  for (;;) {
    MPI_Message message;
    MPI_Status status;
    // Idle workers back off to naps (eight of them on two cores must leave the cores to the ranks
    // that work), then sleep until the master posts their wake-up; a timeout bounds the sleep in
    // case a post is ever missed.
    for (net::Backoff backoff;;) {
      int flag = 0;
      MPI_Improbe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &message, &status);
      if (flag) break;
      if (wakeup && backoff.NappedAtLeast(kNapsBeforeSleep)) {
        wakeup->Wait(kSleepLimit);
        backoff.Reset();
      } else if (wakeup) {
        backoff.Pause([&](std::chrono::microseconds nap) { wakeup->Wait(nap); });
      } else {
        backoff.Pause();
      }
    }
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    std::string text(static_cast<size_t>(count), '\0');
    MPI_Mrecv(text.data(), count, MPI_CHAR, &message, MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kStopTag) {
      if (text == kStopWithoutFinalize) net::SkipFinalizeAtExit();
      if (wakeup) wakeup->Unlink();
      return Status::OK();
    }
    if (status.MPI_TAG != kAssignTag) continue;
    RankResult result;
    const auto parse_start = net::Clock::now();
    auto assignment = ParseAssignment(text);
    const double deserialize_ms = MillisecondsSince(parse_start);
    if (assignment.ok()) {
      result = Run(*assignment, world_rank, options.gpu, self);
      result.deserialize_ms = deserialize_ms;
      self.CheckClean();
    } else {
      // Without a serial the master cannot place the error; it will time the task out.
      result.world_rank = world_rank;
      result.error = assignment.status().ToString();
    }
    const std::string reply = Serialize(result);
    MPI_Send(reply.data(), static_cast<int>(reply.size()), MPI_CHAR, 0, kResultTag, MPI_COMM_WORLD);
  }
}

}  // namespace deeprc::raptor
