// bench/functions: function tasks on a raptor pool (mpirun -np 1+N): no-op throughput and latency
// from one master, and communicator construction as the task sees it against a bare
// MPI_Comm_create_group over the same ranks, at 1..N ranks, for MPI and Gloo.
#include <mpi.h>
#include <CLI/CLI.hpp>

#include <arrow/buffer.h>
#include <sys/resource.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/agent/raptor/master.h"
#include "deeprc/agent/raptor/worker.h"
#include "deeprc/net/mpi/mpi_communicator.h"

namespace {

using deeprc::Result;
using deeprc::Status;
using deeprc::raptor::TaskContext;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

double Median(std::vector<double> v) { return Quantile(std::move(v), 0.5); }

Result<json> Noop(TaskContext&) { return json::object(); }
DEEPRC_TASK("bench.noop", Noop);

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU time this worker process has used so far: the throughput figure divided by the CPU it
// cost, which the load of a shared machine does not change.
Result<json> CpuTime(TaskContext&) { return json{{"cpu_s", CpuSeconds()}}; }
DEEPRC_TASK("bench.cpu_time", CpuTime);

// The baseline: `reps` bare MPI_Comm_create_group over this task's ranks, each after a barrier,
// so only the construction is timed. Returns this rank's times in ms.
Result<json> BareCreate(TaskContext& context) {
  const int reps = context.args().value("reps", 20);
  const int me = context.world_rank();
  DEEPRC_ASSIGN_OR_RETURN(auto all, context.comm().AllGather(std::span<const uint8_t>(
                                        reinterpret_cast<const uint8_t*>(&me), sizeof(me))));
  std::vector<int> ranks;
  for (const auto& buffer : all) ranks.push_back(*reinterpret_cast<const int*>(buffer->data()));
  MPI_Group world_group, group;
  MPI_Comm_group(MPI_COMM_WORLD, &world_group);
  MPI_Group_incl(world_group, static_cast<int>(ranks.size()), ranks.data(), &group);
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    DEEPRC_RETURN_NOT_OK(context.comm().Barrier());
    MPI_Comm comm;
    const auto start = Clock::now();
    MPI_Comm_create_group(MPI_COMM_WORLD, group, 32000 + i, &comm);
    times.push_back(Ms(Clock::now() - start));
    MPI_Comm_free(&comm);
  }
  MPI_Group_free(&group);
  MPI_Group_free(&world_group);
  return json{{"times_ms", times}};
}
DEEPRC_TASK("bench.bare_create", BareCreate);

deeprc::raptor::FunctionTask Task(const std::string& function, int ranks, const std::string& backend = "mpi",
                                  json args = json::object()) {
  deeprc::raptor::FunctionTask task;
  task.function = function;
  task.ranks = ranks;
  task.backend = backend;
  task.args = std::move(args);
  return task;
}

