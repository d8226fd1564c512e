// Fuzzes ReadTable on a .parquet file: any bytes must give a valid table or an error.
#include <cstddef>
#include <cstdint>

#include "deeprc/table/io/file_format.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto table = deeprc::table::ReadTable(deeprc::fuzz::WriteScratchFile(data, size, "parquet"));
  // What ReadTable returns must be safe to use: a malformed file is an error, not a crash later.
  if (table.ok() && !table->arrow()->ValidateFull().ok()) __builtin_trap();
  return 0;
}
