#include "deeprc/cli/app.h"

#include <iostream>
#include <string>

#include "deeprc/core/logging.h"
#include "deeprc/net/launcher.h"

namespace deeprc::cli {

int RunDeeprc(int argc, char** argv, const std::function<void(CLI::App&, CommandResult&)>& add_commands) {
  CLI::App app{"deeprc: data engineering and deep learning pipelines as one job", "deeprc"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&log_level] { SetLogLevel(log_level); });

  CommandResult result;
  result.argv.assign(argv, argv + argc);
  add_commands(app, result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (!result.status.ok()) {
    // A rank started by `--ranks N` leaves its error to the launching process, which prints each
    // distinct error once for all ranks.
    if (!net::ReportErrorToLauncher(result.status.message())) {
      std::cerr << "deeprc: error: " << result.status.message() << std::endl;
    }
    return 1;
  }
  return result.exit_code;
}

}  // namespace deeprc::cli
