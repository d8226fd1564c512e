#include "deeprc/core/executable.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace deeprc {

std::string FindExecutable(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string SelfExecutable(const std::string& fallback) {
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? fallback : self.string();
}

std::string FindProgram(const std::string& configured, const char* variable, const std::string& name) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv(variable); env != nullptr && *env != '\0') return env;
  if (const std::string self = SelfExecutable(); !self.empty()) {
    const auto sibling = std::filesystem::path(self).parent_path() / name;
    std::error_code error;
    if (std::filesystem::exists(sibling, error)) return sibling.string();
  }
  return name;
}

}  // namespace deeprc
