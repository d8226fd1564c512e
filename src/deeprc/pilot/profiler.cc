#include "deeprc/pilot/profiler.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace deeprc::pilot {

Result<std::unique_ptr<Profiler>> Profiler::Open(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return Status::IOError("cannot open profile '", path, "': ", std::strerror(errno));
  std::setvbuf(file, nullptr, _IOFBF, 1 << 16);
  return std::unique_ptr<Profiler>(new Profiler(path, file));
}

Profiler::~Profiler() { std::fclose(file_); }

void Profiler::Record(double time, std::string_view event, std::string_view uid, std::string_view state,
                      std::string_view detail) {
  std::lock_guard lock(mutex_);
  std::fprintf(file_, "%.6f,%.*s,%.*s,%.*s,%.*s\n", time, static_cast<int>(event.size()), event.data(),
               static_cast<int>(uid.size()), uid.data(), static_cast<int>(state.size()), state.data(),
               static_cast<int>(detail.size()), detail.data());
}

void Profiler::Flush() {
  std::lock_guard lock(mutex_);
  std::fflush(file_);
}

Result<std::vector<ProfileEvent>> ReadProfile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Status::IOError("cannot open profile '", path, "'");
  std::vector<ProfileEvent> events;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty()) continue;
    ProfileEvent event;
    size_t begin = 0;
    std::string* fields[] = {nullptr, &event.event, &event.uid, &event.state};
    for (int i = 0; i < 4; ++i) {
      size_t comma = line.find(',', begin);
      if (comma == std::string::npos) return Status::Invalid(path, ":", number, ": malformed profile line");
      std::string field = line.substr(begin, comma - begin);
      if (i == 0) {
        try {
          event.time = std::stod(field);
        } catch (const std::exception&) {
          return Status::Invalid(path, ":", number, ": bad time '", field, "'");
        }
      } else {
        *fields[i] = std::move(field);
      }
      begin = comma + 1;
    }
    event.detail = line.substr(begin);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace deeprc::pilot
