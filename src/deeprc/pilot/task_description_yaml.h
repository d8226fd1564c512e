// Task descriptions from YAML files: the input of `deeprc tasks`. Unknown keys, wrong types and bad
// values are errors naming the file and line, so a typo never silently becomes a default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deeprc/pilot/task_description.h"

namespace deeprc::pilot {

// The most tasks one file may expand to, `count` included: 50x the largest benchmark run.
inline constexpr int64_t kMaxTasksPerFile = 100000;

// Parses a document that is either a list of tasks or a map with one key, `tasks`, holding that
// list. Each entry holds the fields of TaskDescription (`stdout`/`stderr` name the files) and may
// add `count: N` to stand for N copies of itself (uids get a ".i" suffix when one is given).
Result<std::vector<TaskDescription>> ParseTaskDescriptions(const std::string& yaml_text,
                                                           const std::string& origin = "<yaml>");
Result<std::vector<TaskDescription>> ReadTaskDescriptions(const std::string& path);

}  // namespace deeprc::pilot
