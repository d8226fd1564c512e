// deeprc_dist_bench: times one distributed table operation (join, sort, or the bare all-to-all
// table channel) across R ranks over one backend, and prints one JSON line from rank 0; or, with
// --op memcpy, this machine's single-thread memcpy bandwidth, the reference for the all-to-all.
// The all-to-all also measures its references between its own repetitions (see MemcpyProbe).
//
// Run from a shell it launches itself as --ranks processes (mpirun for MPI, forked ranks with a
// rendezvous directory for Gloo and UCX); under mpirun or srun it is already one rank. Each rank
// generates its own data in memory, so nothing but the operation is timed: barrier, operation,
// barrier, on rank 0, best of --repeat. bench/dist/run.py drives it beside Dask and Spark.
#include <arrow/api.h>
#include <arrow/util/byte_size.h>
#include <arrow/util/config.h>
#include <arrow/util/thread_pool.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/net/communicator.h"
#include "deeprc/net/launcher.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/ops/hash_partition.h"

namespace {

using deeprc::Result;
using deeprc::Status;
using deeprc::table::Table;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// --- data: every rank makes its own share, reproducibly from (seed, rank) ---------------------

// splitmix64: a fast, well-mixed generator; the data only needs to be uniform and reproducible.
uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// `rows` rows of (k int64 uniform over [0, key_range), <payload> float64 uniform in [0, 1)).
// With key_range = the global row count, two such tables join with about one match per row.
Result<Table> GenerateShare(int64_t rows, int64_t key_range, uint64_t seed, const std::string& payload) {
  DEEPRC_ASSIGN_OR_RETURN(auto keys, arrow::AllocateBuffer(rows * sizeof(int64_t)));
  DEEPRC_ASSIGN_OR_RETURN(auto values, arrow::AllocateBuffer(rows * sizeof(double)));
  auto* k = reinterpret_cast<int64_t*>(keys->mutable_data());
  auto* v = reinterpret_cast<double*>(values->mutable_data());
  uint64_t state = seed;
  for (int64_t i = 0; i < rows; ++i) {
    // Multiply-high maps 64 random bits onto [0, key_range) without a division or modulo bias.
    k[i] = static_cast<int64_t>((static_cast<unsigned __int128>(SplitMix(state)) * key_range) >> 64);
    v[i] = static_cast<double>(SplitMix(state) >> 11) * 0x1.0p-53;
  }
  auto schema = arrow::schema(
      {arrow::field("k", arrow::int64(), false), arrow::field(payload, arrow::float64(), false)});
  return Table(arrow::Table::Make(schema, {std::make_shared<arrow::Int64Array>(rows, std::move(keys)),
                                           std::make_shared<arrow::DoubleArray>(rows, std::move(values))}));
}

uint64_t SeedFor(int table, int rank) { return 0x5EED0000ULL + 1000ULL * table + rank; }

// --- timing across ranks ---------------------------------------------------------------------

// Barrier, run, barrier: rank 0's clock then spans the slowest rank's operation.
Result<double> TimeCollective(deeprc::net::Communicator& comm, const std::function<Status()>& run) {
  DEEPRC_RETURN_NOT_OK(comm.Barrier());
  const auto start = Clock::now();
  DEEPRC_RETURN_NOT_OK(run());
  DEEPRC_RETURN_NOT_OK(comm.Barrier());
  return Since(start);
}

// CLOCK_MONOTONIC in seconds: one clock for every process on this machine.
double SecondsOnMachineClock() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// CPU seconds of this process, all threads. On a shared machine a rank's wall time includes
// waiting for a core; its CPU time does not (busy-polling for a peer does count).
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int64_t BufferBytes(const Table& table) { return arrow::util::TotalBufferSize(*table.arrow()); }

// Hands freed memory back between repetitions, so one repetition's garbage never slows the next.
void ReleaseUnusedMemory() {
  arrow::default_memory_pool()->ReleaseUnused();
  malloc_trim(0);
}

// One memcpy of `bytes` between two buffers whose pages were mapped up front. This machine's
// memory bandwidth drifts by a factor of two within minutes (a VM sharing its host), so the
// all-to-all takes its references between its own repetitions: a copy measured a minute apart
// would compare two different machines.
class MemcpyProbe {
 public:
  explicit MemcpyProbe(size_t bytes) : source_(bytes, 1), target_(bytes, 0) {}

