// ParseExpression: the grammar, precedence and literals, checked by evaluating the parsed
// predicate with Select on a small table, and the syntax errors with their columns.
#include "deeprc/table/ops/expression_parser.h"

#include <gtest/gtest.h>

#include "deeprc/table/ops/derive.h"
#include "deeprc/table/ops/select.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

Table Sample() {
  auto schema = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::float64()),
                               arrow::field("s", arrow::utf8()), arrow::field("unit price", arrow::int32()),
                               arrow::field("f", arrow::boolean())});
  return MakeTable(schema,
                   {"[1, 2, 3, null, 5]", "[0.5, null, 3.5, 4.0, -1]", R"(["x", "y", null, "it's", "x"])",
                    "[10, 20, 30, 40, null]", "[true, false, null, true, false]"});
}

// The values of column a in the rows that `text` selects from Sample(), as a JSON-like string.
std::string SelectedA(const std::string& text) {
  auto expression = ParseExpression(text);
  if (!expression.ok()) return "parse error: " + expression.status().message();
  auto selected = Select(Sample(), *expression);
  if (!selected.ok()) return "select error: " + selected.status().message();
  auto column = selected->Column("a").ValueOrDie();
  std::string out = "[";
  for (int64_t i = 0; i < column->length(); ++i) {
    auto scalar = column->GetScalar(i).ValueOrDie();
    out += (i > 0 ? "," : "") + scalar->ToString();
  }
  return out + "]";
}

TEST(ExpressionParser, Comparisons) {
  EXPECT_EQ(SelectedA("a == 2"), "[2]");
  EXPECT_EQ(SelectedA("a = 2"), "[2]");
  EXPECT_EQ(SelectedA("a != 2"), "[1,3,5]");  // the null row is dropped: null != 2 is null
  EXPECT_EQ(SelectedA("a <> 2"), "[1,3,5]");
  EXPECT_EQ(SelectedA("a < 3"), "[1,2]");
  EXPECT_EQ(SelectedA("a <= 3"), "[1,2,3]");
  EXPECT_EQ(SelectedA("a > 3"), "[5]");
  EXPECT_EQ(SelectedA("a >= 3"), "[3,5]");
  EXPECT_EQ(SelectedA("3 <= a"), "[3,5]");
  EXPECT_EQ(SelectedA("b > 0.75"), "[3,null]");
  EXPECT_EQ(SelectedA("s == 'x'"), "[1,5]");
  EXPECT_EQ(SelectedA("s == 'it''s'"), "[null]");
  EXPECT_EQ(SelectedA("\"unit price\" >= 20"), "[2,3,null]");
}

TEST(ExpressionParser, BooleanLogicIsThreeValued) {
  EXPECT_EQ(SelectedA("a > 1 and b > 0"), "[3]");
  EXPECT_EQ(SelectedA("a > 1 && b > 0"), "[3]");
  EXPECT_EQ(SelectedA("a == 1 or s == 'y'"), "[1,2]");
  EXPECT_EQ(SelectedA("a == 1 || s == 'y'"), "[1,2]");
  // a is null in row 4, but `null or true` is true.
  EXPECT_EQ(SelectedA("a > 4 or b == 4"), "[null,5]");
  EXPECT_EQ(SelectedA("not a > 2"), "[1,2]");
  EXPECT_EQ(SelectedA("!(a > 2)"), "[1,2]");
  EXPECT_EQ(SelectedA("NOT NOT a > 2"), "[3,5]");
  EXPECT_EQ(SelectedA("f"), "[1,null]");
  EXPECT_EQ(SelectedA("not f"), "[2,5]");
  EXPECT_EQ(SelectedA("f == true"), "[1,null]");
  EXPECT_EQ(SelectedA("true"), "[1,2,3,null,5]");
  EXPECT_EQ(SelectedA("false"), "[]");
  EXPECT_EQ(SelectedA("null"), "[]");
}

TEST(ExpressionParser, Precedence) {
  // and binds tighter than or; not tighter than and.
  EXPECT_EQ(SelectedA("a == 1 or a == 2 and s == 'x'"), "[1]");
  EXPECT_EQ(SelectedA("(a == 1 or a == 2) and s == 'y'"), "[2]");
  EXPECT_EQ(SelectedA("not a == 1 and a < 3"), "[2]");
  // * binds tighter than +, unary minus tighter than *.
  EXPECT_EQ(SelectedA("a + 2 * 3 == 9"), "[3]");
  EXPECT_EQ(SelectedA("(a + 2) * 3 == 9"), "[1]");
  EXPECT_EQ(SelectedA("-a * 2 == -4"), "[2]");
  EXPECT_EQ(SelectedA("a - 1 - 1 == 1"), "[3]");  // left-associative
  EXPECT_EQ(SelectedA("- -a == 2"), "[2]");
}

