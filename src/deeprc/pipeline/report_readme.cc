#include "deeprc/pipeline/report_readme.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "deeprc/pipeline/plot.h"

namespace deeprc::pipeline {

std::string ReadmeMarkdown(const RunReportInput& in, const ReadmeParts& parts) {
  const PipelineSpec& spec = *in.spec;
  std::string md = fmt::format("# Pipeline `{}`: {}\n\n", spec.name, in.outcome);
  if (!spec.description.empty()) md += spec.description + "\n\n";
  md += fmt::format(
      "- spec: `{}`{}\n- session: `{}` (run {} of {})\n- wall time of this run: {:.1f} s\n\n", in.info.spec,
      in.info.overrides.empty() ? std::string()
                                : fmt::format(" with `--set {}`", fmt::join(in.info.overrides, "` `--set ")),
      in.layout.root.string(), in.run + 1, in.info.runs.size(), parts.wall);
  md += "## Stages\n\n| stage | kind | state | tasks done | seconds |\n|---|---|---|---:|---:|\n" +
        parts.outcomes->stage_rows + "\n";
  if (!parts.results->empty()) {
    md +=
        "## Models\n\nTest-period metrics on the scaled series (as the long-horizon benchmarks report "
        "them).\n\n";
    md += MetricsMarkdown(*parts.results) + "\n";
    for (const auto& stage_json : *parts.report_stages) {
      for (const auto& model : stage_json.value("models", nlohmann::json::array())) {
        if (model.contains("plot")) {
          md += fmt::format("![{} forecast]({})\n\n", model.value("model", ""),
                            model["plot"].get<std::string>());
        } else if (model.contains("plot_error")) {
          md += fmt::format("- {}: no plot ({})\n", model.value("model", ""),
                            model["plot_error"].get<std::string>());
        }
      }
    }
  }
  if (!parts.outcomes->failure_text.empty()) md += "## Failures\n\n" + parts.outcomes->failure_text + "\n";
  for (const auto& stage_json : *parts.report_stages) {
    for (const auto& table : stage_json.value("tables", nlohmann::json::array())) {
      std::ifstream in_file(in.layout.ReportDir() / table.value("file", ""));
      std::stringstream text;
      text << in_file.rdbuf();
      md += fmt::format("## Table `{}`\n\n{}\n", table.value("name", ""), text.str());
    }
  }
  md += "## Runtime overheads\n\n```\n" + parts.overheads->text + "```\n\n";
  if (parts.timeline->plotted) md += "## Timeline\n\n![task timeline](timeline.png)\n\n";
  if (!GnuplotAvailable()) {
    md +=
        "_gnuplot is not installed: no PNG plots were drawn; their data is in the .tsv files "
        "(apt-get install gnuplot-nox)._\n";
  } else if (!parts.timeline->plot_error.empty()) {
    md += "_timeline plot failed: " + parts.timeline->plot_error + "_\n";
  }
  return md;
}

}  // namespace deeprc::pipeline
