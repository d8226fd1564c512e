// deeprc-raptor: a pool of function-task workers as one MPI job (rank 0 the master). The master
// reads function tasks as JSON lines and writes one JSON result line per task.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "deeprc/agent/raptor/master.h"
#include "deeprc/agent/raptor/worker.h"
#include "deeprc/net/mpi/mpi_communicator.h"

namespace {

deeprc::Status RunMaster(const std::string& tasks_path, const std::string& results_path, int timeout_s) {
  using namespace deeprc::raptor;
  DEEPRC_ASSIGN_OR_RETURN(auto master, Master::Create());
  std::ifstream in(tasks_path);
  if (!in) return deeprc::Status::IOError("deeprc-raptor: cannot read ", tasks_path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return deeprc::Status::Invalid(tasks_path, ":", number, ": not JSON");
    DEEPRC_ASSIGN_OR_RETURN(FunctionTask task, FunctionTaskFromJson(json));
    DEEPRC_RETURN_NOT_OK(master->Submit(std::move(task)).status());
  }
  DEEPRC_ASSIGN_OR_RETURN(auto results, master->WaitAll(std::chrono::seconds(timeout_s)));
  std::ofstream out(results_path);
  for (const auto& result : results) out << ToJson(result).dump() << '\n';
  if (!out) return deeprc::Status::IOError("deeprc-raptor: cannot write ", results_path);
  return master->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("deeprc-raptor: function-task workers as one MPI job; rank 0 is the master");
  std::string tasks_path, results_path = "/dev/stdout";
  int timeout_s = 600;
  app.add_option("--tasks", tasks_path, "function tasks, one JSON object a line")->required();
  app.add_option("--results", results_path, "where the master writes one JSON result a line");
  app.add_option("--timeout", timeout_s, "seconds the master waits for all tasks");
  CLI11_PARSE(app, argc, argv);
  auto world = deeprc::net::MpiCommunicator::World();
  if (!world.ok()) {
    std::cerr << world.status().ToString() << std::endl;
    return 1;
  }
  deeprc::Status status =
      (*world)->rank() == 0 ? RunMaster(tasks_path, results_path, timeout_s) : deeprc::raptor::RunWorker();
  if (!status.ok()) {
    std::cerr << "deeprc-raptor rank " << (*world)->rank() << ": " << status.ToString() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
