// Fuzzes the language of `select --where` and `derive`: parse the input, then evaluate it with
// Select and Derive on a small fixed table of every kind of column. Any text must give a result
// or an error.
#include <arrow/api.h>
#include <arrow/json/from_string.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deeprc/table/ops/derive.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/select.h"

namespace {

deeprc::table::Table FixedTable() {
  using arrow::field;
  auto schema = arrow::schema({field("k", arrow::int64()), field("i8", arrow::int8()), field("u", arrow::uint64()),
                               field("x", arrow::float64()), field("s", arrow::utf8()), field("b", arrow::boolean()),
                               field("d", arrow::date32()), field("t", arrow::timestamp(arrow::TimeUnit::MICRO)),
                               field("m", arrow::decimal128(7, 2))});
  const char* columns[] = {"[1, -2, null, 9223372036854775807]", "[127, -128, 0, null]",
                           "[0, 18446744073709551615, null, 3]", "[0.5, null, -1e308, NaN]",
                           R"(["a", "", null, "it's"])", "[true, false, null, true]",
                           "[0, 19000, null, -1]", "[0, 1700000000000000, null, -5]",
                           R"(["1.50", "-99999.99", null, "0.00"])"};
  arrow::ArrayVector arrays;
  for (int i = 0; i < schema->num_fields(); ++i) {
    arrays.push_back(arrow::json::ArrayFromJSONString(schema->field(i)->type(), columns[i]).ValueOrDie());
  }
  return deeprc::table::Table(arrow::Table::Make(schema, arrays));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const deeprc::table::Table table = FixedTable();
  auto expression =
      deeprc::table::ParseExpression(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!expression.ok()) return 0;
  (void)deeprc::table::Select(table, *expression);
  (void)deeprc::table::Derive(table, "new", *expression);
  return 0;
}
