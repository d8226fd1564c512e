#include "deeprc/table/ops/equals.h"

#include <arrow/compare.h>
#include <fmt/format.h>

#include "deeprc/table/sort/sort.h"

namespace deeprc::table {
namespace {

arrow::EqualOptions ValueEquality() { return arrow::EqualOptions::Defaults().nans_equal(true); }

std::string SchemaDifference(const arrow::Schema& a, const arrow::Schema& b) {
  if (a.num_fields() != b.num_fields()) {
    return fmt::format("the first table has {} columns, the second {}", a.num_fields(), b.num_fields());
  }
  for (int i = 0; i < a.num_fields(); ++i) {
    if (a.field(i)->name() != b.field(i)->name()) {
      return fmt::format("column {} is '{}' in the first table, '{}' in the second", i + 1,
                         a.field(i)->name(), b.field(i)->name());
    }
    if (!a.field(i)->type()->Equals(*b.field(i)->type())) {
      return fmt::format("column '{}' has type {} in the first table, {} in the second", a.field(i)->name(),
                         a.field(i)->type()->ToString(), b.field(i)->type()->ToString());
    }
  }
  return "";
}

// The first row where two equal-length columns differ; only called once they are known to differ.
Result<std::string> FirstDifference(const std::string& name, const arrow::ChunkedArray& a,
                                    const arrow::ChunkedArray& b) {
  DEEPRC_ASSIGN_OR_RETURN(auto left, arrow::Concatenate(a.chunks()));
  DEEPRC_ASSIGN_OR_RETURN(auto right, arrow::Concatenate(b.chunks()));
  const auto options = ValueEquality();
  for (int64_t row = 0; row < left->length(); ++row) {
    if (left->RangeEquals(*right, row, row + 1, row, options)) continue;
    DEEPRC_ASSIGN_OR_RETURN(auto x, left->GetScalar(row));
    DEEPRC_ASSIGN_OR_RETURN(auto y, right->GetScalar(row));
    return fmt::format("row {}, column '{}': {} vs {}", row, name, x->ToString(), y->ToString());
  }
  return fmt::format("column '{}' differs", name);
}

Result<Table> SortByAllColumns(const Table& table) {
  if (table.num_columns() == 0) return table;
  std::vector<SortKey> keys;
  for (const auto& name : table.ColumnNames()) keys.push_back({name, true});
  return Sort(table, keys);
}

}  // namespace

Result<TableComparison> Compare(const Table& a, const Table& b, const EqualsOptions& options) {
  TableComparison comparison;
  comparison.difference = SchemaDifference(*a.schema(), *b.schema());
  if (!comparison.difference.empty()) return comparison;
  if (a.num_rows() != b.num_rows()) {
    comparison.difference =
        fmt::format("the first table has {} rows, the second {}", a.num_rows(), b.num_rows());
    return comparison;
  }
  Table left = a;
  Table right = b;
  if (!options.ordered) {
    // Sorting both by every column puts equal multisets in the same order: equal rows are
    // interchangeable, and the sort treats NaN = NaN and -0.0 = 0.0 as the comparison below does.
    DEEPRC_ASSIGN_OR_RETURN(left, SortByAllColumns(a));
    DEEPRC_ASSIGN_OR_RETURN(right, SortByAllColumns(b));
  }
  const auto equality = ValueEquality();
  for (int i = 0; i < left.num_columns(); ++i) {
    const auto& x = *left.arrow()->column(i);
    const auto& y = *right.arrow()->column(i);
    if (x.Equals(y, equality)) continue;
    DEEPRC_ASSIGN_OR_RETURN(comparison.difference, FirstDifference(left.schema()->field(i)->name(), x, y));
    if (!options.ordered) comparison.difference += " (rows sorted by every column)";
    return comparison;
  }
  comparison.equal = true;
  return comparison;
}

Result<bool> Equals(const Table& a, const Table& b, bool ordered) {
  DEEPRC_ASSIGN_OR_RETURN(auto comparison, Compare(a, b, EqualsOptions{ordered}));
  return comparison.equal;
}

}  // namespace deeprc::table
