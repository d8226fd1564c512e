// Where a program is: this process's own binary, deeprc's other programs (found beside it), and
// what posix_spawnp would run, found before anything is spawned so a missing one is a clear error.
#pragma once

#include <string>

namespace deeprc {

// `program` itself when it names a path (has a '/') that is executable, else the first executable
// `program` on $PATH; empty when there is none.
std::string FindExecutable(const std::string& program);

// The path of this process's binary (/proc/self/exe), or `fallback` (a caller's argv[0], or a
// program name to find on $PATH) where that cannot be read.
std::string SelfExecutable(const std::string& fallback = "");

// One of deeprc's programs: the description's own choice (`configured`), the environment variable
// `variable`, `name` next to this process's binary, or `name` itself for posix_spawnp to find on
// $PATH, in that order. The agent is one (DEEPRC_AGENT, deeprc-agent); the agent's function pool
// another (DEEPRC_POOL, deeprc-raptor).
std::string FindProgram(const std::string& configured, const char* variable, const std::string& name);

}  // namespace deeprc
