// Profile files: one line per event ("time,event,uid,state,detail") from each process of a session,
// so `deeprc profile` can rebuild every task's timeline after the fact.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

// Appends events to a file. Lines are buffered (a profile must not slow the runtime down) and
// flushed on Flush() and on destruction; Record is safe to call from any thread.
class Profiler {
 public:
  static Result<std::unique_ptr<Profiler>> Open(const std::string& path);
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  // `detail` must not hold newlines; commas are fine (it is the last field).
  void Record(double time, std::string_view event, std::string_view uid, std::string_view state = {},
              std::string_view detail = {});
  void Flush();
  const std::string& path() const { return path_; }

 private:
  Profiler(std::string path, FILE* file) : path_(std::move(path)), file_(file) {}
  std::string path_;
  std::mutex mutex_;
  FILE* file_;
};

struct ProfileEvent {
  double time = 0;
  std::string event, uid, state, detail;
};

// Reads a profile file back; malformed lines are errors naming the line.
Result<std::vector<ProfileEvent>> ReadProfile(const std::string& path);

}  // namespace deeprc::pilot