  // Seconds for one copy. A different byte each time, so no copy can be skipped or elided.
  Result<double> Copy() {
    if (source_.empty()) return 0.0;
    const size_t marker = round_++ % source_.size();
    source_[marker] = static_cast<char>(round_);
    const auto start = Clock::now();
    std::memcpy(target_.data(), source_.data(), source_.size());
    const double seconds = Since(start);
    if (target_[marker] != source_[marker]) return Status::Invalid("memcpy copied nothing");
    return seconds;
  }

  size_t bytes() const { return source_.size(); }

 private:
  std::vector<char> source_, target_;
  size_t round_ = 0;
};

struct Options {
  std::string op;
  std::string backend = "mpi";
  int ranks = 2;
  int64_t rows_per_rank = 1'000'000;
  int repeat = 3;
  int64_t memcpy_bytes = 1LL << 30;
  bool phases = false;
};

// The join's steps one at a time, as DistributedJoin runs them (partition both sides by key hash,
// exchange, join locally), each between barriers: where the time goes, for the analysis. Returns
// per step rank 0's wall seconds and the largest CPU seconds of any rank.
Result<nlohmann::json> JoinPhases(deeprc::net::Communicator& comm, const Table& left, const Table& right) {
  nlohmann::json phases = nlohmann::json::object();
  auto step = [&](const char* name, const std::function<Status()>& run) -> Status {
    double cpu = 0;
    DEEPRC_ASSIGN_OR_RETURN(double seconds, TimeCollective(comm, [&]() -> Status {
                              const double start = ProcessCpuSeconds();
                              DEEPRC_RETURN_NOT_OK(run());
                              cpu = ProcessCpuSeconds() - start;
                              return Status::OK();
                            }));
    DEEPRC_ASSIGN_OR_RETURN(double slowest_cpu, comm.AllReduceScalar(cpu, deeprc::net::ReduceOp::kMax));
    phases[name] = {{"seconds", seconds}, {"cpu_seconds", slowest_cpu}};
    return Status::OK();
  };
  const int n = comm.size();
  std::vector<Table> left_parts, right_parts;
  Table left_share, right_share, joined;
  DEEPRC_RETURN_NOT_OK(step("hash_partition", [&]() -> Status {
    DEEPRC_ASSIGN_OR_RETURN(left_parts, deeprc::table::HashPartition(left, {"k"}, n));
    DEEPRC_ASSIGN_OR_RETURN(right_parts, deeprc::table::HashPartition(right, {"k"}, n));
    return Status::OK();
  }));
  DEEPRC_RETURN_NOT_OK(step("exchange", [&]() -> Status {
    DEEPRC_ASSIGN_OR_RETURN(left_share, deeprc::net::AllToAllTables(comm, left_parts, left.schema()));
    DEEPRC_ASSIGN_OR_RETURN(right_share, deeprc::net::AllToAllTables(comm, right_parts, right.schema()));
    return Status::OK();
  }));
  DEEPRC_RETURN_NOT_OK(step("local_join", [&]() -> Status {
    DEEPRC_ASSIGN_OR_RETURN(
        joined, deeprc::table::Join(left_share, right_share, deeprc::table::JoinOptions::On({"k"})));
    return Status::OK();
  }));
  return phases;
}

// --- the distributed operations ----------------------------------------------------------------

Status RunDistributed(const Options& options) {
  // One thread per rank: ranks are the parallelism, as Dask's single-threaded workers and Spark's
  // local[N] task slots are theirs.
  DEEPRC_RETURN_NOT_OK(arrow::SetCpuThreadPoolCapacity(1));
  DEEPRC_RETURN_NOT_OK(deeprc::table::EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(auto comm_ptr, deeprc::net::MakeCommunicator(options.backend));
  deeprc::net::Communicator& comm = *comm_ptr;
  const int me = comm.rank(), n = comm.size();
  const int64_t rows = options.rows_per_rank, total = rows * n;

  const auto generate_start = Clock::now();
  DEEPRC_ASSIGN_OR_RETURN(Table left, GenerateShare(rows, total, SeedFor(1, me), "lv"));
  Table right;
  if (options.op == "join") {
    DEEPRC_ASSIGN_OR_RETURN(right, GenerateShare(rows, total, SeedFor(2, me), "rv"));
  }
  const double generate_s = Since(generate_start);

  // The all-to-all alone: partitions are made outside the timing; bytes to the other ranks count.
  std::vector<Table> partitions;
  int64_t bytes_sent = 0;
  if (options.op == "alltoall") {
    DEEPRC_ASSIGN_OR_RETURN(partitions, deeprc::table::HashPartition(left, {"k"}, n));
    for (int peer = 0; peer < n; ++peer) {
      // The partitions are slices of one table: count the bytes of their rows, not whole buffers.
      DEEPRC_ASSIGN_OR_RETURN(int64_t bytes, arrow::util::ReferencedBufferSize(*partitions[peer].arrow()));
      if (peer != me) bytes_sent += bytes;
    }
  }

  std::function<Result<Table>()> operation;
  if (options.op == "join") {
    const auto join_options = deeprc::table::JoinOptions::On({"k"});
    operation = [&, join_options] { return deeprc::dist::DistributedJoin(comm, left, right, join_options); };
  } else if (options.op == "sort") {
    operation = [&] { return deeprc::dist::DistributedSort(comm, left, {{"k", true}}); };
  } else {
    operation = [&] { return deeprc::net::AllToAllTables(comm, partitions, left.schema()); };
  }

  // The all-to-all's references, taken before each of its repetitions: rank 0's single-thread
  // memcpy of a buffer far larger than the caches (the target's "memcpy bandwidth"), and every
  // rank copying the bytes it sends at the same time (what the machine's memory allows all ranks
  // at once: no transport that copies each byte once can beat it).
  std::unique_ptr<MemcpyProbe> reference, all_copying;
  std::vector<double> memcpy_times, all_copying_times;
  if (options.op == "alltoall") {
    reference = std::make_unique<MemcpyProbe>(me == 0 ? static_cast<size_t>(options.memcpy_bytes) : 0);
    all_copying = std::make_unique<MemcpyProbe>(static_cast<size_t>(bytes_sent));
  }
  auto measure_references = [&]() -> Status {
    // Rank 0 alone; the others wait in the barrier (yielding, then napping: not competing).
    DEEPRC_ASSIGN_OR_RETURN(double alone, reference->Copy());
    memcpy_times.push_back(alone);
    DEEPRC_RETURN_NOT_OK(comm.Barrier());
    // From the first rank's start to the last rank's end, on the monotonic clock that ranks on one
    // machine share. Not rank 0's span between barriers: with more ranks than cores, the others
    // can copy while rank 0 still waits for its turn to leave the first barrier.
    const double start = SecondsOnMachineClock();
    DEEPRC_RETURN_NOT_OK(all_copying->Copy().status());
    const double end = SecondsOnMachineClock();
    DEEPRC_ASSIGN_OR_RETURN(double first_start, comm.AllReduceScalar(start, deeprc::net::ReduceOp::kMin));
    DEEPRC_ASSIGN_OR_RETURN(double last_end, comm.AllReduceScalar(end, deeprc::net::ReduceOp::kMax));
    all_copying_times.push_back(last_end - first_start);
    return Status::OK();
  };

  std::vector<double> times;
  double best_cpu = 1e300;
  int64_t rows_out = 0, bytes_out = 0;
  for (int i = 0; i < options.repeat; ++i) {
    // The all-to-all keeps the allocator's pages from one repetition to the next, as a job that
    // shuffles again does: its best time is the transport's, and its first (in times_s) also pays
    // for faulting in fresh pages. The operators start every repetition from a trimmed heap.
    if (options.op != "alltoall") ReleaseUnusedMemory();
    if (options.op == "alltoall") DEEPRC_RETURN_NOT_OK(measure_references());
    Table output;
    double cpu = 0;
    DEEPRC_ASSIGN_OR_RETURN(double seconds, TimeCollective(comm, [&]() -> Status {
                              const double cpu_start = ProcessCpuSeconds();
                              DEEPRC_ASSIGN_OR_RETURN(output, operation());
                              cpu = ProcessCpuSeconds() - cpu_start;
                              return Status::OK();
                            }));
    times.push_back(seconds);
    best_cpu = std::min(best_cpu, cpu);
    rows_out = output.num_rows();
    bytes_out = BufferBytes(output);
    // `output` dies here, so two outputs are never alive at once.
  }

  // Sums over ranks, for rank 0's line: rows out, and the bytes every rank sent to the others.
  DEEPRC_ASSIGN_OR_RETURN(int64_t output_rows, comm.AllReduceScalar(rows_out, deeprc::net::ReduceOp::kSum));
  DEEPRC_ASSIGN_OR_RETURN(int64_t output_bytes, comm.AllReduceScalar(bytes_out, deeprc::net::ReduceOp::kSum));
  DEEPRC_ASSIGN_OR_RETURN(int64_t all_sent, comm.AllReduceScalar(bytes_sent, deeprc::net::ReduceOp::kSum));
  DEEPRC_ASSIGN_OR_RETURN(double slowest_generate,
                          comm.AllReduceScalar(generate_s, deeprc::net::ReduceOp::kMax));
  DEEPRC_ASSIGN_OR_RETURN(double slowest_cpu, comm.AllReduceScalar(best_cpu, deeprc::net::ReduceOp::kMax));
  DEEPRC_ASSIGN_OR_RETURN(double total_cpu, comm.AllReduceScalar(best_cpu, deeprc::net::ReduceOp::kSum));
  nlohmann::json phases;
  if (options.phases && options.op == "join") {
    ReleaseUnusedMemory();
    DEEPRC_ASSIGN_OR_RETURN(phases, JoinPhases(comm, left, right));
  }
  if (me != 0) return Status::OK();

  const double best = *std::min_element(times.begin(), times.end());
  nlohmann::json result = {
      {"engine", "deeprc"},
      {"version", std::string("arrow ") + ARROW_VERSION_STRING},
      {"op", options.op},
      {"backend", options.backend},
      {"ranks", n},
      {"rows_per_rank", rows},
      {"total_rows", total},
      {"times_s", times},
      {"seconds", best},
      {"cpu_seconds", slowest_cpu},      // the largest of the ranks' best CPU seconds
      {"cpu_seconds_total", total_cpu},  // their sum: the work, as peers.py measures the peers' processes
      {"output_rows", output_rows},
      {"output_bytes", output_bytes},
      {"input_bytes_per_rank", BufferBytes(left) + (options.op == "join" ? BufferBytes(right) : 0)},
      {"generate_s", slowest_generate},
      {"threads_per_rank", 1},
  };
  if (!phases.is_null()) result["phases"] = phases;
  if (options.op == "alltoall") {
    // Per rank: the mean of what each rank sent to the others, over the whole exchange's time.
    const double per_rank = static_cast<double>(all_sent) / n;
    result["bytes_sent_per_rank"] = per_rank;
    result["gb_per_s_per_rank"] = per_rank / best / 1e9;
    result["gb_per_s_per_rank_cpu"] = per_rank / slowest_cpu / 1e9;
    // Best against best, each over the same stretch of time; and the median of the ratios of
    // each repetition to the memcpy taken just before it.
    const double memcpy_best = *std::min_element(memcpy_times.begin(), memcpy_times.end());
    const double memcpy_gb_per_s = static_cast<double>(options.memcpy_bytes) / memcpy_best / 1e9;
    std::vector<double> paired;
    for (size_t i = 0; i < times.size(); ++i) {
      paired.push_back((memcpy_times[i] / static_cast<double>(options.memcpy_bytes)) / (times[i] / per_rank));
    }
    std::nth_element(paired.begin(), paired.begin() + paired.size() / 2, paired.end());
    const double all_copying_best = *std::min_element(all_copying_times.begin(), all_copying_times.end());
    result["memcpy_bytes"] = options.memcpy_bytes;
    result["memcpy_times_s"] = memcpy_times;
    result["memcpy_gb_per_s"] = memcpy_gb_per_s;
    result["share_of_memcpy"] = per_rank / best / 1e9 / memcpy_gb_per_s;
    result["share_of_memcpy_cpu"] = per_rank / slowest_cpu / 1e9 / memcpy_gb_per_s;
    result["share_of_memcpy_median_pair"] = paired[paired.size() / 2];
    result["all_copying_times_s"] = all_copying_times;
    result["all_copying_gb_per_s_per_rank"] = per_rank / all_copying_best / 1e9;
    result["share_of_all_copying"] = all_copying_best / best;
  }
  std::cout << result.dump() << std::endl;
  return Status::OK();
}

// --- the reference: single-thread memcpy of a buffer far larger than the caches --------------

Status RunMemcpy(const Options& options) {
  MemcpyProbe probe(static_cast<size_t>(options.memcpy_bytes));
  std::vector<double> times;
  for (int i = 0; i < std::max(options.repeat, 3); ++i) {
    DEEPRC_ASSIGN_OR_RETURN(double seconds, probe.Copy());
    times.push_back(seconds);
  }
  const double best = *std::min_element(times.begin(), times.end());
  const size_t bytes = probe.bytes();
  nlohmann::json result = {{"engine", "memcpy"}, {"op", "memcpy"},  {"bytes", bytes},
                           {"times_s", times},   {"seconds", best}, {"gb_per_s", bytes / best / 1e9},
                           {"threads", 1}};
  std::cout << result.dump() << std::endl;
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times one distributed deeprc table operation over R ranks; prints one JSON line."};
  Options options;
  app.add_option("--op", options.op, "join, sort, alltoall or memcpy")
      ->required()
      ->check(CLI::IsMember({"join", "sort", "alltoall", "memcpy"}));
  app.add_option("--backend", options.backend, "mpi, gloo or ucx")
      ->check(CLI::IsMember({"mpi", "gloo", "ucx"}));
  app.add_option("--ranks", options.ranks, "ranks to launch when not already inside a job")
      ->check(CLI::PositiveNumber);
  app.add_option("--rows-per-rank", options.rows_per_rank, "rows each rank generates (per table)")
      ->check(CLI::PositiveNumber);
  app.add_option("--repeat", options.repeat, "best of N")->check(CLI::PositiveNumber);
  app.add_option("--memcpy-bytes", options.memcpy_bytes, "buffer size of --op memcpy")
      ->check(CLI::PositiveNumber);
  app.add_flag("--phases", options.phases, "join: also time its steps one at a time, once (for analysis)");
  CLI11_PARSE(app, argc, argv);

  Status status;
  if (options.op == "memcpy") {
    status = RunMemcpy(options);
  } else if (!deeprc::net::InsideParallelJob()) {
    auto code =
        deeprc::net::LaunchRanks(options.ranks, options.backend, std::vector<std::string>(argv, argv + argc));
    if (code.ok()) return *code;
    status = code.status();
  } else {
    status = RunDistributed(options);
  }
  if (!status.ok()) {
    std::cerr << "deeprc_dist_bench --op " << options.op << " --backend " << options.backend << ": "
              << status.ToString() << std::endl;
    return 1;
  }
  return 0;
}