TEST(ExpressionParser, Arithmetic) {
  EXPECT_EQ(SelectedA("a / 2 == 1.5"), "[3]");  // true division, not integer division
  EXPECT_EQ(SelectedA("a * b > 5"), "[3]");
  EXPECT_EQ(SelectedA("a - b == 0.5"), "[1]");
  EXPECT_EQ(SelectedA("a + 1e1 == 11"), "[1]");
  EXPECT_EQ(SelectedA("a > .5"), "[1,2,3,5]");
  EXPECT_EQ(SelectedA("a > -9223372036854775808"), "[1,2,3,5]");
  EXPECT_EQ(SelectedA("a < 18446744073709551615"), "[1,2,3,5]");
}

TEST(ExpressionParser, IsNull) {
  EXPECT_EQ(SelectedA("a is null"), "[null]");
  EXPECT_EQ(SelectedA("a IS NOT NULL"), "[1,2,3,5]");
  EXPECT_EQ(SelectedA("s is null or b is null"), "[2,3]");
  EXPECT_EQ(SelectedA("a + 1 is null"), "[null]");
  EXPECT_EQ(SelectedA("not a is null"), "[1,2,3,5]");
  EXPECT_EQ(SelectedA("a == null"), "[]");  // SQL: a comparison with null is null
}

TEST(ExpressionParser, ParsedShape) {
  ASSERT_OK_AND_ASSIGN(auto expression, ParseExpression("x >= 1 and not y"));
  EXPECT_EQ(expression.ToString(), "((x >= 1) and invert(y))");
  ASSERT_OK_AND_ASSIGN(expression, ParseExpression("\"a \"\"q\"\" b\" is not null"));
  EXPECT_EQ(expression.ToString(), "is_valid(a \"q\" b)");
}

// The message of ParseExpression's error for `text`, or "" if it parsed.
std::string ParseError(const std::string& text) {
  auto expression = ParseExpression(text);
  return expression.ok() ? "" : expression.status().message();
}

TEST(ExpressionParser, ErrorsNameTheColumnAndWhatWasExpected) {
  EXPECT_EQ(ParseError("a > )"),
            "cannot parse expression \"a > )\" at column 5: expected a value (a column, a literal or '('), "
            "found ')'");
  EXPECT_EQ(ParseError("(a > 1"),
            "cannot parse expression \"(a > 1\" at column 7: expected ')' or an operator, "
            "found the end of the expression");
  EXPECT_EQ(
      ParseError("a > 1 b"),
      "cannot parse expression \"a > 1 b\" at column 7: expected an operator ('and', 'or', a comparison, "
      "+ - * /) or the end of the expression, found column 'b'");
  EXPECT_EQ(ParseError(""), "cannot parse expression \"\" at column 1: the expression is empty");
  EXPECT_EQ(ParseError("   "), "cannot parse expression \"   \" at column 1: the expression is empty");
  EXPECT_EQ(ParseError("s == 'abc"),
            "cannot parse expression \"s == 'abc\" at column 6: the string starting here has no closing '");
  EXPECT_EQ(ParseError("\"abc == 1"),
            "cannot parse expression \"\"abc == 1\" at column 1: the name starting here has no closing \"");
  EXPECT_EQ(ParseError("a & b"),
            "cannot parse expression \"a & b\" at column 3: unexpected character '&' (did you mean '&&'?)");
  EXPECT_EQ(ParseError("a # b"), "cannot parse expression \"a # b\" at column 3: unexpected character '#'");
  EXPECT_EQ(
      ParseError("a < b < c"),
      "cannot parse expression \"a < b < c\" at column 7: comparisons do not chain; combine them with 'and'");
  EXPECT_EQ(
      ParseError("a is 1"),
      "cannot parse expression \"a is 1\" at column 6: expected 'null' or 'not null' after 'is', found '1'");
  EXPECT_EQ(ParseError("a is not"),
            "cannot parse expression \"a is not\" at column 9: expected 'null' after "
            "'is not', found the end of the expression");
  EXPECT_EQ(ParseError("and > 1"),
            "cannot parse expression \"and > 1\" at column 1: expected a value (a column, "
            "a literal or '('), found keyword 'and'");
  EXPECT_EQ(
      ParseError("a > 99999999999999999999"),
      "cannot parse expression \"a > 99999999999999999999\" at column 5: integer 99999999999999999999 is "
      "out of range");
  EXPECT_EQ(
      ParseError("a > -9223372036854775809"),
      "cannot parse expression \"a > -9223372036854775809\" at column 6: integer -9223372036854775809 is "
      "out of range");
  EXPECT_EQ(ParseError("\"\" > 1"),
            "cannot parse expression \"\"\" > 1\" at column 1: a quoted column name "
            "cannot be empty");
  EXPECT_NE(ParseError(std::string(1000, '(') + "a" + std::string(1000, ')')).find("nests more than 200"),
            std::string::npos);
}

