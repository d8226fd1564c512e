// The ETT data (hourly Electricity Transformer Temperature) under the standard long-horizon
// protocol, and a generator of data in the same format for machines without the real file.
#pragma once

#include <arrow/type_fwd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/core/status.h"
#include "deeprc/learn/scaler.h"

namespace deeprc::learn {

// Row boundaries of the long-horizon protocol: train [0, train_end), validation
// [train_end, val_end), test [val_end, test_end); rows after test_end are not used. Validation and
// test windows take their inputs from the rows before their range.
struct ProtocolSplits {
  int64_t train_end = 8640;  // 12 months of hours
  int64_t val_end = 11520;   // + 4 months
  int64_t test_end = 14400;  // + 4 months
};

struct EttOptions {
  // The columns to forecast, each a series (channel-independent models share weights across
  // them). Empty: every numeric column (multivariate ETT); {"OT"}: the univariate protocol.
  std::vector<std::string> targets;
  ScalerKind scaler = ScalerKind::kStandard;  // fitted per series on the training rows
  ProtocolSplits splits;
};

// A forecasting dataset in long format, one contiguous run of rows per series in time order:
// `unique_id` (string), `ds` (timestamp), `y` (float32, scaled).
struct SeriesTable {
  std::shared_ptr<arrow::Table> table;
  std::vector<std::string> series;  // ids in table order
  std::vector<Scaler> scalers;      // per series, to map forecasts back
  int64_t series_length = 0;        // rows per series
  ProtocolSplits splits;            // the boundaries used, within each series
};

// Reads an ETT-format table (a `date` column and numeric columns) from CSV, Parquet or Arrow IPC,
// by extension. A file shorter than the protocol (synthetic or cut data) is split 60/20/20 in
// the same proportions.
Result<SeriesTable> LoadEtt(const std::string& path, const EttOptions& options = {});

// Writes `rows` hourly rows in ETTh1's format (date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT from
// 2016-07-01 00:00:00): loads with daily and weekly cycles, a slow trend and noise, and an oil
// temperature that follows the loads with a lag. Deterministic for a seed.
Status WriteSyntheticEtt(const std::string& path, int64_t rows = 17420, uint64_t seed = 0);

}  // namespace deeprc::learn
