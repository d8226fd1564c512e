// Opens a table file for reading with an error that says why it cannot be opened (no such file,
// permission denied, a directory), naming the path: Arrow keeps the reason in a detail that
// Status::message() leaves out, so "Failed to open local file" reached the user alone.
#pragma once

#include <arrow/io/file.h>

#include <memory>
#include <string>

#include "deeprc/core/status.h"

namespace deeprc::table {

Result<std::shared_ptr<arrow::io::ReadableFile>> OpenInputFile(const std::string& path);

}  // namespace deeprc::table
