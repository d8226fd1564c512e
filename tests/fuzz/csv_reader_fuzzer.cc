// Fuzzes ReadCsv as `deeprc table` calls it: the default engine (deeprc's single-pass reader,
// Arrow's when it declines) and the fast engine alone. Any input must give a table or an error.
// In one thread: a fuzz input is far below the size at which either reader splits the file, and
// handing each one to a thread pool cut the runs per second tenfold.
#include <cstddef>
#include <cstdint>

#include "deeprc/table/io/csv_io.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = deeprc::fuzz::WriteScratchFile(data, size, "csv");
  deeprc::table::CsvReadOptions options;
  options.use_threads = false;
  (void)deeprc::table::ReadCsv(path, options);
  options.engine = deeprc::table::CsvEngine::kFast;
  (void)deeprc::table::ReadCsv(path, options);
  return 0;
}
