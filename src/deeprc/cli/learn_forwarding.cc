// `deeprc train ...` and `deeprc predict ...`: handed over to `deeprc-learn`, which sits next to
// this binary and links LibTorch, by exec: the process becomes that command.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "deeprc/cli/commands.h"
#include "deeprc/core/executable.h"

namespace deeprc::cli {
namespace {

constexpr const char* kLearnBinary = "deeprc-learn";

// Execs deeprc-learn with this command line (the same arguments, global options included);
// returns only on failure.
Status ExecLearnBinary(const std::vector<std::string>& argv) {
  const std::string self = SelfExecutable();
  if (self.empty()) return Status::IOError("cannot find the path of this executable");
  const std::string learn = (std::filesystem::path(self).parent_path() / kLearnBinary).string();
  if (::access(learn.c_str(), X_OK) != 0) {
    return Status::IOError(learn, " is missing (it runs deeprc's LibTorch commands; build it with the `deeprc` target)");
  }
  // libgomp reads its wait policy when it loads: passive, unless the user chose one (see learn_main.cc).
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
  std::vector<std::string> arguments = argv;
  arguments.at(0) = learn;
  std::vector<char*> pointers;
  for (auto& argument : arguments) pointers.push_back(argument.data());
  pointers.push_back(nullptr);
  execv(learn.c_str(), pointers.data());
  return Status::IOError("cannot run ", learn, ": ", std::strerror(errno));
}

// A subcommand that takes every argument as it is (help included) and hands the line over.
void AddForwarder(CLI::App& parent, const std::string& name, const std::string& description,
                  CommandResult& result) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->set_help_flag();
  command->allow_extras();
  command->prefix_command();
  command->callback([&result] { result.status = ExecLearnBinary(result.argv); });
}

}  // namespace

void AddLearnForwarding(CLI::App& app, CommandResult& result) {
  AddForwarder(app, "train",
               "Train, validate and test one forecasting model on an ETT-format CSV (no pilot: bare metal)",
               result);
  AddForwarder(app, "predict",
               "Forecast the test period of a table with a trained model's checkpoint (written by deeprc train)",
               result);
}

}  // namespace deeprc::cli