// `count` copies of `term` joined by `separator`s taken in turn.
std::string Repeat(const std::string& term, const std::vector<std::string>& separators, int count) {
  std::string text = term;
  for (int i = 1; i < count; ++i) text += separators[(i - 1) % separators.size()] + term;
  return text;
}

// The values of `name` after Derive(Sample(), name, text), as a JSON-like string.
std::string Derived(const std::string& text) {
  auto expression = ParseExpression(text);
  if (!expression.ok()) return "parse error: " + expression.status().message();
  auto derived = Derive(Sample(), "z", *expression);
  if (!derived.ok()) return "derive error: " + derived.status().message();
  auto column = derived->Column("z").ValueOrDie();
  std::string out = "[";
  for (int64_t i = 0; i < column->length(); ++i) {
    out += (i > 0 ? "," : "") + column->GetScalar(i).ValueOrDie()->ToString();
  }
  return out + "]";
}

// The row numbers (column i) that `text` selects from a table of decimal columns of several
// precisions holding 1.50, 2.50, null, 2.00, -3.25.
std::string SelectedDecimalRows(const std::string& text) {
  auto schema = arrow::schema({arrow::field("i", arrow::int64()), arrow::field("d", arrow::decimal128(5, 2)),
                               arrow::field("w", arrow::decimal128(38, 2)), arrow::field("h", arrow::decimal256(40, 3))});
  const std::string values = R"(["1.50", "2.50", null, "2.00", "-3.25"])";
  const std::string wide = R"(["1.500", "2.500", null, "2.000", "-3.250"])";
  auto table = MakeTable(schema, {"[0, 1, 2, 3, 4]", values, values, wide});
  auto expression = ParseExpression(text);
  if (!expression.ok()) return "parse error: " + expression.status().message();
  auto selected = Select(table, *expression);
  if (!selected.ok()) return "select error: " + selected.status().message();
  auto column = selected->Column("i").ValueOrDie();
  std::string out = "[";
  for (int64_t i = 0; i < column->length(); ++i) out += (i > 0 ? "," : "") + column->GetScalar(i).ValueOrDie()->ToString();
  return out + "]";
}

// Issue 14 item 11: Arrow took the literal 2 as decimal(19, 0), and decimal(19, 0) against
// decimal(5, 2) failed with "Precision is not great enough".
TEST(ExpressionParser, DecimalColumnsCompareWithIntegerLiterals) {
  for (const std::string column : {"d", "w", "h"}) {
    SCOPED_TRACE(column);
    EXPECT_EQ(SelectedDecimalRows(column + " > 2"), "[1]");
    EXPECT_EQ(SelectedDecimalRows(column + " >= 2"), "[1,3]");
    EXPECT_EQ(SelectedDecimalRows(column + " == 2"), "[3]");
    EXPECT_EQ(SelectedDecimalRows(column + " != 2"), "[0,1,4]");
    EXPECT_EQ(SelectedDecimalRows("2 < " + column), "[1]");
    EXPECT_EQ(SelectedDecimalRows(column + " < -3"), "[4]");
    EXPECT_EQ(SelectedDecimalRows(column + " > 1.75"), "[1,3]");  // a float literal: compared as float64
    // Beyond decimal(5, 2)'s range the answer is the same for every value.
    EXPECT_EQ(SelectedDecimalRows(column + " < 1000000"), "[0,1,3,4]");
    EXPECT_EQ(SelectedDecimalRows(column + " > -1000000"), "[0,1,3,4]");
    EXPECT_EQ(SelectedDecimalRows(column + " == 1000000"), "[]");
    EXPECT_EQ(SelectedDecimalRows(column + " < 18446744073709551615"), "[0,1,3,4]");
  }
  EXPECT_EQ(SelectedDecimalRows("d + 1 > 3"), "[1]");
  EXPECT_EQ(SelectedDecimalRows("d * 2 >= 4"), "[1,3]");
  EXPECT_EQ(SelectedDecimalRows("1 - d > 0"), "[4]");
}

