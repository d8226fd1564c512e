#include "deeprc/cli/app.h"

#include <iostream>

#include "deeprc/core/logging.h"

namespace deeprc::cli {

void AddGlobalOptions(CLI::App& app, std::string& log_level) {
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&log_level] { SetLogLevel(log_level); });
}

int ParseAndRun(CLI::App& app, const CommandResult& result, int argc, char** argv) {
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

}  // namespace deeprc::cli
