// deeprc_table_bench: times one local table operation of deeprc on the files bench/table/run.py
// generates, single-threaded, and prints one JSON line (the fields peers.py prints for the peers).
//
// One operation per process (--op), so the peak RSS it reports belongs to that operation alone;
// run.py starts a process per operation. Inputs are read into memory before timing (except for
// read_csv, whose reading is the operation); every output is a materialized table.
#include <arrow/acero/api.h>
#include <arrow/api.h>
#include <arrow/util/byte_size.h>
#include <arrow/util/config.h>
#include <arrow/util/thread_pool.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "../process_memory.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/io/csv_io.h"
#include "deeprc/table/io/parquet_io.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/sort/sort.h"

namespace {

using deeprc::Result;
using deeprc::Status;
using deeprc::table::Table;

// --- memory: VmRSS / VmHWM of this process, the measurement peers.py makes too ------------------

using deeprc::bench::Memory;
using deeprc::bench::ReadMemory;

// Sets VmHWM back to the current RSS (Linux >= 4.0): the next peak is then the operation's own,
// not the Parquet reader's that loaded the inputs.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Hands memory that is free but still held by the allocators back to the OS, so that garbage of
// the (untimed) loading or of an earlier repetition never counts in an operation's peak.
void ReleaseUnusedMemory() {
  arrow::default_memory_pool()->ReleaseUnused();  // mimalloc or jemalloc: Arrow's buffers
  malloc_trim(0);                                 // glibc: everything else
}

// CPU seconds of this process, all threads: beside wall time, it shows what an operation costs
// when the machine is shared (wall time then includes waiting for a core) and that it used one thread.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int64_t TotalBytes(const std::vector<Table>& tables) {
  int64_t bytes = 0;
  for (const auto& table : tables) bytes += arrow::util::TotalBufferSize(*table.arrow());
  return bytes;
}

// --- the operations --------------------------------------------------------------------------

// An operation bound to its loaded inputs; `run` is what is timed.
struct Operation {
  std::vector<Table> inputs;
  std::function<Result<Table>()> run;
  std::string implementation;  // which code path runs, so the JSON says what was measured
};

// Reference variants, never the headline: Arrow's Acero called directly, the floor that our
// Acero-based operators pay their own overhead on top of (key normalization, output assembly,
// sorted groups). When ours is slower than DuckDB, these say whether the gap is ours or Arrow's.
Result<Table> AceroInnerJoin(const Table& left, const Table& right) {
  namespace ac = arrow::acero;
  ac::HashJoinNodeOptions options(ac::JoinType::INNER, {"k"}, {"k"}, {"k", "lv"}, {"rv"});
  ac::Declaration plan{"hashjoin",
                       {ac::Declaration{"table_source", ac::TableSourceNodeOptions(left.arrow())},
                        ac::Declaration{"table_source", ac::TableSourceNodeOptions(right.arrow())}},
                       std::move(options)};
  DEEPRC_ASSIGN_OR_RETURN(auto table, ac::DeclarationToTable(std::move(plan), /*use_threads=*/false));
  return Table(std::move(table));
}

Result<Table> AceroGroupBySumMean(const Table& table) {
  namespace ac = arrow::acero;
  ac::AggregateNodeOptions options(
      {{"hash_sum", nullptr, "v", "v_sum"}, {"hash_mean", nullptr, "v", "v_mean"}}, {"k"});
  ac::Declaration plan{"aggregate",
                       {ac::Declaration{"table_source", ac::TableSourceNodeOptions(table.arrow())}},
                       std::move(options)};
  DEEPRC_ASSIGN_OR_RETURN(auto result, ac::DeclarationToTable(std::move(plan), /*use_threads=*/false));
  return Table(std::move(result));
}

