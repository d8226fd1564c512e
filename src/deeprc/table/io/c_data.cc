#include "deeprc/table/io/c_data.h"

#include <arrow/c/bridge.h>

namespace deeprc::table {

Status ExportTable(const Table& table, ArrowArrayStream* out) {
  auto reader = std::make_shared<arrow::TableBatchReader>(table.arrow());
  return arrow::ExportRecordBatchReader(std::move(reader), out);
}

Result<Table> ImportTable(ArrowArrayStream* stream) {
  DEEPRC_ASSIGN_OR_RETURN(auto reader, arrow::ImportRecordBatchReader(stream));
  DEEPRC_ASSIGN_OR_RETURN(auto table, reader->ToTable());
  return Table(std::move(table));
}

Status ExportRecordBatch(const arrow::RecordBatch& batch, ArrowSchema* schema, ArrowArray* array) {
  return arrow::ExportRecordBatch(batch, array, schema);
}

Result<std::shared_ptr<arrow::RecordBatch>> ImportRecordBatch(ArrowSchema* schema, ArrowArray* array) {
  return arrow::ImportRecordBatch(array, schema);
}

}  // namespace deeprc::table
