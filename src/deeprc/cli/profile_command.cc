// `deeprc profile SESSION`: per-task overheads, throughput and utilization of a finished session,
// and a Chrome-trace JSON of its task timeline.
#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/pilot/profile_report.h"

namespace deeprc::cli {

void AddProfileCommand(CLI::App& app, CommandResult& result) {
  auto session = std::make_shared<std::string>();
  auto trace = std::make_shared<std::string>();
  auto* command = app.add_subcommand("profile", "Overheads, throughput and a Chrome trace of a session");
  command->add_option("session", *session, "session folder (sessions/<uid>)")->required();
  command->add_option("--trace", *trace,
                      "where to write the Chrome-trace JSON (default: SESSION/trace.json)");
  command->callback([&result, session, trace] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto report, pilot::AnalyzeSession(*session));
      std::cout << pilot::FormatReport(report);
      const std::string path = trace->empty() ? *session + "/trace.json" : *trace;
      DEEPRC_RETURN_NOT_OK(pilot::WriteChromeTrace(*session, path));
      std::cout << "trace        " << path << " (open in https://ui.perfetto.dev)\n";
      return Status::OK();
    }();
  });
}

}  // namespace deeprc::cli
