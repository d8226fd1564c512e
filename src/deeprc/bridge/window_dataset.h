// Sliding forecasting windows over a table without copying it: the dataset holds one zero-copy
// tensor per used column and knows where each window starts; collation copies only the batch.
#pragma once

#include <arrow/type_fwd.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "deeprc/bridge/column_tensor.h"
#include "deeprc/bridge/window_batch.h"
#include "deeprc/core/status.h"

namespace deeprc::bridge {

struct WindowSpec {
  std::vector<std::string> target_columns;     // at least one
  std::vector<std::string> hist_exog_columns;  // observed up to the forecast
  std::vector<std::string> futr_exog_columns;  // known over the horizon too
  // Rows with the same id form one series; a series' rows must be contiguous and in time order
  // (the error names the first row that breaks this). Empty: the whole table is one series.
  std::string id_column;
  int64_t input_size = 0;
  int64_t horizon = 0;
  int64_t step = 1;  // rows between the starts of consecutive windows of a series
  // Which forecasts the dataset holds, in rows relative to each series' first row: the first
  // forecast row lies in [forecast_begin, forecast_end - horizon]. Windows never start before the
  // series (forecast_begin is raised to input_size). forecast_end < 0 means the series' end. The
  // long-horizon protocol's validation and test sets are forecast ranges whose inputs reach back
  // into the rows before them.
  int64_t forecast_begin = 0;
  int64_t forecast_end = -1;
};

class WindowDataset {
 public:
  // Errors name the column or row at fault: a missing or non-numeric column, input_size or
  // horizon < 1, an id column whose series are not contiguous.
  static Result<std::shared_ptr<WindowDataset>> Make(std::shared_ptr<arrow::Table> table, WindowSpec spec,
                                                     CopyCounter* counter = nullptr);

  const WindowSpec& spec() const { return spec_; }
  int64_t size() const;  // windows over all series
  int64_t num_series() const { return static_cast<int64_t>(series_begin_.size()); }
  // The id of series `s` as text (its first row's id column value), "" without an id column.
  const std::string& series_id(int64_t s) const { return series_ids_[s]; }
  int64_t series_begin_row(int64_t s) const { return series_begin_[s]; }

  struct Location {
    int64_t series;
    int64_t forecast_row;  // table row of the first forecast row; inputs are the input_size before it
  };
  Location Locate(int64_t window) const;

  // The target column `target` over window `window`'s input and forecast rows, as a view into the
  // table's memory (no copy): input_size + horizon values.
  torch::Tensor TargetView(int64_t window, int target = 0) const;

  // Copies windows `windows` (each in [0, size())) into `batch`'s contiguous float32 tensors
  // (allocated when undefined or of the wrong shape, in pinned memory when `pin_memory` and CUDA is
  // available). A failed allocation throws c10::Error: WindowLoader turns it into its status().
  void Collate(std::span<const int64_t> windows, WindowBatch* batch, bool pin_memory = false) const;

 private:
  WindowDataset() = default;

  std::shared_ptr<arrow::Table> table_;
  WindowSpec spec_;
  std::vector<torch::Tensor> targets_, hist_exog_, futr_exog_;  // one zero-copy tensor per column

  std::vector<int64_t> series_begin_;    // first table row of each series
  std::vector<int64_t> window_offset_;   // cumulative windows before each series (size num_series+1)
  std::vector<int64_t> first_forecast_;  // first forecast row (relative) of each series' first window
  std::vector<std::string> series_ids_;
};

}  // namespace deeprc::bridge
