#include "deeprc/table/groupby/grouped_quantile.h"

#include <arrow/compute/api.h>

#include <algorithm>
#include <cmath>

#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {

Result<std::vector<std::shared_ptr<arrow::Array>>> GroupedQuantiles(
    const std::shared_ptr<arrow::ChunkedArray>& values, const std::vector<uint32_t>& group_ids,
    uint32_t num_groups, const std::vector<double>& quantiles) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (static_cast<size_t>(values->length()) != group_ids.size()) {
    return Status::Invalid("GroupedQuantiles: ", values->length(), " values but ", group_ids.size(),
                           " group ids");
  }
  DEEPRC_ASSIGN_OR_RETURN(
      arrow::Datum cast, arrow::compute::Cast(values, arrow::float64(), arrow::compute::CastOptions::Safe()));
  const auto& doubles = *cast.chunked_array();

  // A counting sort by group puts each group's values in one contiguous run, so that
  // nth_element can find a rank within a group in linear time.
  std::vector<int64_t> offsets(static_cast<size_t>(num_groups) + 1, 0);
  auto for_each_value = [&](auto&& visit) {
    int64_t row = 0;
    for (const auto& chunk : doubles.chunks()) {
      const auto& array = static_cast<const arrow::DoubleArray&>(*chunk);
      for (int64_t i = 0; i < array.length(); ++i, ++row) {
        if (array.IsValid(i) && !std::isnan(array.Value(i))) visit(group_ids[row], array.Value(i));
      }
    }
  };
  for_each_value([&](uint32_t group, double) { ++offsets[group + 1]; });
  for (uint32_t g = 0; g < num_groups; ++g) offsets[g + 1] += offsets[g];
  std::vector<double> sorted(static_cast<size_t>(offsets[num_groups]));
  std::vector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
  for_each_value([&](uint32_t group, double value) { sorted[cursor[group]++] = value; });

  std::vector<arrow::DoubleBuilder> builders(quantiles.size());
  for (auto& builder : builders) DEEPRC_RETURN_NOT_OK(builder.Reserve(num_groups));
  for (uint32_t g = 0; g < num_groups; ++g) {
    double* begin = sorted.data() + offsets[g];
    double* end = sorted.data() + offsets[g + 1];
    const int64_t count = end - begin;
    for (size_t k = 0; k < quantiles.size(); ++k) {
      if (count == 0) {
        builders[k].UnsafeAppendNull();
        continue;
      }
      const double rank = quantiles[k] * static_cast<double>(count - 1);
      const auto lower = static_cast<int64_t>(std::floor(rank));
      const double fraction = rank - static_cast<double>(lower);
      std::nth_element(begin, begin + lower, end);
      const double low = begin[lower];
      double result = low;
      if (fraction > 0 && lower + 1 < count) {
        // After nth_element everything past `lower` is >= low; the smallest of it is the next rank.
        const double high = *std::min_element(begin + lower + 1, end);
        result = low + (high - low) * fraction;
      }
      builders[k].UnsafeAppend(result);
    }
  }
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (auto& builder : builders) {
    DEEPRC_ASSIGN_OR_RETURN(auto array, builder.Finish());
    arrays.push_back(std::move(array));
  }
  return arrays;
}

}  // namespace deeprc::table
