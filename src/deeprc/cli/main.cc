// The `deeprc` command: parses arguments and calls the library; nothing else lives here.
#include <CLI/CLI.hpp>

#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/core/logging.h"

int main(int argc, char** argv) {
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
