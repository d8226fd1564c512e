// The live view of `deeprc run` on stderr: each stage's state, finished/total tasks with a bar, and
// the elapsed time, redrawn in place on a terminal; plain lines, one per event, in a log file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "deeprc/pipeline/stage_state.h"

namespace deeprc::pipeline {

struct StageProgress {
  std::string name, kind;
  StageState state = StageState::kPending;
  int total = 0, done = 0, failed = 0, canceled = 0, running = 0;
  int earlier = 0;     // finished in an earlier run of the session
  double seconds = 0;  // since its first task started (to its end once over)
};

class ProgressDisplay {
 public:
  // `enabled` false prints nothing; `terminal` chooses the redrawn block over plain lines.
  ProgressDisplay(bool enabled, bool terminal);

  // Redraws the block (at most four times a second unless `force`); without a terminal, prints a
  // line when a stage changes state and a summary line every 30 s.
  void Update(const std::vector<StageProgress>& stages, double elapsed, bool force = false);
  // A line above the block (a task that ended, a warning); always printed.
  void Event(const std::string& line);
  // The last redraw; the block stays on screen.
  void Finish(const std::vector<StageProgress>& stages, double elapsed);

 private:
  std::vector<std::string> Block(const std::vector<StageProgress>& stages, double elapsed) const;
  void Clear();
  void Draw();

  bool enabled_, terminal_;
  std::vector<std::string> block_;
  int drawn_ = 0;  // lines of the block on screen
  double last_draw_ = -1, last_summary_ = 0;
  std::vector<std::optional<StageState>> last_states_;  // none: not shown yet
};

}  // namespace deeprc::pipeline
