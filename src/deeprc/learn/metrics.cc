#include "deeprc/learn/metrics.h"

#include <cmath>
#include <limits>

namespace deeprc::learn {

ForecastMetrics ComputeMetrics(std::span<const float> prediction, std::span<const float> truth) {
  // Sums in double: a test set holds millions of float points, and float sums lose the digits
  // that distinguish two models.
  double abs_sum = 0, sq_sum = 0, truth_sum = 0, ape_sum = 0, sape_sum = 0;
  int64_t count = 0, ape_count = 0, sape_count = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const double y = truth[i];
    const double y_hat = prediction[i];
    if (std::isnan(y)) continue;
    const double error = std::abs(y - y_hat);
    abs_sum += error;
    sq_sum += error * error;
    truth_sum += y;
    ++count;
    if (y != 0) {
      ape_sum += error / std::abs(y);
      ++ape_count;
    }
    const double denominator = std::abs(y) + std::abs(y_hat);
    if (denominator != 0) {
      sape_sum += 2 * error / denominator;
      ++sape_count;
    }
  }
  ForecastMetrics metrics;
  metrics.count = count;
  if (count == 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    metrics.mae = metrics.mse = metrics.rmse = metrics.mape = metrics.smape = metrics.nse = metrics.nnse =
        nan;
    return metrics;
  }
  metrics.mae = abs_sum / count;
  metrics.mse = sq_sum / count;
  metrics.rmse = std::sqrt(metrics.mse);
  metrics.mape = ape_count ? ape_sum / ape_count : std::numeric_limits<double>::quiet_NaN();
  metrics.smape = sape_count ? sape_sum / sape_count : std::numeric_limits<double>::quiet_NaN();
  const double mean = truth_sum / count;
  double variance_sum = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (std::isnan(truth[i])) continue;
    const double deviation = truth[i] - mean;
    variance_sum += deviation * deviation;
  }
  metrics.nse = variance_sum > 0 ? 1 - sq_sum / variance_sum : std::numeric_limits<double>::quiet_NaN();
  metrics.nnse = 1 / (2 - metrics.nse);
  return metrics;
}

nlohmann::json ToJson(const ForecastMetrics& metrics) {
  // JSON has no NaN: a metric that is undefined for the data (MAPE of all-zero truths) is null.
  auto value = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  return {{"mae", value(metrics.mae)},   {"mse", value(metrics.mse)},     {"rmse", value(metrics.rmse)},
          {"mape", value(metrics.mape)}, {"smape", value(metrics.smape)}, {"nse", value(metrics.nse)},
          {"nnse", value(metrics.nnse)}, {"count", metrics.count}};
}

}  // namespace deeprc::learn
