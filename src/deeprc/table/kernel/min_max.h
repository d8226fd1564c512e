// The minimum and maximum of a run of integer values at memory speed.
//
// A plain loop of std::min / std::max compiles to two chains of compare + cmov, one cycle per
// value each: 7.9 ms for 10M int64 values, where reading them takes 4 ms. Eight independent
// lanes break the chains (and let the compiler vectorize where the target has the instructions):
// 4.6 ms. Group-by and sort both scan their key's range first, so this is a visible share of
// their time.
#pragma once

#include <algorithm>
#include <cstdint>

namespace deeprc::table {

// Lowers *lo and raises *hi to cover values[0, n).
template <typename T>
void UpdateMinMax(const T* values, int64_t n, T* lo, T* hi) {
  constexpr int kLanes = 8;
  T lows[kLanes], highs[kLanes];
  std::fill(lows, lows + kLanes, *lo);
  std::fill(highs, highs + kLanes, *hi);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) {
      lows[lane] = std::min(lows[lane], values[i + lane]);
      highs[lane] = std::max(highs[lane], values[i + lane]);
    }
  }
  for (; i < n; ++i) {
    lows[0] = std::min(lows[0], values[i]);
    highs[0] = std::max(highs[0], values[i]);
  }
  *lo = *std::min_element(lows, lows + kLanes);
  *hi = *std::max_element(highs, highs + kLanes);
}

}  // namespace deeprc::table
