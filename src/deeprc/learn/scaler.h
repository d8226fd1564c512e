// Scalers fitted on training rows only and applied to all rows, so that validation and test data
// never leak into the statistics; the parameters are kept to map forecasts back.
#pragma once

#include <arrow/type_fwd.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc::learn {

enum class ScalerKind {
  kStandard,  // (x - mean) / std
  kRobust,    // (x - median) / IQR: outliers move neither statistic
  kIdentity,  // x
};

Result<ScalerKind> ParseScalerKind(std::string_view name);  // "standard", "robust", "identity"
std::string_view ToString(ScalerKind kind);

// x -> (x - center) / scale.
struct Scaler {
  ScalerKind kind = ScalerKind::kIdentity;
  double center = 0;
  double scale = 1;

  // Statistics of `training_values` (NaN skipped). A constant or empty column gets scale 1, so
  // it maps to zeros instead of NaN.
  static Scaler Fit(ScalerKind kind, std::span<const double> training_values);

  double Apply(double x) const { return (x - center) / scale; }
  double Invert(double y) const { return y * scale + center; }
  nlohmann::json ToJson() const;
};

// A numeric column fitted on its rows [0, fit_rows) and scaled in full into float32 (nulls stay
// null). The error names the column when it is not numeric or has fewer than fit_rows rows.
Result<std::shared_ptr<arrow::Array>> FitAndScale(const std::shared_ptr<arrow::ChunkedArray>& column,
                                                  const std::string& name, ScalerKind kind, int64_t fit_rows,
                                                  Scaler* fitted);

}  // namespace deeprc::learn
