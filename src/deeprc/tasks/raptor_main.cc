// deeprc-raptor: a pool of function-task workers as one MPI job (rank 0 the master). The master
// either serves the pilot's agent that started it (--agent: tasks come and go over the agent's
// socket), or reads function tasks as JSON lines and writes one JSON result line per task.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "deeprc/agent/raptor/master.h"
#include "deeprc/core/atomic_file.h"
#include "deeprc/agent/raptor/worker.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/tasks/pool_master.h"

namespace {

// The master of a pilot's pool: serves the agent at `agent` until it says stop or is gone.
deeprc::Status RunAgentMaster(deeprc::tasks::AgentAddress agent, const std::string& secret_file,
                              deeprc::raptor::MasterOptions options) {
  DEEPRC_ASSIGN_OR_RETURN(auto master, deeprc::raptor::Master::Create(std::move(options)));
  DEEPRC_ASSIGN_OR_RETURN(agent.keys, deeprc::pilot::SessionKeys::Read(secret_file));
  deeprc::Status served = deeprc::tasks::ServeAgent(*master, agent);
  deeprc::Status stopped = master->Stop();
  return served.ok() ? stopped : served;
}

// The master of a standalone pool: runs the tasks of a JSON-lines file, writes their results.
deeprc::Status RunTaskFileMaster(const std::string& tasks_path, const std::string& results_path,
                                 int timeout_s, deeprc::raptor::MasterOptions options) {
  using namespace deeprc::raptor;
  DEEPRC_ASSIGN_OR_RETURN(auto master, Master::Create(std::move(options)));
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
  std::string lines;
  for (const auto& result : results) lines += ToJson(result).dump() + '\n';
  DEEPRC_RETURN_NOT_OK(deeprc::WriteTextFileAtomically(results_path, lines));
  return master->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("deeprc-raptor: function-task workers as one MPI job; rank 0 is the master");
  std::string tasks_path, results_path = "/dev/stdout", secret_file;
  deeprc::tasks::AgentAddress agent;
  int timeout_s = 600;
  auto* tasks = app.add_option("--tasks", tasks_path, "function tasks, one JSON object a line");
  app.add_option("--results", results_path, "where the master writes one JSON result a line");
  app.add_option("--timeout", timeout_s, "seconds the master waits for all tasks");
  auto* serve = app.add_option("--agent", agent.endpoint, "serve the pilot agent at this endpoint instead");
  app.add_option("--secret", secret_file, "the session's key file (with --agent)");
  app.add_option("--agent-pid", agent.pid, "the agent's process: the pool ends with it (with --agent)");
  app.add_option("--agent-host", agent.host, "the agent's host name (with --agent)");
  std::vector<std::string> worker_gpus;
  app.add_option("--worker-gpus", worker_gpus,
                 "each worker's GPU in rank order, '-' for none (e.g. 0,1,-,-); absent: no GPUs")
      ->delimiter(',');
  tasks->excludes(serve);
  CLI11_PARSE(app, argc, argv);
  if (tasks_path.empty() == agent.endpoint.empty()) {
    std::cerr << "deeprc-raptor: give --tasks FILE or --agent ENDPOINT\n";
    return 2;
  }
  auto world = deeprc::net::MpiCommunicator::World();
  if (!world.ok()) {
    std::cerr << world.status().ToString() << std::endl;
    return 1;
  }
  for (auto& gpu : worker_gpus) gpu = gpu == "-" ? "" : gpu;
  if (!worker_gpus.empty() && static_cast<int>(worker_gpus.size()) != (*world)->size() - 1) {
    std::cerr << "deeprc-raptor: --worker-gpus names " << worker_gpus.size() << " workers, the job has "
              << (*world)->size() - 1 << "\n";
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  deeprc::Status status;
  if ((*world)->rank() != 0) {
    deeprc::raptor::WorkerOptions options;
    options.pool_has_gpus = !worker_gpus.empty();
    if (options.pool_has_gpus) options.gpu = worker_gpus[(*world)->rank() - 1];
    status = deeprc::raptor::RunWorker(options);
  } else {
    deeprc::raptor::MasterOptions options;
    if (!worker_gpus.empty()) {
      options.worker_gpus = {""};  // rank 0 is the master
      options.worker_gpus.insert(options.worker_gpus.end(), worker_gpus.begin(), worker_gpus.end());
    }
    status = agent.endpoint.empty()
                 ? RunTaskFileMaster(tasks_path, results_path, timeout_s, std::move(options))
                 : RunAgentMaster(std::move(agent), secret_file, std::move(options));
  }
  if (!status.ok()) {
    std::cerr << "deeprc-raptor rank " << (*world)->rank() << ": " << status.ToString() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
