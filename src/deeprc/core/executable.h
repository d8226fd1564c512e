// Where a program is: what posix_spawnp would run, found before anything is spawned, so a missing
// program is a clear error instead of a launcher waiting for it.
#pragma once

#include <string>

namespace deeprc {

// `program` itself when it names a path (has a '/') that is executable, else the first executable
// `program` on $PATH; empty when there is none.
std::string FindExecutable(const std::string& program);

}  // namespace deeprc