// Loads the inputs of `op` into `operation` and binds `run` to them, in the chosen variant
// ("" is deeprc's default). The lambdas refer to operation->inputs, so the caller keeps
// `operation` in place until it is done timing.
Status Prepare(const std::string& op, const std::string& variant, const std::string& data,
               Operation* operation) {
  auto& in = operation->inputs;
  auto load = [&](const std::string& name) -> Status {
    DEEPRC_ASSIGN_OR_RETURN(auto table, deeprc::table::ReadParquet(data + "/" + name));
    in.push_back(std::move(table));
    return Status::OK();
  };
  auto bad_variant = [&] { return Status::Invalid("--op ", op, " has no variant '", variant, "'"); };
  if (op == "join") {
    DEEPRC_RETURN_NOT_OK(load("join_left.parquet"));
    DEEPRC_RETURN_NOT_OK(load("join_right.parquet"));
    if (variant == "acero") {
      operation->run = [&in] { return AceroInnerJoin(in[0], in[1]); };
      operation->implementation = "Acero hashjoin called directly (reference)";
    } else if (variant.empty() || variant == "sort_merge") {
      auto options = deeprc::table::JoinOptions::On({"k"});
      options.algorithm =
          variant.empty() ? deeprc::table::JoinAlgorithm::kHash : deeprc::table::JoinAlgorithm::kSortMerge;
      operation->run = [&in, options] { return deeprc::table::Join(in[0], in[1], options); };
      operation->implementation =
          std::string("deeprc::Join (") + std::string(ToString(options.algorithm)) + ")";
    } else {
      return bad_variant();
    }
  } else if (op == "sort") {
    if (!variant.empty()) return bad_variant();
    DEEPRC_RETURN_NOT_OK(load("sort.parquet"));
    operation->run = [&in] { return deeprc::table::Sort(in[0], {{"k", true}}); };
    operation->implementation = "deeprc::Sort";
  } else if (op == "groupby_1k" || op == "groupby_1m") {
    DEEPRC_RETURN_NOT_OK(load(op + ".parquet"));
    if (variant == "acero") {
      operation->run = [&in] { return AceroGroupBySumMean(in[0]); };
      operation->implementation = "Acero aggregate called directly (reference; groups unsorted)";
    } else if (variant.empty()) {
      operation->run = [&in] {
        return deeprc::table::GroupBy(
            in[0], {"k"},
            {{"v", deeprc::table::AggregateKind::kSum}, {"v", deeprc::table::AggregateKind::kMean}});
      };
      operation->implementation = "deeprc::GroupBy";
    } else {
      return bad_variant();
    }
  } else if (op == "read_csv") {
    if (!variant.empty() && variant != "arrow") return bad_variant();
    const auto engine =
        variant == "arrow" ? deeprc::table::CsvEngine::kArrow : deeprc::table::CsvEngine::kFast;
    operation->run = [path = data + "/read.csv", engine] {
      deeprc::table::CsvReadOptions options;
      options.use_threads = false;
      options.engine = engine;
      return deeprc::table::ReadCsv(path, options);
    };
    operation->implementation = variant == "arrow"
                                    ? "deeprc::ReadCsv, engine kArrow (Arrow CSV reader, use_threads=false; reference)"
                                    : "deeprc::ReadCsv (deeprc's single-pass reader, csv_fast_reader; one thread)";
  } else {
    return Status::Invalid("unknown --op '", op, "'; known: join, sort, groupby_1k, groupby_1m, read_csv");
  }
  return Status::OK();
}

Status Run(const std::string& op, const std::string& variant, const std::string& data, int repeat) {
  // Single-threaded like the peers: Arrow's CPU pool with one thread (kernels and Acero use it).
  DEEPRC_RETURN_NOT_OK(arrow::SetCpuThreadPoolCapacity(1));
  DEEPRC_RETURN_NOT_OK(deeprc::table::EnsureComputeInitialized());
  const Memory baseline = ReadMemory();

  const auto load_start = std::chrono::steady_clock::now();
  auto operation = std::make_unique<Operation>();
  DEEPRC_RETURN_NOT_OK(Prepare(op, variant, data, operation.get()));
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  ReleaseUnusedMemory();
  const Memory loaded = ReadMemory();

  std::vector<double> times, cpu_times;
  int64_t peak = 0, rows_out = 0, output_bytes = 0;
  for (int i = 0; i < repeat; ++i) {
    ReleaseUnusedMemory();
    ResetPeakRss();
    const double cpu_start = ProcessCpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    DEEPRC_ASSIGN_OR_RETURN(auto output, operation->run());
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    cpu_times.push_back(ProcessCpuSeconds() - cpu_start);
    peak = std::max(peak, ReadMemory().hwm_bytes);
    rows_out = output.num_rows();
    output_bytes = TotalBytes({output});
    // `output` dies here, before the next repetition, so two outputs never count in one peak.
  }

  nlohmann::json result = {
      {"engine", "deeprc"},
      {"version", std::string("arrow ") + ARROW_VERSION_STRING},
      {"op", op},
      {"variant", variant},
      {"implementation", operation->implementation},
      {"threads", 1},
      {"memory_pool", arrow::default_memory_pool()->backend_name()},
      {"times_s", times},
      {"best_s", *std::min_element(times.begin(), times.end())},
      {"cpu_times_s", cpu_times},
      {"best_cpu_s", *std::min_element(cpu_times.begin(), cpu_times.end())},
      {"rows_out", rows_out},
      {"load_s", load_s},
      {"input_bytes", TotalBytes(operation->inputs)},
      {"output_bytes", output_bytes},
      {"rss_baseline_bytes", baseline.rss_bytes},
      {"rss_loaded_bytes", loaded.rss_bytes},
      {"peak_rss_bytes", peak},
  };
  std::cout << result.dump() << std::endl;
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times one deeprc table operation on bench/table's inputs; prints one JSON line."};
  std::string op, variant, data;
  int repeat = 3;
  app.add_option("--op", op, "join, sort, groupby_1k, groupby_1m or read_csv")->required();
  app.add_option("--variant", variant,
                 "a reference instead of the default: join: sort_merge, acero; groupby_*: acero; read_csv: arrow");
  app.add_option("--data", data, "folder of the inputs that bench/table/run.py generates")->required();
  app.add_option("--repeat", repeat, "best of N")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (auto status = Run(op, variant, data, repeat); !status.ok()) {
    std::cerr << "deeprc_table_bench --op " << op << ": " << status.ToString() << std::endl;
    return 1;
  }
  return 0;
}
