// dist's registry of table operators: options checked against their declarations (each error names
// the option and its range), defaults filled in, and bound local functions against hand-computed
// tables.
#include "deeprc/dist/operator_registry.h"

#include <gtest/gtest.h>

#include <arrow/api.h>

namespace deeprc::dist {
namespace {

using nlohmann::json;

const TableOperator& Op(const std::string& name) { return *OperatorRegistry::Default().Find(name); }

std::string ErrorOf(const std::string& name, const json& options) {
  auto parsed = Op(name).ParseOptions(options, JsonNaming(name));
  return parsed.ok() ? "" : parsed.status().message();
}

// x: 1, 2, 3 (int64); s: "a", "b", "c".
table::Table Small() {
  arrow::Int64Builder x;
  arrow::StringBuilder s;
  EXPECT_TRUE(x.AppendValues({1, 2, 3}).ok());
  EXPECT_TRUE(s.AppendValues({"a", "b", "c"}).ok());
  auto schema = arrow::schema({arrow::field("x", arrow::int64()), arrow::field("s", arrow::utf8())});
  return table::Table(arrow::Table::Make(schema, {x.Finish().ValueOrDie(), s.Finish().ValueOrDie()}));
}

std::vector<std::string> Values(const table::Table& table, const std::string& column) {
  std::vector<std::string> values;
  auto array = table.Column(column).ValueOrDie();
  for (int64_t i = 0; i < array->length(); ++i)
    values.push_back(array->GetScalar(i).ValueOrDie()->ToString());
  return values;
}

TEST(OperatorRegistry, OptionsAreCheckedAgainstTheirDeclarations) {
  EXPECT_EQ(
      ErrorOf("join", {{"onn", "k"}}),
      "join: unknown option 'onn' (did you mean 'on'?); join takes: on, left_on, right_on, how, algorithm, "
      "suffixes");
  EXPECT_EQ(ErrorOf("head", {{"n", "ten"}}), "head: option 'n': must be an integer");
  EXPECT_EQ(ErrorOf("head", {{"n", -1}}), "head: option 'n': must be a whole number >= 0, got -1");
  EXPECT_EQ(ErrorOf("join", {{"on", "k"}, {"suffixes", {"_l"}}}),
            "join: option 'suffixes': must list 2 items, not 1");
  EXPECT_EQ(ErrorOf("join", {{"on", "k"}, {"left_on", "k"}, {"right_on", "k"}}),
            "join: option 'on': cannot be given with left_on");
  EXPECT_EQ(ErrorOf("join", {{"left_on", "k"}}), "join: option 'left_on': needs right_on too");
  EXPECT_EQ(ErrorOf("select", json::object()), "select: option 'where' is required");
  EXPECT_EQ(ErrorOf("project", {{"columns", json::array()}}),
            "project: option 'columns': must name at least one");
  // A JSON object would lose the order of the derived columns.
  EXPECT_EQ(ErrorOf("derive", {{"columns", {{"x", "a"}}}}),
            "derive: option 'columns': must be a list of [name, value] pairs of strings");
  EXPECT_EQ(ErrorOf("sort", json::array()), "sort: the options must be a JSON object");
}

TEST(OperatorRegistry, DefaultsAreFilledIn) {
  auto join = Op("join").ParseOptions({{"on", "k"}}, JsonNaming("join"));
  ASSERT_TRUE(join.ok()) << join.status().message();
  EXPECT_EQ(join->json(),
            json::parse(R"({"on": "k", "how": "inner", "algorithm": "hash", "suffixes": ["_x", "_y"]})"));
  auto head = Op("head").ParseOptions(json(), JsonNaming("head"));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->Int("n"), 10);
}

TEST(OperatorRegistry, BindParsesWhatTheOptionsLeaveAsText) {
  auto how = Op("join").Bind({{"on", "k"}, {"how", "sideways"}}, JsonNaming("join"));
  ASSERT_FALSE(how.ok());
  EXPECT_NE(how.status().message().find("join: option 'how': "), std::string::npos) << how.status().message();
  EXPECT_NE(how.status().message().find("inner, left, right or outer"), std::string::npos);
  auto where = Op("select").Bind({{"where", "x >"}}, JsonNaming("select"));
  ASSERT_FALSE(where.ok());
  EXPECT_EQ(where.status().message().rfind("select: option 'where': ", 0), 0u) << where.status().message();
  auto derive = Op("derive").Bind({{"columns", json::parse(R"([["y", "x +"]])")}}, JsonNaming("derive"));
  ASSERT_FALSE(derive.ok());
  EXPECT_EQ(derive.status().message().rfind("derive y: ", 0), 0u) << derive.status().message();
}

TEST(OperatorRegistry, LocalFunctionsGiveTheHandComputedTables) {
  auto run = [](const std::string& name, const json& options) {
    auto bound = Op(name).Bind(options, JsonNaming(name));
    EXPECT_TRUE(bound.ok()) << bound.status().message();
    return bound->local({Small()});
  };
  // Derived columns in the order given: y from x, then x from the new y.
  auto derived = run("derive", {{"columns", json::parse(R"([["y", "x + 1"], ["x", "y * 2"]])")}});
  ASSERT_TRUE(derived.ok()) << derived.status().message();
  EXPECT_EQ(Values(*derived, "y"), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(Values(*derived, "x"), (std::vector<std::string>{"4", "6", "8"}));
  auto dropped = run("drop", {{"columns", "x"}});
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->ColumnNames(), std::vector<std::string>{"s"});
  auto missing = run("drop", {{"columns", "nope"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  auto tail = run("tail", {{"n", 2}});
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(Values(*tail, "s"), (std::vector<std::string>{"b", "c"}));
  auto sorted = run("sort", {{"by", "-x"}});
  ASSERT_TRUE(sorted.ok());
  EXPECT_EQ(Values(*sorted, "x"), (std::vector<std::string>{"3", "2", "1"}));
  // On one table, where rows live changes nothing.
  auto shuffled = run("shuffle", {{"on", "x"}});
  ASSERT_TRUE(shuffled.ok());
  EXPECT_EQ(Values(*shuffled, "x"), (std::vector<std::string>{"1", "2", "3"}));
  // tail and concat have no distributed form: the driver refuses them on several ranks.
  EXPECT_FALSE(Op("tail").distributed);
  EXPECT_EQ(Op("tail").Bind({}, JsonNaming("tail"))->distributed, nullptr);
}

}  // namespace
}  // namespace deeprc::dist
