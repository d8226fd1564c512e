#include "deeprc/table/csv_io.h"

#include <arrow/csv/api.h>
#include <arrow/io/api.h>

namespace deeprc {

Result<Table> ReadCsv(const std::string& path, const CsvReadOptions& options) {
  auto read_options = arrow::csv::ReadOptions::Defaults();
  read_options.use_threads = options.use_threads;
  read_options.autogenerate_column_names = !options.header && options.column_names.empty();
  if (!options.header) read_options.column_names = options.column_names;

  auto parse_options = arrow::csv::ParseOptions::Defaults();
  parse_options.delimiter = options.delimiter;

  auto convert_options = arrow::csv::ConvertOptions::Defaults();
  // As pandas does: an empty or null-marked field is null in string columns too.
  convert_options.strings_can_be_null = true;
  for (const auto& [name, type] : options.column_types) convert_options.column_types[name] = type;
  if (!options.null_values.empty()) {
    convert_options.null_values = options.null_values;
  }

  // Arrow's messages name the row and the column ("Row #5", "In CSV column #2"); we add the file.
  DEEPRC_ASSIGN_OR_RETURN(auto input, arrow::io::ReadableFile::Open(path));
  DEEPRC_ASSIGN_OR_RETURN(auto reader, WithContext(arrow::csv::TableReader::Make(
                                                       arrow::io::default_io_context(), input, read_options,
                                                       parse_options, convert_options),
                                                   path, ": "));
  DEEPRC_ASSIGN_OR_RETURN(auto table, WithContext(reader->Read(), path, ": "));
  return Table(std::move(table));
}

Status WriteCsv(const Table& table, const std::string& path, const CsvWriteOptions& options) {
  auto write_options = arrow::csv::WriteOptions::Defaults();
  write_options.delimiter = options.delimiter;
  write_options.include_header = options.header;
  write_options.null_string = options.null_string;
  DEEPRC_ASSIGN_OR_RETURN(auto output, arrow::io::FileOutputStream::Open(path));
  DEEPRC_RETURN_NOT_OK(WithContext(arrow::csv::WriteCSV(*table.arrow(), write_options, output.get()), path, ": "));
  return output->Close();
}

}  // namespace deeprc
