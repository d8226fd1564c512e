// Finding what a task left behind: the agent is a child subreaper, so a process a task starts stays
// below the agent even after setsid or a double fork; these read the process tree from /proc.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::agent {

// Makes the calling process the parent of its orphaned descendants (PR_SET_CHILD_SUBREAPER)
// instead of init, so none of them leaves the agent's tree and the agent reaps them all.
Status BecomeSubreaper();

// Every live descendant of `root` (children, their children, ...), from the parent ids in
// /proc/<pid>/stat: this kernel may lack /proc/<pid>/task/<tid>/children.
std::vector<pid_t> Descendants(pid_t root);

// The value of `name` in the environment `pid` was started with; empty when unset or unreadable
// (the process is gone, or belongs to someone else).
std::string StartEnvironmentValue(pid_t pid, std::string_view name);

}  // namespace deeprc::agent
