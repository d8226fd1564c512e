// The fuzz targets of the file readers: deeprc reads tables from paths, so each input is written
// to one scratch file per process and read back through the same entry points the CLI uses.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace deeprc::fuzz {

// Writes `data` to $TMPDIR/deeprc-fuzz-<pid>.<extension> (replaced on every call) and returns its
// path; the extension is the one ReadTable dispatches on.
inline std::string WriteScratchFile(const uint8_t* data, size_t size, const std::string& extension) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/deeprc-fuzz-" +
                           std::to_string(::getpid()) + "." + extension;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();  // the harness, not deeprc, is broken: stop the run
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

}  // namespace deeprc::fuzz