// Issue 14 item 3: flat chains nest no parenthesis, but built left to right they were one level
// per term, and Arrow's recursive Bind overflowed the stack (exit 139) at 15,000 terms.
TEST(ExpressionParser, LongChainsOfOrAndSumsEvaluate) {
  // a == 1 or a == 2 or ... or a == 15000: the rows where a is 1, 2, 3 or 5.
  std::string any;
  for (int i = 1; i <= 15000; ++i) any += (i > 1 ? " or a == " : "a == ") + std::to_string(i);
  EXPECT_EQ(SelectedA(any), "[1,2,3,5]");
  EXPECT_EQ(SelectedA(Repeat("a > 1", {" or "}, 15000)), "[2,3,5]");
  EXPECT_EQ(SelectedA(Repeat("a > 1", {" and ", " && "}, 15000)), "[2,3,5]");
  // Three-valued: null or ... or null or true is true, null and ... and false is false.
  EXPECT_EQ(SelectedA(Repeat("b > 0", {" or "}, 15000) + " or a == 5"), "[1,3,null,5]");
  // 20,000 terms: a * 20,000; b * 20,000 (halves sum exactly in float64).
  EXPECT_EQ(SelectedA(Repeat("a", {" + "}, 20000) + " > 1"), "[1,2,3,5]");
  EXPECT_EQ(Derived(Repeat("a", {" + "}, 20000)), "[20000,40000,60000,null,100000]");
  EXPECT_EQ(Derived(Repeat("b", {" + "}, 20000)), "[10000,null,70000,80000,-20000]");
  // Signs survive the regrouping: a - a + a - a ... (20,001 terms) is a; a - 1 - 1 ... is a - 20,000.
  EXPECT_EQ(Derived(Repeat("a", {" - ", " + "}, 20001)), "[1,2,3,null,5]");
  EXPECT_EQ(Derived("a" + Repeat(" - 1", {""}, 20000)), "[-19999,-19998,-19997,null,-19995]");
  EXPECT_EQ(Derived("1000 - " + Repeat("a", {" - "}, 100) + " + 7"), "[907,807,707,null,507]");
}

TEST(ExpressionParser, TreesDeeperThanTheLimitAreRefusedWithIt) {
  // Products stay left to right (regrouping a / b / c would multiply where the division never
  // does), so a long one meets the depth limit, as do long `is null` chains.
  EXPECT_NE(ParseError(Repeat("a", {" * "}, 300)).find("nests more than 200 levels deep"), std::string::npos);
  EXPECT_NE(ParseError("a" + Repeat(" is null", {""}, 300)).find("nests more than 200 levels deep"),
            std::string::npos);
  EXPECT_NE(ParseError(Repeat("-", {""}, 20000) + "a").find("nests more than 200"), std::string::npos);
  // 150 factors: below the limit, evaluated (1 * 1 * ... * a is a).
  EXPECT_EQ(SelectedA(Repeat("1", {" * "}, 149) + " * a == 2"), "[2]");
  // A tree built in code rather than parsed is checked before Arrow recurses into it.
  namespace cp = arrow::compute;
  cp::Expression deep = cp::field_ref("a");
  for (int i = 0; i < 20000; ++i) deep = cp::call("negate_checked", {deep});
  auto selected = Select(Sample(), cp::call("greater", {deep, cp::literal(int64_t{0})}));
  ASSERT_FALSE(selected.ok());
  EXPECT_NE(selected.status().message().find("select: the expression nests more than"), std::string::npos);
  auto derived = Derive(Sample(), "z", deep);
  ASSERT_FALSE(derived.ok());
  EXPECT_NE(derived.status().message().find("derive z: the expression nests more than"), std::string::npos);
  // Unwound by hand: the recursive destructor of 20,000 levels would be the next stack overflow.
  while (deep.call() != nullptr) deep = cp::Expression(deep.call()->arguments[0]);
}

}  // namespace
}  // namespace deeprc::table
