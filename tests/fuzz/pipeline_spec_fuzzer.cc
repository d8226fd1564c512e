// Fuzzes the pipeline-spec reader of `deeprc run`: any text must give a checked spec or an error
// naming the line, never a throw or a crash. Relative paths resolve in a folder that does not exist.
#include <cstddef>
#include <cstdint>
#include <string>

#include "deeprc/pipeline/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)deeprc::pipeline::ParseSpec(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml",
                                    "/nonexistent-deeprc-fuzz");
  return 0;
}
