#include "deeprc/pipeline/report_timeline.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "deeprc/core/atomic_file.h"
#include "deeprc/pipeline/plot.h"

namespace deeprc::pipeline {

Result<TimelineReport> WriteTimeline(const RunReportInput& in, const std::filesystem::path& dir) {
  struct Bar {
    double start, end;
    std::string uid, state;
  };
  std::vector<Bar> bars;
  for (const auto& record : in.records) {
    for (const auto& task : record.tasks) {
      if (task.run != in.run || task.started <= 0 || task.from_earlier_run) continue;
      const double end = task.stopped > 0 ? task.stopped : (task.finished > 0 ? task.finished : pilot::Now());
      bars.push_back({task.started - in.started, end - in.started, task.uid, ToString(task.state)});
    }
  }
  std::sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.start < b.start; });
  std::string text = "# row\tstart_s\tend_s\ttask\tstate (seconds since deeprc run started)\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    text += fmt::format("{}\t{:.3f}\t{:.3f}\t{}\t{}\n", i, bars[i].start, bars[i].end, bars[i].uid,
                        bars[i].state);
  }
  // Reports are written whole or not at all: a reader never sees half a file.
  DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically((dir / "timeline.tsv").string(), text));
  TimelineReport timeline;
  timeline.bars = static_cast<int>(bars.size());
  if (!bars.empty()) {
    auto drawn = PlotTimeline(
        (dir / "timeline.tsv").string(), (dir / "timeline.png").string(),
        fmt::format("{}: tasks of run {} (green DONE, red FAILED, grey CANCELED)", in.spec->name, in.run),
        timeline.bars);
    timeline.plotted = drawn.ok();
    if (!drawn.ok()) timeline.plot_error = drawn.message();
  }
  return timeline;
}

}  // namespace deeprc::pipeline
