#include "deeprc/pipeline/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace deeprc::pipeline {
namespace {

std::string Bar(int finished, int total, int width) {
  const int filled = total > 0 ? finished * width / total : width;
  return std::string(filled, '#') + std::string(width - filled, '.');
}

std::string Seconds(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  return fmt::format("{}m{:02d}s", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
}

}  // namespace

ProgressDisplay::ProgressDisplay(bool enabled, bool terminal) : enabled_(enabled), terminal_(terminal) {}

std::vector<std::string> ProgressDisplay::Block(const std::vector<StageProgress>& stages,
                                                double elapsed) const {
  std::vector<std::string> lines;
  int total = 0, finished = 0, running = 0, failed = 0, canceled = 0;
  for (const auto& stage : stages) {
    const int over = stage.done + stage.failed + stage.canceled;
    std::string line = fmt::format("  {:<14} {:<8} {:<9} {:>3}/{:<3} [{}] {:>7}", stage.name, stage.kind,
                                   ToString(stage.state), over, stage.total, Bar(over, stage.total, 20),
                                   stage.seconds > 0 ? Seconds(stage.seconds) : std::string());
    if (stage.running > 0) line += fmt::format("  {} running", stage.running);
    if (stage.failed > 0) line += fmt::format("  {} failed", stage.failed);
    if (stage.canceled > 0) line += fmt::format("  {} canceled", stage.canceled);
    if (stage.earlier > 0) line += fmt::format("  {} from an earlier run", stage.earlier);
    lines.push_back(std::move(line));
    total += stage.total, finished += over, running += stage.running, failed += stage.failed;
    canceled += stage.canceled;
  }
  // A canceled task did not fail (an interrupt, a cancel): counted on its own.
  lines.push_back(fmt::format("  [{}] {}/{} tasks  {} running  {} failed{}  elapsed {}", Bar(finished, total, 30),
                              finished, total, running, failed,
                              canceled > 0 ? fmt::format("  {} canceled", canceled) : std::string(),
                              Seconds(elapsed)));
  return lines;
}

void ProgressDisplay::Clear() {
  // To the start of the block's first line, then erase to the end of the screen.
  if (drawn_ > 0) std::fprintf(stderr, "\x1b[%dF\x1b[J", drawn_);
  drawn_ = 0;
}

void ProgressDisplay::Draw() {
  // A wrapped line would take two rows and throw off the cursor moves of the next redraw.
  winsize size{};
  const size_t width =
      ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 ? size.ws_col - 1 : 1000;
  for (const auto& line : block_) std::fprintf(stderr, "%s\n", line.substr(0, width).c_str());
  drawn_ = static_cast<int>(block_.size());
  std::fflush(stderr);
}

void ProgressDisplay::Update(const std::vector<StageProgress>& stages, double elapsed, bool force) {
  if (!enabled_) return;
  if (terminal_) {
    if (!force && last_draw_ >= 0 && elapsed - last_draw_ < 0.25) return;
    last_draw_ = elapsed;
    block_ = Block(stages, elapsed);
    Clear();
    Draw();
    return;
  }
  bool changed = last_states_.size() != stages.size();
  last_states_.resize(stages.size());
  for (size_t i = 0; i < stages.size(); ++i) {
    if (last_states_[i] == stages[i].state) continue;
    const bool first = !last_states_[i];
    last_states_[i] = stages[i].state;
    if (first && stages[i].state == StageState::kPending) continue;  // the start says nothing yet
    changed = true;
    const auto& stage = stages[i];
    std::fprintf(stderr, "[%8s] stage %s (%s): %s, %d/%d tasks\n", Seconds(elapsed).c_str(),
                 stage.name.c_str(), stage.kind.c_str(), std::string(ToString(stage.state)).c_str(),
                 stage.done + stage.failed + stage.canceled, stage.total);
  }
  if (changed || elapsed - last_summary_ >= 30) {
    if (!changed)
      std::fprintf(stderr, "[%8s]%s\n", Seconds(elapsed).c_str(), Block(stages, elapsed).back().c_str());
    last_summary_ = elapsed;
  }
  std::fflush(stderr);
}

void ProgressDisplay::Event(const std::string& line) {
  if (!enabled_) return;
  if (terminal_) {
    Clear();
    std::fprintf(stderr, "%s\n", line.c_str());
    Draw();
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }
}

void ProgressDisplay::Finish(const std::vector<StageProgress>& stages, double elapsed) {
  if (!enabled_) return;
  if (terminal_) {
    block_ = Block(stages, elapsed);
    Clear();
    Draw();
    drawn_ = 0;  // leave it on screen
  } else {
    Update(stages, elapsed, true);
    std::fprintf(stderr, "[%8s]%s\n", Seconds(elapsed).c_str(), Block(stages, elapsed).back().c_str());
  }
}

}  // namespace deeprc::pipeline
