#include "deeprc/table/ops/set_ops.h"

#include <arrow/compute/api.h>
#include <arrow/util/string.h>

#include <algorithm>

#include "deeprc/table/groupby/row_grouping.h"
#include "deeprc/table/join/key_types.h"
#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/ops/unique.h"

namespace deeprc::table {
namespace {

// Both tables with the column types of their common schema, or an error naming the column.
Result<std::pair<Table, Table>> Reconcile(const Table& a, const Table& b) {
  if (a.num_columns() != b.num_columns()) {
    return Status::Invalid("the tables have different columns: ", a.num_columns(), " (",
                           arrow::internal::JoinStrings(a.ColumnNames(), ", "), ") and ", b.num_columns(),
                           " (", arrow::internal::JoinStrings(b.ColumnNames(), ", "), ")");
  }
  if (a.schema()->Equals(*b.schema(), /*check_metadata=*/false)) return std::make_pair(a, b);
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> a_columns;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> b_columns;
  for (int i = 0; i < a.num_columns(); ++i) {
    const auto& a_field = a.schema()->field(i);
    const auto& b_field = b.schema()->field(i);
    if (a_field->name() != b_field->name()) {
      return Status::Invalid("column ", i + 1, " is '", a_field->name(), "' in the first table and '",
                             b_field->name(), "' in the second");
    }
    DEEPRC_ASSIGN_OR_RETURN(auto type, WithContext(CommonKeyType(a_field->type(), b_field->type()),
                                                   "column '", a_field->name(), "': "));
    fields.push_back(arrow::field(a_field->name(), type, a_field->nullable() || b_field->nullable()));
    for (auto [table, columns] : {std::make_pair(&a, &a_columns), std::make_pair(&b, &b_columns)}) {
      DEEPRC_ASSIGN_OR_RETURN(auto column, CastKeyColumn(table->arrow()->column(i), type, a_field->name()));
      columns->push_back(std::move(column));
    }
  }
  auto schema = arrow::schema(std::move(fields));
  return std::make_pair(Table(arrow::Table::Make(schema, std::move(a_columns), a.num_rows())),
                        Table(arrow::Table::Make(schema, std::move(b_columns), b.num_rows())));
}

std::vector<std::shared_ptr<arrow::DataType>> ColumnTypes(const Table& table) {
  std::vector<std::shared_ptr<arrow::DataType>> types;
  for (const auto& field : table.schema()->fields()) types.push_back(field->type());
  return types;
}

// The first occurrence of each distinct row of `a` that is (keep_common) or is not in `b`.
Result<Table> DistinctRowsOfA(const Table& a, const Table& b, bool keep_common) {
  DEEPRC_ASSIGN_OR_RETURN(auto grouper, RowGrouper::Make(ColumnTypes(a)));
  DEEPRC_ASSIGN_OR_RETURN(auto a_ids, grouper.Consume(*a.arrow()));
  const uint32_t a_groups = grouper.num_groups();
  // Rows of b new to the grouper get ids past a's; only the ids that a has matter.
  DEEPRC_ASSIGN_OR_RETURN(auto b_ids, grouper.Consume(*b.arrow()));
  std::vector<bool> in_b(a_groups, false);
  for (uint32_t id : b_ids) {
    if (id < a_groups) in_b[id] = true;
  }
  std::vector<bool> emitted(a_groups, false);
  std::vector<int64_t> rows;
  for (size_t row = 0; row < a_ids.size(); ++row) {
    const uint32_t id = a_ids[row];
    if (in_b[id] == keep_common && !emitted[id]) {
      emitted[id] = true;
      rows.push_back(static_cast<int64_t>(row));
    }
  }
  return TakeRows(a, rows);
}

}  // namespace

Result<Table> Union(const Table& a, const Table& b) {
  DEEPRC_ASSIGN_OR_RETURN(auto tables, WithContext(Reconcile(a, b), "union: "));
  if (a.num_columns() == 0) {
    return TakeRows(a, a.num_rows() + b.num_rows() > 0 ? std::vector<int64_t>{0} : std::vector<int64_t>{});
  }
  DEEPRC_ASSIGN_OR_RETURN(auto both, arrow::ConcatenateTables({tables.first.arrow(), tables.second.arrow()}));
  return Unique(Table(std::move(both)));
}

Result<Table> Intersect(const Table& a, const Table& b) {
  DEEPRC_ASSIGN_OR_RETURN(auto tables, WithContext(Reconcile(a, b), "intersect: "));
  return DistinctRowsOfA(tables.first, tables.second, /*keep_common=*/true);
}

Result<Table> Subtract(const Table& a, const Table& b) {
  DEEPRC_ASSIGN_OR_RETURN(auto tables, WithContext(Reconcile(a, b), "subtract: "));
  return DistinctRowsOfA(tables.first, tables.second, /*keep_common=*/false);
}

}  // namespace deeprc::table
