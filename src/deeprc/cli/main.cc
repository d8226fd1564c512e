// The `deeprc` command: parses arguments and calls the library; nothing else lives here. The
// commands that need LibTorch run in `deeprc-learn` (learn_forwarding.cc), so that every other
// command starts without loading it.
#include "deeprc/cli/app.h"

int main(int argc, char** argv) {
  using namespace deeprc::cli;
  return RunDeeprc(argc, argv, [](CLI::App& app, CommandResult& result) {
    AddTableCommand(app, result);
    AddTasksCommand(app, result);
    AddProfileCommand(app, result);
    AddLearnForwarding(app, result);
    AddDataCommands(app, result);
    AddRunCommand(app, result);
  });
}
