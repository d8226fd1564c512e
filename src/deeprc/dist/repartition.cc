#include "deeprc/dist/repartition.h"

#include <arrow/buffer.h>

#include <algorithm>
#include <cstring>

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/ops/slice.h"

namespace deeprc::dist {

Result<std::vector<int64_t>> RowCounts(net::Communicator& comm, const table::Table& table) {
  const int64_t mine = table.num_rows();
  DEEPRC_ASSIGN_OR_RETURN(auto all, comm.AllGather({reinterpret_cast<const uint8_t*>(&mine), sizeof(mine)}));
  std::vector<int64_t> counts(all.size());
  for (size_t r = 0; r < all.size(); ++r) std::memcpy(&counts[r], all[r]->data(), sizeof(int64_t));
  return counts;
}

namespace {

int64_t GlobalOffset(const std::vector<int64_t>& counts, int rank) {
  int64_t offset = 0;
  for (int r = 0; r < rank; ++r) offset += counts[r];
  return offset;
}

}  // namespace

Result<table::Table> Repartition(net::Communicator& comm, const table::Table& input) {
  DEEPRC_ASSIGN_OR_RETURN(table::Table table, AgreeOnSchema(comm, input));
  DEEPRC_ASSIGN_OR_RETURN(auto counts, RowCounts(comm, table));
  const int size = comm.size();
  int64_t total = 0;
  for (int64_t count : counts) total += count;
  const int64_t first = GlobalOffset(counts, comm.rank()), last = first + table.num_rows();
  std::vector<table::Table> partitions;
  for (int target = 0; target < size; ++target) {
    const int64_t begin = std::max(first, target * total / size);
    const int64_t end = std::min(last, (target + 1) * total / size);
    DEEPRC_ASSIGN_OR_RETURN(table::Table part,
                            table::Slice(table, begin - first, std::max<int64_t>(0, end - begin)));
    partitions.push_back(std::move(part));
  }
  return net::AllToAllTables(comm, partitions, table.schema());
}

Result<table::Table> DistributedSlice(net::Communicator& comm, const table::Table& input, int64_t offset,
                                      int64_t length) {
  if (offset < 0 || length < 0) return Status::Invalid("slice offset and length must be >= 0");
  // No row moves, but the result is one distributed table: one schema on every rank.
  DEEPRC_ASSIGN_OR_RETURN(table::Table table, AgreeOnSchema(comm, input));
  DEEPRC_ASSIGN_OR_RETURN(auto counts, RowCounts(comm, table));
  const int64_t first = GlobalOffset(counts, comm.rank());
  const int64_t begin = std::clamp(offset - first, int64_t{0}, table.num_rows());
  const int64_t end = std::clamp(offset + length - first, int64_t{0}, table.num_rows());
  return table::Slice(table, begin, std::max<int64_t>(0, end - begin));
}

Result<table::Table> DistributedHead(net::Communicator& comm, const table::Table& table, int64_t n) {
  return DistributedSlice(comm, table, 0, n);
}

}  // namespace deeprc::dist
