// Reads and writes a table in the format its file extension names: .csv, .parquet,
// .arrow/.feather/.ipc (IPC file) and .arrows (IPC stream). The CLI and pipelines use this.
#pragma once

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

enum class FileFormat { kCsv, kParquet, kIpcFile, kIpcStream };

Result<FileFormat> FileFormatFromPath(const std::string& path);
Result<Table> ReadTable(const std::string& path);
Status WriteTable(const Table& table, const std::string& path);

}  // namespace deeprc::table
