#include "deeprc/table/ops/slice.h"

#include <algorithm>

namespace deeprc::table {

Result<Table> Slice(const Table& table, int64_t offset, int64_t length) {
  if (offset < 0) return Status::Invalid("slice offset must be >= 0, got ", offset);
  if (length < 0) return Status::Invalid("slice length must be >= 0, got ", length);
  const int64_t begin = std::min(offset, table.num_rows());
  const int64_t end = begin + std::min(length, table.num_rows() - begin);
  return Table(table.arrow()->Slice(begin, end - begin));
}

Result<Table> Head(const Table& table, int64_t n) {
  if (n < 0) return Status::Invalid("head needs a row count >= 0, got ", n);
  return Slice(table, 0, n);
}

Result<Table> Tail(const Table& table, int64_t n) {
  if (n < 0) return Status::Invalid("tail needs a row count >= 0, got ", n);
  const int64_t count = std::min(n, table.num_rows());
  return Slice(table, table.num_rows() - count, count);
}

}  // namespace deeprc::table
