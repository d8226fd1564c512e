// The `deeprc` command: parses arguments and calls the library; nothing else lives here. The
// commands that need LibTorch run in `deeprc-learn` (learn_forwarding.cc), so that every other
// command starts without loading it.
#include "deeprc/cli/app.h"
#include "deeprc/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"deeprc: data engineering and deep learning pipelines as one job"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  deeprc::cli::AddGlobalOptions(app, log_level);

  deeprc::cli::CommandResult result;
  result.argv.assign(argv, argv + argc);
  deeprc::cli::AddTableCommand(app, result);
  deeprc::cli::AddTasksCommand(app, result);
  deeprc::cli::AddProfileCommand(app, result);
  deeprc::cli::AddLearnForwarding(app, result);
  deeprc::cli::AddDataCalendarCommand(app, result);
  deeprc::cli::AddRunCommand(app, result);
  return deeprc::cli::ParseAndRun(app, result, argc, argv);
}
