// A Session: one uid and one folder holding everything a run leaves behind — the secret, the
// sandboxes of pilots and tasks, logs and profiles. Pilots and tasks belong to exactly one session.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "deeprc/core/status.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/session_keys.h"

namespace deeprc::pilot {

struct SessionOptions {
  std::string uid;  // empty: "session.<date>.<time>.<random>"
  std::string dir;  // empty: "sessions/<uid>" under the current folder
};

class Session {
 public:
  static Result<std::shared_ptr<Session>> Create(const SessionOptions& options = {});

  const std::string& uid() const { return uid_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path PilotSandbox(const std::string& pilot_uid) const { return dir_ / pilot_uid; }
  std::filesystem::path TaskSandbox(const std::string& pilot_uid, const std::string& task_uid) const {
    return dir_ / pilot_uid / task_uid;
  }
  std::filesystem::path secret_file() const { return dir_ / "session.key"; }
  const SessionKeys& keys() const { return keys_; }
  // The client's profile; agents write their own into their pilot's sandbox.
  Profiler& profiler() { return *profiler_; }

  // "<prefix>.NNNNNN", unique within the session.
  std::string NextUid(const std::string& prefix);

 private:
  Session() = default;
  std::string uid_;
  std::filesystem::path dir_;
  SessionKeys keys_;
  std::unique_ptr<Profiler> profiler_;
  std::atomic<int64_t> next_pilot_{0}, next_task_{0}, next_other_{0};
};

}  // namespace deeprc::pilot