Status RunMaster(int tasks, int reps, int gloo_max_ranks, int prefetch, const std::string& output,
                 bool print_json) {
  using deeprc::raptor::Master;
  deeprc::raptor::MasterOptions options;
  options.prefetch = prefetch;
  DEEPRC_ASSIGN_OR_RETURN(auto master, Master::Create(options));
  const auto timeout = std::chrono::seconds(60);
  json report{{"workers", master->num_workers()}, {"prefetch", prefetch}};

  // CPU seconds used by all workers so far (one task over all of them).
  auto workers_cpu = [&]() -> Result<double> {
    DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.cpu_time", master->num_workers())).status());
    DEEPRC_ASSIGN_OR_RETURN(auto results, master->WaitAll(timeout));
    if (!results.at(0).ok) return Status::UnknownError(results.at(0).error);
    double sum = 0;
    for (const auto& value : results.at(0).rank_values) sum += value["cpu_s"].get<double>();
    return sum;
  };
  DEEPRC_ASSIGN_OR_RETURN(const double workers_cpu_before, workers_cpu());
  const double master_cpu_before = CpuSeconds();

  // Throughput: `tasks` no-op 1-rank tasks submitted at once.
  auto start = Clock::now();
  for (int i = 0; i < tasks; ++i) DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.noop", 1)).status());
  DEEPRC_ASSIGN_OR_RETURN(auto results, master->WaitAll(timeout));
  const double seconds = Ms(Clock::now() - start) / 1000;
  const double master_cpu_us = (CpuSeconds() - master_cpu_before) * 1e6 / tasks;
  DEEPRC_ASSIGN_OR_RETURN(const double workers_cpu_after, workers_cpu());
  const double workers_cpu_us = (workers_cpu_after - workers_cpu_before) * 1e6 / tasks;
  report["noop_master_cpu_us_per_task"] = master_cpu_us;
  report["noop_workers_cpu_us_per_task"] = workers_cpu_us;
  report["noop_tasks"] = tasks;
  report["noop_tasks_per_s"] = tasks / seconds;
  // Latency: one no-op task at a time, submit to result.
  std::vector<double> latencies;
  for (int i = 0; i < std::max(reps, 200); ++i) {
    start = Clock::now();
    DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.noop", 1)).status());
    DEEPRC_RETURN_NOT_OK(master->WaitAll(timeout).status());
    latencies.push_back(Ms(Clock::now() - start));
  }
  report["noop_latency_ms_p50"] = Median(latencies);
  report["noop_latency_ms_p99"] = Quantile(latencies, 0.99);
  std::printf(
      "no-op function tasks: %.0f tasks/s (%d tasks, %d workers, prefetch %d), latency p50 %.3f ms, "
      "p99 %.3f ms\n",
      tasks / seconds, tasks, master->num_workers(), prefetch, Median(latencies), Quantile(latencies, 0.99));
  std::printf("  CPU per no-op task: master %.1f us, workers %.1f us (all ranks' user+system time)\n",
              master_cpu_us, workers_cpu_us);

  std::printf("%5s %18s %18s %14s %18s\n", "ranks", "mpi task-seen ms", "bare create ms", "task/bare",
              "gloo task-seen ms");
  json rows = json::array();
  for (int ranks = 1; ranks <= master->num_workers(); ++ranks) {
    // The task's figure and the bare one alternate, one short task each, so that both are taken in
    // the same conditions (the master polling for the result, a burst of load on this shared
    // machine) and are the same statistic: per repetition the slowest rank (a group holds its
    // communicator when its last member does), then the median over repetitions.
    std::vector<double> mpi_seen, bare_seen, gloo_seen;
    for (int i = 0; i < reps; ++i) {
      DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.noop", ranks)).status());
      DEEPRC_ASSIGN_OR_RETURN(results, master->WaitAll(timeout));
      if (!results.at(0).ok) return Status::UnknownError("an MPI task failed: ", results.at(0).error);
      mpi_seen.push_back(results.at(0).communicator_ms);
      DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.bare_create", ranks, "mpi", {{"reps", 1}})).status());
      DEEPRC_ASSIGN_OR_RETURN(results, master->WaitAll(timeout));
      if (!results.at(0).ok) return Status::UnknownError(results.at(0).error);
      double slowest = 0;
      for (const auto& value : results.at(0).rank_values) {
        slowest = std::max(slowest, value["times_ms"].at(0).get<double>());
      }
      bare_seen.push_back(slowest);
    }
    for (int i = 0; ranks <= gloo_max_ranks && i < std::max(3, reps / 4); ++i) {
      DEEPRC_RETURN_NOT_OK(master->Submit(Task("bench.noop", ranks, "gloo")).status());
      DEEPRC_ASSIGN_OR_RETURN(results, master->WaitAll(timeout));
      // A failed task's time is not a construction time (Gloo bootstraps used to fail here unseen).
      if (!results.at(0).ok) return Status::UnknownError("a Gloo task failed: ", results.at(0).error);
      gloo_seen.push_back(results.at(0).communicator_ms);
    }
    const double seen = Median(mpi_seen), bare = Median(bare_seen);
    std::printf("%5d %18.3f %18.3f %14.2f %18.3f\n", ranks, seen, bare, bare > 0 ? seen / bare : 0.0,
                Median(gloo_seen));
    rows.push_back({{"ranks", ranks},
                    {"mpi_task_seen_ms_p50", seen},
                    {"bare_create_group_ms_p50", bare},
                    {"gloo_task_seen_ms_p50", Median(gloo_seen)}});
  }
  report["communicator"] = rows;
  if (!output.empty()) std::ofstream(output) << report.dump(2) << '\n';
  if (print_json) std::printf("%s\n", report.dump().c_str());
  return master->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("bench/functions: raptor function tasks (run under mpirun -np 1+workers)");
  int tasks = 5000, reps = 40, gloo_max_ranks = 8, prefetch = deeprc::raptor::MasterOptions{}.prefetch;
  std::string output;
  bool print_json = false;
  app.add_option("--tasks", tasks, "no-op tasks for the throughput figure");
  app.add_option("--reps", reps, "repetitions per latency / communicator figure");
  app.add_option("--gloo-max-ranks", gloo_max_ranks, "largest task measured with Gloo");
  app.add_option("--prefetch", prefetch, "assignments a worker may hold (1: none queued ahead)");
  app.add_option("--json", output, "where rank 0 writes the figures");
  app.add_flag("--print-json", print_json,
               "also print the figures as the last line (for bench/functions/run.py)");
  CLI11_PARSE(app, argc, argv);
  auto world = deeprc::net::MpiCommunicator::World();
  if (!world.ok()) return 2;
  Status status = (*world)->rank() == 0 ? RunMaster(tasks, reps, gloo_max_ranks, prefetch, output, print_json)
                                        : deeprc::raptor::RunWorker();
  if (!status.ok()) {
    std::fprintf(stderr, "rank %d: %s\n", (*world)->rank(), status.ToString().c_str());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
