#include "deeprc/learn/data/ett.h"

#include <arrow/api.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <numbers>
#include <random>

#include "deeprc/core/atomic_file.h"
#include "deeprc/core/logging.h"
#include "deeprc/table/io/csv_io.h"
#include "deeprc/table/io/file_format.h"

namespace deeprc::learn {

namespace {

// The protocol's boundaries, or the same 60/20/20 proportions for a file shorter than them.
ProtocolSplits SplitsFor(int64_t rows, const ProtocolSplits& protocol) {
  if (rows >= protocol.test_end) return protocol;
  ProtocolSplits scaled;
  scaled.train_end = rows * 6 / 10;
  scaled.val_end = rows * 8 / 10;
  scaled.test_end = rows;
  return scaled;
}

}  // namespace

Result<SeriesTable> LoadEtt(const std::string& path, const EttOptions& options) {
  table::Table wide;
  DEEPRC_ASSIGN_OR_RETURN(table::FileFormat format, table::FileFormatFromPath(path));
  if (format == table::FileFormat::kCsv) {
    table::CsvReadOptions csv;
    csv.column_types["date"] = arrow::timestamp(arrow::TimeUnit::SECOND);
    DEEPRC_ASSIGN_OR_RETURN(wide, table::ReadCsv(path, csv));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(wide, table::ReadTable(path));
  }
  DEEPRC_ASSIGN_OR_RETURN(wide, wide.CombineChunks());
  DEEPRC_ASSIGN_OR_RETURN(auto dates, WithContext(wide.Column("date"), path, ": "));
  if (dates->type()->id() != arrow::Type::TIMESTAMP) {
    return Status::TypeError(path, ": column 'date' is ", dates->type()->ToString(), ", expected a timestamp");
  }

  std::vector<std::string> series = options.targets;
  if (series.empty()) {
    for (const auto& field : wide.schema()->fields()) {
      if (field->name() != "date" && is_numeric(field->type()->id())) series.push_back(field->name());
    }
  }
  if (series.empty()) return Status::Invalid(path, ": no numeric columns to forecast");

  SeriesTable result;
  result.splits = SplitsFor(wide.num_rows(), options.splits);
  result.series_length = result.splits.test_end;
  if (result.splits.train_end < 2) {
    return Status::Invalid(path, ": ", wide.num_rows(),
                           " rows are too few to split into train, validation and test");
  }
  const int64_t length = result.series_length;

  // Long format: the series one after another, so each is a contiguous run of rows and every
  // column the window dataset reads is one zero-copy buffer.
  arrow::ArrayVector ids, timestamps, values;
  for (const std::string& name : series) {
    DEEPRC_ASSIGN_OR_RETURN(auto column, WithContext(wide.Column(name), path, ": "));
    Scaler scaler;
    DEEPRC_ASSIGN_OR_RETURN(auto scaled,
                            WithContext(FitAndScale(column->Slice(0, length), name, options.scaler,
                                                    result.splits.train_end, &scaler),
                                        path, ": "));
    values.push_back(scaled);
    result.scalers.push_back(scaler);
    const auto protocol_dates = dates->Slice(0, length);  // named: a range-for would not keep it alive
    for (const auto& chunk : protocol_dates->chunks()) timestamps.push_back(chunk);
    arrow::StringBuilder id_builder;
    DEEPRC_RETURN_NOT_OK(id_builder.Reserve(length));
    DEEPRC_RETURN_NOT_OK(id_builder.ReserveData(length * static_cast<int64_t>(name.size())));
    for (int64_t i = 0; i < length; ++i) id_builder.UnsafeAppend(name);
    DEEPRC_ASSIGN_OR_RETURN(auto id_array, id_builder.Finish());
    ids.push_back(id_array);
  }
  result.series = series;
  DEEPRC_ASSIGN_OR_RETURN(auto id_column, arrow::Concatenate(ids));
  DEEPRC_ASSIGN_OR_RETURN(auto ds_column, arrow::Concatenate(timestamps));
  DEEPRC_ASSIGN_OR_RETURN(auto y_column, arrow::Concatenate(values));
  auto schema = arrow::schema({arrow::field("unique_id", arrow::utf8()), arrow::field("ds", dates->type()),
                               arrow::field("y", arrow::float32())});
  result.table = arrow::Table::Make(schema, {id_column, ds_column, y_column});
  spdlog::debug("{}: {} series of {} rows, splits {}/{}/{}", path, series.size(), length,
                result.splits.train_end, result.splits.val_end, result.splits.test_end);
  return result;
}

namespace {

// The generator itself, writing `path` directly (WriteSyntheticEtt gives it a temporary file).
Status WriteSyntheticEttTo(const std::string& path, int64_t rows, uint64_t seed) {
  std::ofstream out(path);
  if (!out) return Status::IOError("cannot write ", path);
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  constexpr double kTwoPi = 2 * std::numbers::pi;
  constexpr std::time_t kStart = 1467331200;  // 2016-07-01 00:00:00 UTC, ETTh1's first row
  static const char* kLoads[] = {"HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"};
  out << "date";
  for (const char* name : kLoads) out << ',' << name;
  out << ",OT\n";
  double lagged_load = 0;
  char date[32];
  for (int64_t t = 0; t < rows; ++t) {
    const std::time_t when = kStart + t * 3600;
    std::tm utc{};
    gmtime_r(&when, &utc);
    std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &utc);
    out << date;
    const double daily = std::sin(kTwoPi * t / 24);
    const double weekly = std::sin(kTwoPi * t / (24 * 7));
    double load_sum = 0;
    for (int i = 0; i < 6; ++i) {
      const double load = 5 + 2 * daily * (1 + 0.1 * i) + weekly + 0.3 * noise(generator);
      load_sum += load;
      out << ',' << std::round(load * 1000) / 1000;
    }
    // The oil heats with the loads of the past hours and the season, as a transformer's does.
    lagged_load = 0.9 * lagged_load + 0.1 * (load_sum / 6);
    const double oil = 12 + 8 * std::sin(kTwoPi * t / (24 * 365)) + 1.5 * lagged_load + 3 * daily +
                       0.01 * t / 24 + 0.5 * noise(generator);
    out << ',' << std::round(oil * 1000) / 1000 << '\n';
  }
  out.close();
  if (!out) return Status::IOError("writing ", path, " failed");
  return Status::OK();
}

}  // namespace

Status WriteSyntheticEtt(const std::string& path, int64_t rows, uint64_t seed) {
  if (rows < 1) return Status::Invalid("rows must be a whole number >= 1, got ", rows);
  return WriteFileAtomically(path, [&](const std::string& temporary) -> Status {
    return WriteSyntheticEttTo(temporary, rows, seed);
  });
}

}  // namespace deeprc::learn
