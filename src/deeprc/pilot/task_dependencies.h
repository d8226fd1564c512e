// The `after` and `after_ended` edges of one submission, checked before anything is sent: every name
// refers to a task submitted earlier or anywhere in the same submission, and no task waits for itself
// or in a cycle (through either kind of edge).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deeprc/pilot/task_description.h"

namespace deeprc::pilot {

// `batch` holds tasks with unique, assigned uids; `known` says whether a uid was submitted before.
// Earlier tasks cannot wait for new ones, so a cycle lies within the batch: it is named in full
// ("a -> b -> a"), since every task on it would stay queued for ever.
Status CheckDependencies(const std::vector<TaskDescription>& batch,
                         const std::function<bool(const std::string&)>& known);

}  // namespace deeprc::pilot
