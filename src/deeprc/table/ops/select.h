// Select: the rows of a table for which a predicate holds, as `deeprc table select --where`
// and the distributed select evaluate it; the predicate comes from ParseExpression or code.
#pragma once

#include <arrow/compute/expression.h>

#include <string>

#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/table.h"

namespace deeprc::table {

// Keeps the rows where `predicate` is true, in their order; rows where it is false or null are
// dropped, as in SQL's WHERE. The predicate must give a boolean. A string literal compared with
// a date or timestamp column is read as that type (ISO 8601: '2024-01-31', '2024-01-31 12:00:00';
// without a zone offset it is taken as UTC for a zoned column); an integer literal compared with
// an integer column is read in the column's type (one outside its range compares as such: for a
// uint8 column, `x < 300` is true; for a decimal column, in the column's decimal type), and
// integer arithmetic runs in int64. An unknown column is an
// error that names it and lists the table's columns.
Result<Table> Select(const Table& table, const arrow::compute::Expression& predicate);

namespace internal {

// The literal coercions above (temporal strings, integer literals in the column's type, integer
// arithmetic in int64) applied to an expression over `schema`; Derive evaluates with the same rules.
Result<arrow::compute::Expression> CoerceLiterals(const arrow::compute::Expression& expression,
                                                  const arrow::Schema& schema);

// Room above ParseExpression's kMaxExpressionDepth for the casts CoerceLiterals adds.
inline constexpr int kMaxEvaluatedDepth = kMaxExpressionDepth + 8;

// Refuses an expression deeper than kMaxEvaluatedDepth (built by code rather than parsed) before
// Arrow's recursive binding and evaluation would exhaust the stack; `context` leads the message.
Status CheckDepth(const arrow::compute::Expression& expression, const std::string& context);

}  // namespace internal

}  // namespace deeprc::table
