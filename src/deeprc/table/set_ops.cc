#include "deeprc/table/set_ops.h"

#include <arrow/compute/api.h>
#include <arrow/util/string.h>

#include <algorithm>

#include "deeprc/table/compute.h"
#include "deeprc/table/row_grouping.h"
#include "deeprc/table/unique.h"

namespace deeprc {
namespace {

std::shared_ptr<arrow::DataType> SignedIntOfWidth(int bits) {
  switch (bits) {
    case 8:
      return arrow::int8();
    case 16:
      return arrow::int16();
    case 32:
      return arrow::int32();
    default:
      return arrow::int64();
  }
}

Result<std::shared_ptr<arrow::DataType>> CommonInteger(const arrow::DataType& a, const arrow::DataType& b) {
  const bool a_signed = arrow::is_signed_integer(a.id());
  const bool b_signed = arrow::is_signed_integer(b.id());
  const int a_bits = a.bit_width();
  const int b_bits = b.bit_width();
  if (a_signed == b_signed) return a_bits >= b_bits ? a.GetSharedPtr() : b.GetSharedPtr();
  const int signed_bits = a_signed ? a_bits : b_bits;
  const int unsigned_bits = a_signed ? b_bits : a_bits;
  if (signed_bits > unsigned_bits) return SignedIntOfWidth(signed_bits);
  // A signed type twice as wide holds every value of the unsigned one; uint64 has none.
  if (unsigned_bits < 64) return SignedIntOfWidth(unsigned_bits * 2);
  return Status::TypeError("no integer type holds both ", a.ToString(), " and ", b.ToString());
}

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
    DEEPRC_ASSIGN_OR_RETURN(auto type, WithContext(CommonType(a_field->type(), b_field->type()), "column '",
                                                   a_field->name(), "': "));
    fields.push_back(arrow::field(a_field->name(), type, a_field->nullable() || b_field->nullable()));
    for (auto [table, columns] : {std::make_pair(&a, &a_columns), std::make_pair(&b, &b_columns)}) {
      auto column = table->arrow()->column(i);
      if (!column->type()->Equals(*type)) {
        DEEPRC_ASSIGN_OR_RETURN(arrow::Datum cast, WithContext(arrow::compute::Cast(column, type), "column '",
                                                               a_field->name(), "': "));
        column = cast.chunked_array();
      }
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

Result<std::shared_ptr<arrow::DataType>> CommonType(const std::shared_ptr<arrow::DataType>& a,
                                                    const std::shared_ptr<arrow::DataType>& b) {
  if (a->Equals(*b)) return a;
  if (a->id() == arrow::Type::NA) return b;
  if (b->id() == arrow::Type::NA) return a;
  if (arrow::is_integer(a->id()) && arrow::is_integer(b->id())) return CommonInteger(*a, *b);
  const bool a_numeric = arrow::is_integer(a->id()) || arrow::is_floating(a->id());
  const bool b_numeric = arrow::is_integer(b->id()) || arrow::is_floating(b->id());
  if (a_numeric && b_numeric) {
    // float32 holds small integers exactly, but float64 is the only float that holds int32.
    if (a->id() == arrow::Type::FLOAT && b->id() == arrow::Type::FLOAT) return a;
    return arrow::float64();
  }
  auto is_string = [](arrow::Type::type id) {
    return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING;
  };
  if (is_string(a->id()) && is_string(b->id())) return arrow::large_utf8();
  auto is_binary = [](arrow::Type::type id) {
    return id == arrow::Type::BINARY || id == arrow::Type::LARGE_BINARY;
  };
  if (is_binary(a->id()) && is_binary(b->id())) return arrow::large_binary();
  if (a->id() == arrow::Type::TIMESTAMP && b->id() == arrow::Type::TIMESTAMP) {
    const auto& a_ts = static_cast<const arrow::TimestampType&>(*a);
    const auto& b_ts = static_cast<const arrow::TimestampType&>(*b);
    if (a_ts.timezone() == b_ts.timezone()) {
      // TimeUnit runs from seconds to nanoseconds, so the larger enum is the finer unit.
      return arrow::timestamp(std::max(a_ts.unit(), b_ts.unit()), a_ts.timezone());
    }
  }
  return Status::TypeError(a->ToString(), " in the first table and ", b->ToString(),
                           " in the second have no common type");
}

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

}  // namespace deeprc
