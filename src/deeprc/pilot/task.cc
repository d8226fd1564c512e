#include "deeprc/pilot/task.h"

#include <filesystem>

namespace deeprc::pilot {
namespace {

std::string InSandbox(const std::string& sandbox, const std::string& file, const std::string& fallback) {
  std::filesystem::path path = file.empty() ? fallback : file;
  return path.is_absolute() ? path.string() : (std::filesystem::path(sandbox) / path).string();
}

}  // namespace

std::string Task::stdout_path() const {
  return InSandbox(record_->sandbox, record_->description.stdout_file, uid() + ".out");
}
std::string Task::stderr_path() const {
  return InSandbox(record_->sandbox, record_->description.stderr_file, uid() + ".err");
}

TaskState Task::state() const {
  std::lock_guard lock(record_->mutex);
  return record_->history.back().state;
}

std::vector<StateTransition<TaskState>> Task::history() const {
  std::lock_guard lock(record_->mutex);
  return record_->history;
}

std::optional<int> Task::exit_code() const {
  std::lock_guard lock(record_->mutex);
  return record_->exit_code;
}

std::string Task::reason() const {
  std::lock_guard lock(record_->mutex);
  return record_->reason;
}

std::vector<protocol::RankPlacement> Task::placement() const {
  std::lock_guard lock(record_->mutex);
  return record_->placement;
}

nlohmann::json Task::result() const {
  std::lock_guard lock(record_->mutex);
  return record_->result;
}

}  // namespace deeprc::pilot
