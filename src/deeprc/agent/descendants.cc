#include "deeprc/agent/descendants.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace deeprc::agent {
namespace {

// The whole of a small /proc file (they report a size of 0, so read until end of file).
std::string ReadProcFile(const std::string& path) {
  std::string text;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

// The parent id from "pid (comm) state ppid ...", or -1 for a process already dead (a zombie
// has no children left and cannot be killed): comm may hold spaces and parentheses, so parse
// after the last ')'.
pid_t LiveParentOf(const std::string& stat) {
  const size_t end = stat.rfind(')');
  if (end == std::string::npos || end + 4 >= stat.size()) return -1;
  const char state = stat[end + 2];
  if (state == 'Z' || state == 'X') return -1;
  return static_cast<pid_t>(std::strtol(stat.c_str() + end + 4, nullptr, 10));
}

}  // namespace

Status BecomeSubreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return Status::IOError("cannot make the agent a child subreaper: ", std::strerror(errno));
  }
  return Status::OK();
}

std::vector<pid_t> Descendants(pid_t root) {
  std::unordered_map<pid_t, std::vector<pid_t>> children;
  size_t processes = 0;
  if (DIR* proc = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(proc)) {
      char* end = nullptr;
      const long pid = std::strtol(entry->d_name, &end, 10);
      if (pid <= 0 || *end != '\0') continue;
      const pid_t parent = LiveParentOf(ReadProcFile("/proc/" + std::string(entry->d_name) + "/stat"));
      if (parent <= 0) continue;
      children[parent].push_back(static_cast<pid_t>(pid));
      ++processes;
    }
    ::closedir(proc);
  }
  std::vector<pid_t> found;
  std::vector<pid_t> pending = {root};
  // A snapshot read while processes come and go could, with reused pids, hold a loop: stop at the
  // number of processes seen.
  while (!pending.empty() && found.size() <= processes) {
    const pid_t pid = pending.back();
    pending.pop_back();
    auto below = children.find(pid);
    if (below == children.end()) continue;
    for (pid_t child : below->second) {
      found.push_back(child);
      pending.push_back(child);
    }
  }
  return found;
}

std::string StartEnvironmentValue(pid_t pid, std::string_view name) {
  const std::string environment = ReadProcFile("/proc/" + std::to_string(pid) + "/environ");
  for (size_t begin = 0; begin < environment.size();) {
    size_t end = environment.find('\0', begin);
    if (end == std::string::npos) end = environment.size();
    std::string_view entry(environment.data() + begin, end - begin);
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
    begin = end + 1;
  }
  return {};
}

}  // namespace deeprc::agent
