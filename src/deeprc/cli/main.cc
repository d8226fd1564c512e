// The `deeprc` command: parses arguments and calls the library; nothing else lives here.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/core/logging.h"

namespace {

// LibTorch's OpenMP threads spin at every barrier by default. On a shared or oversubscribed node a
// spinning thread takes the core its descheduled peer needs: training steps measured 5-20x slower
// under load. libgomp reads its wait policy only when it loads, so the process re-executes itself
// once with the passive policy (threads sleep while they wait), unless the user chose one.
void UsePassiveOpenMpWaits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run on with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  UsePassiveOpenMpWaits(argv);
  CLI::App app{"deeprc: data engineering and deep learning pipelines as one job"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&] { deeprc::SetLogLevel(log_level); });

  deeprc::cli::CommandResult result;
  result.argv.assign(argv, argv + argc);
  deeprc::cli::AddTableCommand(app, result);
  deeprc::cli::AddTasksCommand(app, result);
  deeprc::cli::AddProfileCommand(app, result);
  deeprc::cli::AddTrainCommand(app, result);
  deeprc::cli::AddDataCalendarCommand(app, result);
  deeprc::cli::AddRunCommand(app, result);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (!result.status.ok()) {
    std::cerr << "deeprc: error: " << result.status.message() << std::endl;
    return 1;
  }
  return result.exit_code;
}
