// Forecast accuracy metrics over paired predictions and truths, on whatever scale they are given:
// the numbers that reports, benchmarks and the paper's tables quote.
#pragma once

#include <nlohmann/json.hpp>

#include <span>

namespace deeprc::learn {

struct ForecastMetrics {
  double mae = 0;     // mean |y - ŷ|
  double mse = 0;     // mean (y - ŷ)²
  double rmse = 0;    // sqrt(mse)
  double mape = 0;    // mean |y - ŷ| / |y| over the points where y != 0, as a fraction
  double smape = 0;   // mean 2|y - ŷ| / (|y| + |ŷ|) over the points where the denominator != 0
  double nse = 0;     // Nash–Sutcliffe efficiency: 1 - Σ(y - ŷ)² / Σ(y - ȳ)²; 1 is perfect
  double nnse = 0;    // normalised NSE, 1 / (2 - NSE), in (0, 1]
  int64_t count = 0;  // points compared (NaN truths are skipped: missing observations)
};

// Metrics over `prediction[i]` against `truth[i]`; the spans have the same length.
ForecastMetrics ComputeMetrics(std::span<const float> prediction, std::span<const float> truth);

nlohmann::json ToJson(const ForecastMetrics& metrics);

}  // namespace deeprc::learn
