// Fuzzes ReadTable on Arrow IPC files (.arrow) and streams (.arrows): any bytes must give a valid
// table or an error.
#include <cstddef>
#include <cstdint>

#include "deeprc/table/io/file_format.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const char* extension : {"arrow", "arrows"}) {
    auto table = deeprc::table::ReadTable(deeprc::fuzz::WriteScratchFile(data, size, extension));
    if (table.ok() && !table->arrow()->ValidateFull().ok()) __builtin_trap();
  }
  return 0;
}
