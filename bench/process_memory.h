// What the benchmark programs share: this process's resident memory now and at its peak, the
// measurement the Python peers make too (VmRSS and VmHWM of /proc/self/status).
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace deeprc::bench {

struct Memory {
  int64_t rss_bytes = 0;
  int64_t hwm_bytes = 0;
};

inline Memory ReadMemory() {
  Memory memory;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    long long kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kb) == 1) memory.rss_bytes = kb * 1024;
    if (std::sscanf(line.c_str(), "VmHWM: %lld kB", &kb) == 1) memory.hwm_bytes = kb * 1024;
  }
  return memory;
}

}  // namespace deeprc::bench
