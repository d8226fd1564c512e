// Group ids for rows keyed by integer-like columns (integers, dates, times, timestamps,
// durations): GroupBy's fast path. Arrow's Grouper hashes whole rows through a generic row
// encoder; integer keys can instead be folded into one 64-bit code per row that preserves the
// order of the keys, and then indexed directly (no hashing at all) when the codes span a range
// not much wider than the number of rows, or hashed as plain integers otherwise.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::table {

struct IntegerGrouping {
  // Per row, its group id, in [0, num_ids); filled only when GroupIntegerKeys is asked to keep
  // them (with a direct index the ids otherwise live a block at a time). With direct indexing an
  // id is the row's code, so some ids may have no row; `order` lists the ones that do.
  std::vector<uint32_t> group_ids;
  uint32_t num_ids = 0;
  // The ids that have rows, sorted by their keys ascending, nulls last (key by key, the first
  // key most significant): the order of GroupBy's output rows.
  std::vector<uint32_t> order;
  // Per key column, the key of each group in `order`: row i holds the key of group order[i].
  std::vector<std::shared_ptr<arrow::Array>> keys;
};

// Where GroupIntegerKeys hands the group ids as it computes them: `start` once the number of ids
// is known, then `consume` with the ids of consecutive blocks of rows [begin, end) (ids[i] is
// row begin + i's). Aggregating each block while its ids are in cache saves writing and reading
// back an id per row, and the fresh memory for them.
struct GroupIdSink {
  std::function<Status(uint32_t num_ids)> start;
  std::function<void(int64_t begin, int64_t end, const uint32_t* ids)> consume;
};

// Whether GroupIntegerKeys takes a key column of this type.
bool IsIntegerKeyType(const arrow::DataType& type);

// Groups the rows by `keys` (each of `num_rows` rows, of a type IsIntegerKeyType takes), handing
// the ids to `sink`, and keeping them in `group_ids` too when `keep_group_ids`. Null keys form
// groups of their own, like any other value. Gives nullopt (before calling `sink`), for the caller
// to use a general grouping, when the keys together take more than 2^64 distinct values (each
// key's max - min + 1, plus one when it has nulls, multiplied) or there are 2^32 rows or more.
Result<std::optional<IntegerGrouping>> GroupIntegerKeys(
    const std::vector<std::shared_ptr<arrow::ChunkedArray>>& keys, int64_t num_rows, const GroupIdSink& sink,
    bool keep_group_ids);

}  // namespace deeprc::table
