// `deeprc-learn`: the `deeprc` commands that need LibTorch (`train`, `predict`). Loading
// Debian's LibTorch takes 0.35 s (its static initializers and the 300 libraries it pulls in), so
// `deeprc` keeps it out and hands these command lines over by exec (learn_forwarding.cc).
#include <unistd.h>

#include <cstdlib>

#include "deeprc/cli/app.h"
#include "deeprc/core/executable.h"

namespace {

// LibTorch's OpenMP threads spin at every barrier by default. On a shared or oversubscribed node a
// spinning thread takes the core its descheduled peer needs: training steps measured 5-20x slower
// under load. libgomp reads its wait policy only when it loads, so unless the user chose one this
// binary re-executes itself once with the passive policy (threads sleep while they wait). `deeprc`
// sets the policy before it hands over, so the command lines it forwards start once.
void UsePassiveOpenMpWaits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
  execv(deeprc::SelfExecutable(argv[0]).c_str(), argv);  // returns only on failure: run on as it is
}

}  // namespace

int main(int argc, char** argv) {
  UsePassiveOpenMpWaits(argv);
  return deeprc::cli::RunDeeprc(argc, argv, [](CLI::App& app, deeprc::cli::CommandResult& result) {
    deeprc::cli::AddTrainCommand(app, result);
    deeprc::cli::AddPredictCommand(app, result);
  });
}
