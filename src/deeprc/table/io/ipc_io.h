// Arrow IPC reading and writing, in the file (random access, .arrow/.feather) and stream formats.
// Tables pass between pipeline stages this way.
#pragma once

#include <string>

#include "deeprc/table/table.h"

namespace deeprc::table {

Result<Table> ReadIpcFile(const std::string& path);
Status WriteIpcFile(const Table& table, const std::string& path);
Result<Table> ReadIpcStream(const std::string& path);
Status WriteIpcStream(const Table& table, const std::string& path);

}  // namespace deeprc::table
