// ParseExpression: the grammar, precedence and literals, checked by evaluating the parsed
// predicate with Select on a small table, and the syntax errors with their columns.
#include "deeprc/table/expression_parser.h"

#include <gtest/gtest.h>

#include "deeprc/table/select.h"
#include "test_util.h"

namespace deeprc {
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

}  // namespace
}  // namespace deeprc
