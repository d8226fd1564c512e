#include "deeprc/table/io/ipc_io.h"

#include <arrow/io/api.h>
#include <arrow/ipc/api.h>

#include "deeprc/core/atomic_file.h"
#include "deeprc/table/io/input_file.h"

namespace deeprc::table {
namespace {

// OpenInputFile's errors name the file and say why; format errors get the path in front.
template <typename Reader>
Result<Table> ReadAll(const std::string& path) {
  DEEPRC_ASSIGN_OR_RETURN(auto input, OpenInputFile(path));
  DEEPRC_ASSIGN_OR_RETURN(auto reader, WithContext(Reader::Open(input), path, ": "));
  DEEPRC_ASSIGN_OR_RETURN(auto table, WithContext(reader->ToTable(), path, ": "));
  // IPC buffers are taken as they are on disk: offsets, lengths and UTF-8 are checked here, so
  // a malformed file is this error rather than a crash in whichever operator reads it next.
  DEEPRC_RETURN_NOT_OK(WithContext(table->ValidateFull(), path, ": invalid Arrow IPC data: "));
  return Table(std::move(table));
}

template <typename MakeWriter>
Status WriteAll(const Table& table, const std::string& path, MakeWriter make_writer) {
  return WriteFileAtomically(path, [&](const std::string& temporary) -> Status {
    DEEPRC_ASSIGN_OR_RETURN(auto output, arrow::io::FileOutputStream::Open(temporary));
    DEEPRC_ASSIGN_OR_RETURN(auto writer, WithContext(make_writer(output, table.schema()), path, ": "));
    DEEPRC_RETURN_NOT_OK(WithContext(writer->WriteTable(*table.arrow()), path, ": "));
    DEEPRC_RETURN_NOT_OK(WithContext(writer->Close(), path, ": "));
    return output->Close();
  });
}

}  // namespace

Result<Table> ReadIpcFile(const std::string& path) {
  return ReadAll<arrow::ipc::RecordBatchFileReader>(path);
}

Result<Table> ReadIpcStream(const std::string& path) {
  return ReadAll<arrow::ipc::RecordBatchStreamReader>(path);
}

Status WriteIpcFile(const Table& table, const std::string& path) {
  return WriteAll(table, path, [](const auto& output, const auto& schema) {
    return arrow::ipc::MakeFileWriter(output, schema);
  });
}

Status WriteIpcStream(const Table& table, const std::string& path) {
  return WriteAll(table, path, [](const auto& output, const auto& schema) {
    return arrow::ipc::MakeStreamWriter(output, schema);
  });
}

}  // namespace deeprc::table
