#include "deeprc/learn/scaler.h"

#include <arrow/api.h>
#include <arrow/compute/api.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "deeprc/core/enum_names.h"
#include "deeprc/table/kernel/compute.h"

namespace deeprc::learn {

namespace {
constexpr EnumName<ScalerKind> kScalerNames[] = {{ScalerKind::kStandard, "standard"},
                                                 {ScalerKind::kRobust, "robust"},
                                                 {ScalerKind::kIdentity, "identity"}};
}  // namespace

Result<ScalerKind> ParseScalerKind(std::string_view name) { return ParseEnum(kScalerNames, name, "scaler"); }

std::string_view ToString(ScalerKind kind) { return NameOf(kScalerNames, kind); }

namespace {

// Linear interpolation between order statistics, as numpy's default quantile.
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

Scaler Scaler::Fit(ScalerKind kind, std::span<const double> training_values) {
  Scaler scaler;
  scaler.kind = kind;
  std::vector<double> values;
  values.reserve(training_values.size());
  for (double x : training_values) {
    if (!std::isnan(x)) values.push_back(x);
  }
  if (kind == ScalerKind::kIdentity || values.empty()) return scaler;
  if (kind == ScalerKind::kStandard) {
    double sum = 0;
    for (double x : values) sum += x;
    const double mean = sum / static_cast<double>(values.size());
    double squares = 0;
    for (double x : values) squares += (x - mean) * (x - mean);
    // Population std, as scikit-learn's StandardScaler that the ETT protocol uses.
    const double std = std::sqrt(squares / static_cast<double>(values.size()));
    scaler.center = mean;
    scaler.scale = std > 0 ? std : 1;
  } else {
    std::sort(values.begin(), values.end());
    const double iqr = Quantile(values, 0.75) - Quantile(values, 0.25);
    scaler.center = Quantile(values, 0.5);
    scaler.scale = iqr > 0 ? iqr : 1;
  }
  return scaler;
}

nlohmann::json Scaler::ToJson() const {
  return {{"kind", std::string(ToString(kind))}, {"center", center}, {"scale", scale}};
}

Result<std::shared_ptr<arrow::Array>> FitAndScale(const std::shared_ptr<arrow::ChunkedArray>& column,
                                                  const std::string& name, ScalerKind kind, int64_t fit_rows,
                                                  Scaler* fitted) {
  if (!is_numeric(column->type()->id())) {
    return Status::TypeError("column '", name, "' is ", column->type()->ToString(),
                             ", a scaler needs numbers");
  }
  if (column->length() < fit_rows) {
    return Status::Invalid("column '", name, "' has ", column->length(),
                           " rows, the scaler is fitted on the first ", fit_rows);
  }
  DEEPRC_RETURN_NOT_OK(table::EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(auto as_double, arrow::compute::Cast(column, arrow::float64()));
  DEEPRC_ASSIGN_OR_RETURN(auto combined, arrow::Concatenate(as_double.chunked_array()->chunks()));
  const auto& values = static_cast<const arrow::DoubleArray&>(*combined);
  std::vector<double> training(fit_rows);
  for (int64_t i = 0; i < fit_rows; ++i) {
    training[i] = values.IsNull(i) ? std::nan("") : values.Value(i);
  }
  *fitted = Scaler::Fit(kind, training);
  arrow::FloatBuilder builder;
  DEEPRC_RETURN_NOT_OK(builder.Reserve(values.length()));
  for (int64_t i = 0; i < values.length(); ++i) {
    if (values.IsNull(i)) {
      builder.UnsafeAppendNull();
    } else {
      builder.UnsafeAppend(static_cast<float>(fitted->Apply(values.Value(i))));
    }
  }
  return builder.Finish();
}

}  // namespace deeprc::learn
