// HashPartition: splits a table into N tables by a hash of its key columns, so that rows with
// equal keys land in the same part. The distributed shuffle builds on it, hence the guarantees below.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/table/table.h"

namespace deeprc::table {

// One 64-bit hash per row, of the values of `keys` together. The hash is a fixed function of
// the values (no random seed, no pointer, no thread count), so every process and every run
// agrees on it, and it does not depend on how the table is chunked. Equal values of compatible
// types hash alike, so both sides of a join can be partitioned without casting first:
//   - integers of any width and signedness hash as their 64-bit two's complement value, and a
//     float (float32 or float64) holding an integral value hashes as that integer; other floats
//     hash their float64 bits, with all NaNs alike and -0.0 as 0.0;
//   - string, large_string, string_view, binary, ... hash their bytes (XXH3, fixed seed);
//   - date32 hashes as the date64 of the same day; timestamps, times and durations hash their
//     stored integer (so timestamps of different units must be cast to one unit first);
//   - a null hashes as a fixed constant, whatever the column type, so rows whose keys are all
//     null go to one fixed partition, and equal key tuples with nulls stay together;
//   - dictionary columns hash as their decoded values.
Result<std::shared_ptr<arrow::UInt64Array>> HashRows(const Table& table,
                                                     const std::vector<std::string>& keys);

// The partition of a row hash among `num_partitions` (> 0): the high bits of hash * n, which
// spreads well even when n is not a power of two.
inline int PartitionOfHash(uint64_t hash, int num_partitions) {
  return static_cast<int>((static_cast<unsigned __int128>(hash) * static_cast<uint64_t>(num_partitions)) >>
                          64);
}

// `num_partitions` tables with the schema of `table`; row r goes to part
// PartitionOfHash(HashRows(table, keys)[r], num_partitions). Rows keep their relative order
// within a part. Parts are slices of one gathered table, so they share its buffers.
Result<std::vector<Table>> HashPartition(const Table& table, const std::vector<std::string>& keys,
                                         int num_partitions);

}  // namespace deeprc::table
