// deeprc-agent: the process a pilot starts on its first node (a child of the client, or the batch
// script of a Slurm job). It reads its configuration file, serves until told to stop, and exits.
#include <CLI/CLI.hpp>

#include <iostream>

#include "deeprc/agent/agent.h"
#include "deeprc/core/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"deeprc-agent: schedules and launches the tasks of one pilot"};
  std::string config_path, log_level = "info";
  int notify_fd = -1;
  app.add_option("--config", config_path, "agent configuration (JSON) written by the PilotManager")
      ->required();
  app.add_option("--notify-fd", notify_fd, "descriptor to write the endpoint to once listening");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  CLI11_PARSE(app, argc, argv);
  deeprc::SetLogLevel(log_level);

  auto status = [&]() -> deeprc::Status {
    DEEPRC_ASSIGN_OR_RETURN(auto config, deeprc::pilot::AgentConfig::Read(config_path));
    DEEPRC_ASSIGN_OR_RETURN(auto agent, deeprc::agent::Agent::Start(config, notify_fd));
    return agent->Run();
  }();
  if (!status.ok()) {
    std::cerr << "deeprc-agent: error: " << status.message() << std::endl;
    return 1;
  }
  return 0;
}
