// A function library for the raptor and pilot tests: loaded by the workers with dlopen when a task
// names it, which runs these DEEPRC_TASK registrations (resolved against the worker program's
// registry).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <arrow/buffer.h>

#include "deeprc/agent/raptor/function_registry.h"

namespace {

deeprc::Result<nlohmann::json> FromLibrary(deeprc::raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(int64_t size,
                          context.comm().AllReduceScalar(int64_t{1}, deeprc::net::ReduceOp::kSum));
  return nlohmann::json{{"size", size}, {"rank", context.rank()}};
}

}  // namespace

DEEPRC_TASK("test.from_library", FromLibrary);

namespace {

// The world ranks of the task's workers as every rank gathered them, their sum as an all-reduce
// computed it (the two agree only over a correct communicator), after `sleep_ms` of work.
deeprc::Result<nlohmann::json> WorldRanks(deeprc::raptor::TaskContext& context) {
  std::this_thread::sleep_for(std::chrono::milliseconds(context.args().value("sleep_ms", 0)));
  const int64_t me = context.world_rank();
  DEEPRC_ASSIGN_OR_RETURN(auto gathered, context.comm().AllGather({reinterpret_cast<const uint8_t*>(&me), 8}));
  std::vector<int64_t> ranks;
  for (const auto& buffer : gathered) ranks.push_back(*reinterpret_cast<const int64_t*>(buffer->data()));
  DEEPRC_ASSIGN_OR_RETURN(int64_t sum, context.comm().AllReduceScalar(me, deeprc::net::ReduceOp::kSum));
  return nlohmann::json{{"world_ranks", ranks}, {"sum", sum}, {"size", context.size()}, {"rank", context.rank()}};
}

// Writes this worker's pid into the task's sandbox, then sleeps: a test kills it meanwhile.
deeprc::Result<nlohmann::json> SleepWithPidFile(deeprc::raptor::TaskContext& context) {
  const std::string path = context.sandbox() + "/worker.pid";
  std::ofstream(path + ".tmp") << ::getpid() << "\n";
  std::filesystem::rename(path + ".tmp", path);
  std::this_thread::sleep_for(std::chrono::milliseconds(context.args().value("sleep_ms", 30000)));
  return nlohmann::json{{"slept", true}};
}

// Every rank's GPU as the task context gives it and as CUDA_VISIBLE_DEVICES shows it (-1: none).
deeprc::Result<nlohmann::json> Devices(deeprc::raptor::TaskContext& context) {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  const int64_t mine[2] = {context.gpus().empty() ? -1 : std::stoll(context.gpus()[0]),
                           visible == nullptr || *visible == '\0' ? -1 : std::stoll(visible)};
  DEEPRC_ASSIGN_OR_RETURN(auto gathered,
                          context.comm().AllGather({reinterpret_cast<const uint8_t*>(mine), sizeof(mine)}));
  nlohmann::json gpus = nlohmann::json::array(), cuda = nlohmann::json::array();
  for (const auto& buffer : gathered) {
    const auto* pair = reinterpret_cast<const int64_t*>(buffer->data());
    gpus.push_back(pair[0]);
    cuda.push_back(pair[1]);
  }
  return nlohmann::json{{"gpus", gpus}, {"visible", cuda}};
}

}  // namespace

DEEPRC_TASK("test.devices", Devices);
DEEPRC_TASK("test.world_ranks", WorldRanks);
DEEPRC_TASK("test.sleep_with_pid_file", SleepWithPidFile);
