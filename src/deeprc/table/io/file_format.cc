#include "deeprc/table/io/file_format.h"

#include <filesystem>

#include "deeprc/table/io/csv_io.h"
#include "deeprc/table/io/ipc_io.h"
#include "deeprc/table/io/parquet_io.h"

namespace deeprc::table {

Result<FileFormat> FileFormatFromPath(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".csv") return FileFormat::kCsv;
  if (extension == ".parquet" || extension == ".pq") return FileFormat::kParquet;
  if (extension == ".arrow" || extension == ".feather" || extension == ".ipc") return FileFormat::kIpcFile;
  if (extension == ".arrows") return FileFormat::kIpcStream;
  return Status::Invalid(path, ": unknown table format '", extension,
                         "'; use .csv, .parquet, .arrow, .feather or .arrows");
}

Result<Table> ReadTable(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(FileFormat format, FileFormatFromPath(path));
  switch (format) {
    case FileFormat::kCsv: return ReadCsv(path);
    case FileFormat::kParquet: return ReadParquet(path);
    case FileFormat::kIpcFile: return ReadIpcFile(path);
    case FileFormat::kIpcStream: return ReadIpcStream(path);
  }
  return Status::UnknownError("unreachable");
}

Status WriteTable(const Table& table, const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(FileFormat format, FileFormatFromPath(path));
  switch (format) {
    case FileFormat::kCsv: return WriteCsv(table, path);
    case FileFormat::kParquet: return WriteParquet(table, path);
    case FileFormat::kIpcFile: return WriteIpcFile(table, path);
    case FileFormat::kIpcStream: return WriteIpcStream(table, path);
  }
  return Status::UnknownError("unreachable");
}

}  // namespace deeprc::table
