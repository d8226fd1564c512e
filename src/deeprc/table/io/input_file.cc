#include "deeprc/table/io/input_file.h"

#include <arrow/util/io_util.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace deeprc::table {

Result<std::shared_ptr<arrow::io::ReadableFile>> OpenInputFile(const std::string& path) {
  auto file = arrow::io::ReadableFile::Open(path);
  if (file.ok()) return file;
  const Status& status = file.status();
  // The errno Arrow recorded, in the words of the C library; Arrow refuses a folder itself, without
  // one; anything else in Arrow's own words.
  int error = arrow::internal::ErrnoFromStatus(status);
  std::error_code ignored;
  if (error == 0 && std::filesystem::is_directory(path, ignored)) error = EISDIR;
  const std::string why = error != 0 ? std::generic_category().message(error) : status.message();
  return Status(status.code(), "cannot read '" + path + "': " + why);
}

}  // namespace deeprc::table
