// Parses the predicate language of `deeprc table select --where` into an Arrow compute
// expression; Select binds it to a table's columns, so parsing needs no schema.
#pragma once

#include <arrow/compute/expression.h>

#include <string_view>

#include "deeprc/core/status.h"

namespace deeprc::table {

// The grammar, loosest binding first:
//
//   or          := and (("or" | "||") and)*
//   and         := not (("and" | "&&") not)*
//   not         := ("not" | "!") not | comparison
//   comparison  := sum [("==" | "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum]
//                  ("is" ["not"] "null")*
//   sum         := product (("+" | "-") product)*
//   product     := unary (("*" | "/") unary)*
//   unary       := ("-" | "+") unary | primary
//   primary     := column | literal | "(" or ")"
//
// Columns are bare identifiers ([A-Za-z_][A-Za-z0-9_]*) or "double-quoted" names, a quote inside
// doubled. Literals are integers (int64, uint64 beyond its range), decimals and exponents
// (float64), 'single-quoted strings' (a quote inside doubled), true, false and null. Keywords are
// case-insensitive; a column named like one needs quotes.
//
// The semantics are SQL's: and/or/not are three-valued (`null or true` is true), a comparison
// with null is null, and Select drops the rows where the predicate is null. Select does integer
// arithmetic in int64 (uint64 for uint64 columns) and fails on overflow rather than wrapping;
// `/` divides as float64, as Python and pandas do.
//
// Chains of `or`, `and` and `+`/`-` may be of any length (longer than 64 operands they are
// grouped pairwise, so float sums may round differently from strict left to right); the tree
// may nest at most kMaxExpressionDepth levels (parentheses, signs, `not`, `is null`, comparisons,
// products), since Arrow evaluates it by recursion. Past that it is a syntax error naming the limit.
//
// A syntax error names the 1-based column in `text` and what was expected there.
inline constexpr int kMaxExpressionDepth = 200;

Result<arrow::compute::Expression> ParseExpression(std::string_view text);

}  // namespace deeprc::table
