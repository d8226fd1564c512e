// Exact per-group quantiles for GroupBy: Arrow's hash_tdigest and hash_approximate_median are
// approximations, and a group-by median must equal what pandas or SQL's percentile_cont give.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::table {

// For each q in `quantiles`, a float64 array of `num_groups` rows: row g is the q-quantile of the
// values whose row has group id g in `group_ids` (one id per value). Nulls and NaNs are skipped;
// a group with no value left gets null. The quantile interpolates linearly between the values of
// ranks floor(q * (n - 1)) and the next, as pandas and numpy do by default. `values` must be
// numeric; it is read as float64, as pandas does.
Result<std::vector<std::shared_ptr<arrow::Array>>> GroupedQuantiles(
    const std::shared_ptr<arrow::ChunkedArray>& values, const std::vector<uint32_t>& group_ids,
    uint32_t num_groups, const std::vector<double>& quantiles);

}  // namespace deeprc::table
