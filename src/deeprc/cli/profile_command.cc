// `deeprc profile SESSION`: per-task overheads, throughput and utilization of a finished session,
// and a Chrome-trace JSON of its task timeline. SESSION is a `deeprc tasks` session or a pipeline
// session of `deeprc run`, whose runs (the first and each --resume) are runtime sessions of their own.
#include <filesystem>
#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/pilot/profile_report.h"
#include "deeprc/pipeline/session_layout.h"

namespace deeprc::cli {
namespace {

namespace fs = std::filesystem;

struct ProfileOptions {
  std::string session, trace;
  int run = -1;  // a pipeline session's run; -1: every run
};

// The runtime session folders SESSION stands for: itself, or a pipeline session's runs.
Result<std::vector<fs::path>> RuntimeSessions(const ProfileOptions& options) {
  const fs::path root(options.session);
  if (fs::exists(root / "client.prof")) {
    if (options.run >= 0) {
      return Status::Invalid("'", options.session, "' is a session of `deeprc tasks`, which has no runs: ",
                             "leave out --run");
    }
    return std::vector<fs::path>{root};
  }
  const pipeline::SessionLayout layout{root};
  std::vector<fs::path> runs;
  for (int run = 0; fs::exists(layout.RunDir(run) / "client.prof"); ++run) runs.push_back(layout.RunDir(run));
  if (runs.empty()) {
    return Status::IOError("'", options.session, "' is not a session folder: no client.prof (a `deeprc tasks` ",
                           "session) and no runtime/run.0/client.prof (a `deeprc run` pipeline session)");
  }
  if (options.run >= 0) {
    if (options.run >= static_cast<int>(runs.size())) {
      return Status::Invalid("--run ", options.run, ": the pipeline session '", options.session, "' has runs 0 to ",
                             runs.size() - 1);
    }
    return std::vector<fs::path>{runs[options.run]};
  }
  if (runs.size() > 1 && !options.trace.empty()) {
    return Status::Invalid("the pipeline session '", options.session, "' has ", runs.size(),
                           " runs: pick the one to trace with --run N (0 to ", runs.size() - 1,
                           "), or leave out --trace to write each run's trace.json in its folder");
  }
  return runs;
}

Status Profile(const ProfileOptions& options) {
  DEEPRC_ASSIGN_OR_RETURN(auto sessions, RuntimeSessions(options));
  const bool pipeline = sessions.size() > 1 || sessions.front() != fs::path(options.session);
  for (const auto& session : sessions) {
    if (pipeline) std::cout << "run          " << session.filename().string() << " (" << session.string() << ")\n";
    DEEPRC_ASSIGN_OR_RETURN(auto report, pilot::AnalyzeSession(session.string()));
    std::cout << pilot::FormatReport(report);
    const std::string path = options.trace.empty() ? (session / "trace.json").string() : options.trace;
    DEEPRC_RETURN_NOT_OK(pilot::WriteChromeTrace(session.string(), path));
    std::cout << "trace        " << path << " (open in https://ui.perfetto.dev)\n";
  }
  return Status::OK();
}

}  // namespace

void AddProfileCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<ProfileOptions>();
  auto* command = app.add_subcommand("profile", "Overheads, throughput and a Chrome trace of a session");
  command->add_option("session", options->session, "session folder of `deeprc tasks` or `deeprc run`")
      ->required();
  command->add_option("--trace", options->trace,
                      "where to write the Chrome-trace JSON (default: trace.json in the session folder)");
  command->add_option("--run", options->run, "of a pipeline session, only this run (0: the first)")
      ->check(CLI::NonNegativeNumber);
  command->callback([&result, options] { result.status = Profile(*options); });
}

}  // namespace deeprc::cli
