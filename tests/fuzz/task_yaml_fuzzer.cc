// Fuzzes the task-file reader of `deeprc tasks`: any text must give task descriptions or an
// error naming the line, never a throw or a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "deeprc/pilot/task_description_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)deeprc::pilot::ParseTaskDescriptions(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  return 0;
}
