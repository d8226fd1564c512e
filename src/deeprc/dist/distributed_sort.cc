#include "deeprc/dist/distributed_sort.h"

#include <arrow/compute/api.h>

#include "deeprc/net/table_channel.h"
#include "deeprc/table/concat.h"
#include "deeprc/table/slice.h"

namespace deeprc::dist {
namespace {

constexpr const char* kIsSplitter = "__deeprc_is_splitter";

Result<Table> KeyColumns(const Table& table, const std::vector<SortKey>& keys) {
  std::vector<std::string> names;
  for (const auto& key : keys) names.push_back(key.column);
  DEEPRC_ASSIGN_OR_RETURN(auto indices, table.ColumnIndices(names));
  DEEPRC_ASSIGN_OR_RETURN(auto selected, table.arrow()->SelectColumns(indices));
  return Table(std::move(selected));
}

// `count` rows of `sorted` at regular positions: this rank's contribution to the sample.
Result<Table> RegularSample(const Table& sorted_keys, int count) {
  const int64_t n = sorted_keys.num_rows();
  if (n == 0) return sorted_keys;
  arrow::UInt64Builder positions;
  for (int i = 0; i < count; ++i)
    DEEPRC_RETURN_NOT_OK(positions.Append(static_cast<uint64_t>(i * n / count)));
  DEEPRC_ASSIGN_OR_RETURN(auto indices, positions.Finish());
  return TakeRows(sorted_keys, *indices);
}

// Picks size - 1 splitters at regular positions of the sorted global sample.
Result<Table> ChooseSplitters(const Table& sorted_sample, int size) {
  const int64_t n = sorted_sample.num_rows();
  arrow::UInt64Builder positions;
  if (n > 0) {
    for (int k = 1; k < size; ++k)
      DEEPRC_RETURN_NOT_OK(positions.Append(static_cast<uint64_t>(k * n / size)));
  }
  DEEPRC_ASSIGN_OR_RETURN(auto indices, positions.Finish());
  return TakeRows(sorted_sample, *indices);
}

Result<Table> WithMarker(const Table& keys, bool is_splitter) {
  DEEPRC_ASSIGN_OR_RETURN(auto marker,
                          arrow::MakeArrayFromScalar(arrow::BooleanScalar(is_splitter), keys.num_rows()));
  DEEPRC_ASSIGN_OR_RETURN(
      auto table, keys.arrow()->AddColumn(keys.num_columns(), arrow::field(kIsSplitter, arrow::boolean()),
                                          std::make_shared<arrow::ChunkedArray>(marker)));
  return Table(std::move(table));
}

// How many of this rank's sorted rows go before each splitter: sorting the rows together with
// the splitters (a splitter after the rows equal to it) puts splitter k at position
// rows_before_k + k. Sorting by the same keys reuses Sort's exact order (directions, nulls, NaN).
Result<std::vector<int64_t>> Boundaries(const Table& sorted_keys, const Table& splitters,
                                        const std::vector<SortKey>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(Table rows, WithMarker(sorted_keys, false));
  DEEPRC_ASSIGN_OR_RETURN(Table marks, WithMarker(splitters, true));
  DEEPRC_ASSIGN_OR_RETURN(Table both, Concat({rows, marks}));
  std::vector<SortKey> order = keys;
  order.push_back({kIsSplitter, true});
  DEEPRC_ASSIGN_OR_RETURN(auto indices, SortIndices(both, order));
  std::vector<int64_t> boundaries;
  const auto first_splitter = static_cast<uint64_t>(rows.num_rows());
  for (int64_t position = 0; position < indices->length(); ++position) {
    if (indices->Value(position) >= first_splitter) {
      boundaries.push_back(position - static_cast<int64_t>(boundaries.size()));
    }
  }
  return boundaries;
}

}  // namespace

Result<Table> DistributedSort(net::Communicator& comm, const Table& table, const std::vector<SortKey>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(Table sorted, Sort(table, keys));
  const int size = comm.size();
  if (size == 1) return sorted;

  DEEPRC_ASSIGN_OR_RETURN(Table sorted_keys, KeyColumns(sorted, keys));
  DEEPRC_ASSIGN_OR_RETURN(Table sample, RegularSample(sorted_keys, size));
  DEEPRC_ASSIGN_OR_RETURN(Table global_sample, net::AllGatherTables(comm, sample));
  DEEPRC_ASSIGN_OR_RETURN(Table sorted_sample, Sort(global_sample, keys));
  DEEPRC_ASSIGN_OR_RETURN(Table splitters, ChooseSplitters(sorted_sample, size));

  // Rows before splitter 0 go to rank 0, between splitters k-1 and k to rank k, the rest to the
  // last rank. With no rows anywhere there are no splitters and everything stays empty.
  DEEPRC_ASSIGN_OR_RETURN(auto boundaries, Boundaries(sorted_keys, splitters, keys));
  boundaries.resize(size - 1, sorted.num_rows());
  std::vector<Table> partitions;
  int64_t start = 0;
  for (int rank = 0; rank < size; ++rank) {
    const int64_t end = rank + 1 < size ? boundaries[rank] : sorted.num_rows();
    DEEPRC_ASSIGN_OR_RETURN(Table part, Slice(sorted, start, end - start));
    partitions.push_back(std::move(part));
    start = end;
  }
  DEEPRC_ASSIGN_OR_RETURN(Table received, net::AllToAllTables(comm, partitions, sorted.schema()));
  // Each sender's run is already sorted; a stable sort of their concatenation in rank order keeps
  // equal keys in (rank, position) order.
  return Sort(received, keys);
}

}  // namespace deeprc::dist
