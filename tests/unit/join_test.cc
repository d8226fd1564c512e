#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <arrow/compute/api.h>

#include "deeprc/table/join/join.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::ErrorOf;
using testing::MakeTable;

// Every test runs with both algorithms, which must agree on the row multiset.
class JoinTest : public ::testing::TestWithParam<JoinAlgorithm> {
 protected:
  Result<Table> Run(const Table& left, const Table& right, JoinOptions options) {
    options.algorithm = GetParam();
    return Join(left, right, options);
  }
};

Table Left() {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::utf8())});
  return MakeTable(schema, {"[1, 2, 2, null, 4]", R"(["a", "b", "c", "d", "e"])"});
}

Table Right() {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::float64()),
                               arrow::field("w", arrow::boolean())});
  return MakeTable(schema, {"[2, 4, 4, null, 5]", "[20, 40, 41, 0, 50]", "[true, false, null, true, false]"});
}

std::shared_ptr<arrow::Schema> OutputSchema() {
  return arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v_x", arrow::utf8()),
                        arrow::field("v_y", arrow::float64()), arrow::field("w", arrow::boolean())});
}

TEST_P(JoinTest, Inner) {
  ASSERT_OK_AND_ASSIGN(Table joined, Run(Left(), Right(), JoinOptions::On({"k"}, JoinType::kInner)));
  const Table expected = MakeTable(OutputSchema(), {"[2, 2, 4, 4]", R"(["b", "c", "e", "e"])",
                                                    "[20, 20, 40, 41]", "[true, true, false, null]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, LeftKeepsUnmatchedAndNullKeyRows) {
  ASSERT_OK_AND_ASSIGN(Table joined, Run(Left(), Right(), JoinOptions::On({"k"}, JoinType::kLeft)));
  const Table expected =
      MakeTable(OutputSchema(), {"[1, 2, 2, null, 4, 4]", R"(["a", "b", "c", "d", "e", "e"])",
                                 "[null, 20, 20, null, 40, 41]", "[null, true, true, null, false, null]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, RightTakesTheKeyFromTheRight) {
  ASSERT_OK_AND_ASSIGN(Table joined, Run(Left(), Right(), JoinOptions::On({"k"}, JoinType::kRight)));
  const Table expected =
      MakeTable(OutputSchema(), {"[2, 2, 4, 4, null, 5]", R"(["b", "c", "e", "e", null, null])",
                                 "[20, 20, 40, 41, 0, 50]", "[true, true, false, null, true, false]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, FullOuter) {
  ASSERT_OK_AND_ASSIGN(Table joined, Run(Left(), Right(), JoinOptions::On({"k"}, JoinType::kFullOuter)));
  const Table expected = MakeTable(
      OutputSchema(),
      {"[1, 2, 2, null, 4, 4, null, 5]", R"(["a", "b", "c", "d", "e", "e", null, null])",
       "[null, 20, 20, null, 40, 41, 0, 50]", "[null, true, true, null, false, null, true, false]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, NullKeysNeverMatchEachOther) {
  auto schema = arrow::schema({arrow::field("k", arrow::utf8())});
  const Table left = MakeTable(schema, {R"([null, "a", null])"});
  const Table right = MakeTable(schema, {R"([null, "a"])"});
  ASSERT_OK_AND_ASSIGN(Table inner, Run(left, right, JoinOptions::On({"k"})));
  EXPECT_TABLES_EQUAL_UNORDERED(inner, MakeTable(schema, {R"(["a"])"}));
  ASSERT_OK_AND_ASSIGN(Table outer, Run(left, right, JoinOptions::On({"k"}, JoinType::kFullOuter)));
  EXPECT_TABLES_EQUAL_UNORDERED(outer, MakeTable(schema, {R"([null, "a", null, null])"}));
}

TEST_P(JoinTest, SeveralKeysAndANullInOneOfThem) {
  auto left_schema = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                                    arrow::field("x", arrow::int32())});
  auto right_schema = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                                     arrow::field("y", arrow::int32())});
  const Table left = MakeTable(left_schema, {"[1, 1, 2, 2]", R"(["p", "q", "p", null])", "[10, 11, 12, 13]"});
  const Table right =
      MakeTable(right_schema, {"[1, 1, 2, 2]", R"(["q", "q", "q", null])", "[20, 21, 22, 23]"});
  ASSERT_OK_AND_ASSIGN(Table joined, Run(left, right, JoinOptions::On({"a", "b"}, JoinType::kLeft)));
  auto schema = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                               arrow::field("x", arrow::int32()), arrow::field("y", arrow::int32())});
  const Table expected = MakeTable(schema, {"[1, 1, 1, 2, 2]", R"(["p", "q", "q", "p", null])",
                                            "[10, 11, 11, 12, 13]", "[null, 20, 21, null, null]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, DifferentKeyNamesKeepBothColumnsAndSuffixClashes) {
  auto left_schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("key", arrow::int64())});
  auto right_schema =
      arrow::schema({arrow::field("key", arrow::utf8()), arrow::field("ref", arrow::int64())});
  const Table left = MakeTable(left_schema, {"[1, 2]", "[7, 8]"});
  const Table right = MakeTable(right_schema, {R"(["x", "y"])", "[2, 3]"});
  JoinOptions options;
  options.left_keys = {"id"};
  options.right_keys = {"ref"};
  options.type = JoinType::kFullOuter;
  ASSERT_OK_AND_ASSIGN(Table joined, Run(left, right, options));
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("key_x", arrow::int64()),
                               arrow::field("key_y", arrow::utf8()), arrow::field("ref", arrow::int64())});
  const Table expected =
      MakeTable(schema, {"[1, 2, null]", "[7, 8, null]", R"([null, "x", "y"])", "[null, 2, 3]"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, CustomSuffixesAndSuffixCollisionsAreErrors) {
  JoinOptions options = JoinOptions::On({"k"});
  options.left_suffix = "_left";
  options.right_suffix = "";
  ASSERT_OK_AND_ASSIGN(Table joined, Run(Left(), Right(), options));
  EXPECT_EQ(joined.ColumnNames(), (std::vector<std::string>{"k", "v_left", "v", "w"}));

  auto right_schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::int64()),
                                     arrow::field("v_y", arrow::int64())});
  const Table right = MakeTable(right_schema, {"[1]", "[1]", "[1]"});
  auto clash = Run(Left(), right, JoinOptions::On({"k"}));
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(ErrorOf(clash).find("'v_y' twice"), std::string::npos) << ErrorOf(clash);
}

TEST_P(JoinTest, CompatibleKeyTypesAreCastToACommonType) {
  const Table left =
      MakeTable(arrow::schema({arrow::field("k", arrow::int32()), arrow::field("s", arrow::utf8())}),
                {"[1, 2, null]", R"(["a", "b", "c"])"});
  const Table right =
      MakeTable(arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::large_utf8())}),
                {"[2, 3, 1]", R"(["b", "c", "x"])"});
  ASSERT_OK_AND_ASSIGN(Table joined, Run(left, right, JoinOptions::On({"k", "s"}, JoinType::kFullOuter)));
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::large_utf8())});
  const Table expected = MakeTable(schema, {"[1, 2, null, 3, 1]", R"(["a", "b", "c", "c", "x"])"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST_P(JoinTest, IncompatibleKeyTypesNameBothColumns) {
  const Table left = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});
  const Table right = MakeTable(arrow::schema({arrow::field("id", arrow::utf8())}), {R"(["1"])"});
  JoinOptions options;
  options.left_keys = {"k"};
  options.right_keys = {"id"};
  options.left_name = "A.parquet";
  options.right_name = "B.parquet";
  auto result = Run(left, right, options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorOf(result).find("A.parquet column 'k' (int64)"), std::string::npos) << ErrorOf(result);
  EXPECT_NE(ErrorOf(result).find("B.parquet column 'id' (string)"), std::string::npos) << ErrorOf(result);
}

TEST_P(JoinTest, MissingKeyColumnNamesTheTable) {
  JoinOptions options = JoinOptions::On({"nope"});
  options.right_name = "B.parquet";
  const Table left = MakeTable(arrow::schema({arrow::field("nope", arrow::int64())}), {"[1]"});
  auto result = Run(left, Right(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorOf(result).find("B.parquet: no column 'nope'; the table has: k, v, w"), std::string::npos)
      << ErrorOf(result);
  EXPECT_FALSE(Run(Left(), Right(), JoinOptions{}).ok());  // no keys
}

TEST_P(JoinTest, FloatKeysMatchNaNToNaNAndZeroToNegativeZero) {
  const double nan = std::nan("");
  auto make = [](std::vector<double> values, std::vector<int64_t> payload, const std::string& name) {
    arrow::DoubleBuilder keys;
    arrow::Int64Builder ints;
    EXPECT_TRUE(keys.AppendValues(values).ok());
    EXPECT_TRUE(ints.AppendValues(payload).ok());
    auto schema = arrow::schema({arrow::field("k", arrow::float64()), arrow::field(name, arrow::int64())});
    return Table(arrow::Table::Make(schema, {keys.Finish().ValueOrDie(), ints.Finish().ValueOrDie()}));
  };
  const Table left = make({nan, -0.0, 1.5}, {0, 1, 2}, "l");
  const Table right = make({0.0, -nan, 2.5}, {10, 11, 12}, "r");
  ASSERT_OK_AND_ASSIGN(Table joined, Run(left, right, JoinOptions::On({"k"})));
  ASSERT_OK_AND_ASSIGN(joined, joined.CombineChunks());
  ASSERT_EQ(joined.num_rows(), 2);
  auto l = std::static_pointer_cast<arrow::Int64Array>(joined.arrow()->GetColumnByName("l")->chunk(0));
  auto r = std::static_pointer_cast<arrow::Int64Array>(joined.arrow()->GetColumnByName("r")->chunk(0));
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (int64_t i = 0; i < l->length(); ++i) pairs.insert({l->Value(i), r->Value(i)});
  EXPECT_EQ(pairs, (std::set<std::pair<int64_t, int64_t>>{{0, 11}, {1, 10}}));
}

TEST_P(JoinTest, AllNullAndEmptyInputs) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::utf8())});
  const Table empty = MakeTable(schema, {"[]", "[]"});
  const Table nulls = MakeTable(schema, {"[null, null]", R"(["a", "b"])"});
  auto out_schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v_x", arrow::utf8()),
                                   arrow::field("v_y", arrow::utf8())});
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFullOuter}) {
    SCOPED_TRACE(ToString(type));
    ASSERT_OK_AND_ASSIGN(Table both_empty, Run(empty, empty, JoinOptions::On({"k"}, type)));
    EXPECT_TABLES_EQUAL(both_empty, MakeTable(out_schema, {"[]", "[]", "[]"}));
    ASSERT_OK_AND_ASSIGN(Table joined, Run(nulls, nulls, JoinOptions::On({"k"}, type)));
    const int64_t expected_rows = type == JoinType::kInner ? 0 : (type == JoinType::kFullOuter ? 4 : 2);
    EXPECT_EQ(joined.num_rows(), expected_rows);
    ASSERT_OK_AND_ASSIGN(Table with_empty, Run(nulls, empty, JoinOptions::On({"k"}, type)));
    EXPECT_EQ(with_empty.num_rows(), type == JoinType::kLeft || type == JoinType::kFullOuter ? 2 : 0);
  }
}

TEST_P(JoinTest, NullTypedColumnsAreCarried) {
  // An all-null column read from a file can have type null, which Acero cannot carry itself.
  auto left_schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("n", arrow::null())});
  auto right_schema = arrow::schema({arrow::field("k", arrow::null()), arrow::field("m", arrow::int64())});
  const Table left = MakeTable(left_schema, {"[1, 2]", "[null, null]"});
  const Table right = MakeTable(right_schema, {"[null]", "[5]"});
  ASSERT_OK_AND_ASSIGN(Table joined, Run(left, right, JoinOptions::On({"k"}, JoinType::kFullOuter)));
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("n", arrow::null()),
                               arrow::field("m", arrow::int64())});
  EXPECT_TABLES_EQUAL_UNORDERED(joined,
                                MakeTable(schema, {"[1, 2, null]", "[null, null, null]", "[null, null, 5]"}));
}

TEST_P(JoinTest, EveryRequiredKeyType) {
  const std::vector<std::pair<std::shared_ptr<arrow::DataType>, std::string>> cases = {
      {arrow::int8(), "[1, 2, null, 2]"},
      {arrow::int16(), "[1, 2, null, 2]"},
      {arrow::int32(), "[1, 2, null, 2]"},
      {arrow::int64(), "[1, 2, null, 2]"},
      {arrow::uint8(), "[1, 2, null, 2]"},
      {arrow::uint16(), "[1, 2, null, 2]"},
      {arrow::uint32(), "[1, 2, null, 2]"},
      {arrow::uint64(), "[1, 2, null, 2]"},
      {arrow::float32(), "[1.5, 2, null, 2]"},
      {arrow::float64(), "[1.5, 2, null, 2]"},
      {arrow::boolean(), "[false, true, null, true]"},
      {arrow::utf8(), R"(["a", "b", null, "b"])"},
      {arrow::large_utf8(), R"(["a", "b", null, "b"])"},
      {arrow::date32(), "[1, 2, null, 2]"},
      {arrow::timestamp(arrow::TimeUnit::NANO), "[1, 2, null, 2]"},
  };
  for (const auto& [type, values] : cases) {
    SCOPED_TRACE(type->ToString());
    auto schema = arrow::schema({arrow::field("k", type), arrow::field("i", arrow::int32())});
    const Table table = MakeTable(schema, {values, "[0, 1, 2, 3]"});
    ASSERT_OK_AND_ASSIGN(Table joined, Run(table, table, JoinOptions::On({"k"}, JoinType::kFullOuter)));
    // 1 meets itself, the two 2s meet each other (4 rows), and the null stays unmatched on each side.
    EXPECT_EQ(joined.ColumnNames(), (std::vector<std::string>{"k", "i_x", "i_y"}));
    EXPECT_TRUE(joined.schema()->field(0)->type()->Equals(*type));
    EXPECT_EQ(joined.num_rows(), 1 + 4 + 2);
    ASSERT_OK_AND_ASSIGN(auto keys, joined.Column("k"));
    EXPECT_EQ(keys->null_count(), 2);
  }
}

// A table of random keys (few distinct values, so many duplicates, and some nulls) and payloads.
Table RandomTable(std::mt19937_64& rng, int64_t rows, const std::string& payload) {
  arrow::Int64Builder a;
  arrow::StringBuilder b;
  arrow::Int64Builder p;
  std::uniform_int_distribution<int> dist(0, 9);
  for (int64_t i = 0; i < rows; ++i) {
    const int x = dist(rng);
    if (x == 0) {
      EXPECT_TRUE(a.AppendNull().ok());
    } else {
      EXPECT_TRUE(a.Append(x % 5).ok());
    }
    const int y = dist(rng);
    if (y == 0) {
      EXPECT_TRUE(b.AppendNull().ok());
    } else {
      EXPECT_TRUE(b.Append(std::string(1, static_cast<char>('a' + y % 3))).ok());
    }
    EXPECT_TRUE(p.Append(i).ok());
  }
  auto schema = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::utf8()),
                               arrow::field(payload, arrow::int64())});
  return Table(arrow::Table::Make(
      schema, {a.Finish().ValueOrDie(), b.Finish().ValueOrDie(), p.Finish().ValueOrDie()}));
}

TEST(Join, HashAndSortMergeAgreeOnRandomTables) {
  std::mt19937_64 rng(42);
  for (int64_t rows : {0, 1, 17, 300}) {
    const Table left = RandomTable(rng, rows, "l");
    const Table right = RandomTable(rng, rows / 2 + 3, "r");
    for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFullOuter}) {
      SCOPED_TRACE(std::string(ToString(type)) + " rows=" + std::to_string(rows));
      JoinOptions options = JoinOptions::On({"a", "b"}, type);
      options.algorithm = JoinAlgorithm::kHash;
      ASSERT_OK_AND_ASSIGN(Table hashed, Join(left, right, options));
      options.algorithm = JoinAlgorithm::kSortMerge;
      ASSERT_OK_AND_ASSIGN(Table merged, Join(left, right, options));
      EXPECT_TABLES_EQUAL_UNORDERED(merged, hashed);
    }
  }
}

// --- the single-key fast path (int_hash_join.cc) against a nested-loop reference -----------------

// Keys as doubles (nullopt = null) so one reference serves integer and float keys; rows carry
// their row number as payload ("l" / "r").
using Key = std::optional<double>;

bool KeysMatch(const Key& a, const Key& b) {
  if (!a || !b) return false;
  if (std::isnan(*a) || std::isnan(*b)) return std::isnan(*a) && std::isnan(*b);
  return *a == *b;  // -0.0 == 0.0
}

// The (left row, right row) pairs of the join, -1 for "no partner", as a multiset.
std::multiset<std::pair<int64_t, int64_t>> NestedLoopJoin(const std::vector<Key>& left,
                                                          const std::vector<Key>& right, JoinType type) {
  std::multiset<std::pair<int64_t, int64_t>> pairs;
  std::vector<bool> right_matched(right.size(), false);
  for (size_t i = 0; i < left.size(); ++i) {
    bool matched = false;
    for (size_t j = 0; j < right.size(); ++j) {
      if (!KeysMatch(left[i], right[j])) continue;
      pairs.insert({static_cast<int64_t>(i), static_cast<int64_t>(j)});
      matched = true;
      right_matched[j] = true;
    }
    if (!matched && (type == JoinType::kLeft || type == JoinType::kFullOuter)) pairs.insert({i, -1});
  }
  for (size_t j = 0; j < right.size(); ++j) {
    if (!right_matched[j] && (type == JoinType::kRight || type == JoinType::kFullOuter))
      pairs.insert({-1, j});
  }
  return pairs;
}

std::multiset<std::pair<int64_t, int64_t>> JoinedPairs(const Table& joined) {
  std::multiset<std::pair<int64_t, int64_t>> pairs;
  auto l = joined.arrow()->GetColumnByName("l");
  auto r = joined.arrow()->GetColumnByName("r");
  for (int64_t i = 0; i < joined.num_rows(); ++i) {
    auto a = l->GetScalar(i).ValueOrDie();
    auto b = r->GetScalar(i).ValueOrDie();
    pairs.insert({a->is_valid ? std::static_pointer_cast<arrow::Int64Scalar>(a)->value : -1,
                  b->is_valid ? std::static_pointer_cast<arrow::Int64Scalar>(b)->value : -1});
  }
  return pairs;
}

// A table of `keys` (cast to `type`) and the row numbers as payload `payload`.
Table KeyTable(const std::vector<Key>& keys, const std::shared_ptr<arrow::DataType>& type,
               const std::string& name, const std::string& payload, int chunks) {
  arrow::DoubleBuilder builder;
  arrow::Int64Builder rows;
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_TRUE((keys[i] ? builder.Append(*keys[i]) : builder.AppendNull()).ok());
    EXPECT_TRUE(rows.Append(static_cast<int64_t>(i)).ok());
  }
  auto doubles = builder.Finish().ValueOrDie();
  // Temporal types from their integer representation (Arrow casts no double to a date).
  std::shared_ptr<arrow::DataType> via = type;
  if (type->id() == arrow::Type::DATE32) via = arrow::int32();
  if (type->id() == arrow::Type::TIMESTAMP) via = arrow::int64();
  auto cast =
      arrow::compute::Cast(doubles, via, arrow::compute::CastOptions::Unsafe()).ValueOrDie().make_array();
  cast = arrow::compute::Cast(cast, type).ValueOrDie().make_array();
  auto row_array = rows.Finish().ValueOrDie();
  // Several chunks, so that row numbers continue across chunk boundaries.
  arrow::ArrayVector key_chunks, row_chunks;
  const int64_t n = static_cast<int64_t>(keys.size());
  const int64_t step = std::max<int64_t>(1, n / chunks + 1);
  for (int64_t offset = 0; offset < n; offset += step) {
    key_chunks.push_back(cast->Slice(offset, step));
    row_chunks.push_back(row_array->Slice(offset, step));
  }
  auto schema = arrow::schema({arrow::field(name, type), arrow::field(payload, arrow::int64())});
  return Table(arrow::Table::Make(schema,
                                  {std::make_shared<arrow::ChunkedArray>(key_chunks, type),
                                   std::make_shared<arrow::ChunkedArray>(row_chunks, arrow::int64())},
                                  n));
}

std::vector<Key> RandomKeys(std::mt19937_64& rng, int64_t rows, double low, double high, bool integer,
                            bool specials) {
  std::vector<Key> keys;
  std::uniform_real_distribution<double> value(low, high);
  std::uniform_int_distribution<int> kind(0, 19);
  for (int64_t i = 0; i < rows; ++i) {
    const int k = kind(rng);
    if (k == 0) {
      keys.emplace_back(std::nullopt);
    } else if (specials && k == 1) {
      keys.emplace_back(std::numeric_limits<double>::quiet_NaN());
    } else if (specials && k == 2) {
      keys.emplace_back(-0.0);
    } else if (specials && k == 3) {
      keys.emplace_back(0.0);
    } else {
      const double v = value(rng);
      keys.emplace_back(integer ? std::floor(v) : std::round(v * 4) / 4);
    }
  }
  return keys;
}

TEST(Join, SingleKeyFastPathMatchesNestedLoopReference) {
  struct Case {
    std::shared_ptr<arrow::DataType> left_type, right_type;
    double low, high;  // key range: narrow ranges give the perfect hash, wide ones the hashed layout
    bool specials;     // NaN, -0.0, 0.0
  };
  const std::vector<Case> cases = {
      {arrow::int64(), arrow::int64(), 0, 50, false},
      {arrow::int64(), arrow::int64(), -1e15, 1e15, false},
      {arrow::int64(), arrow::int64(), -30, 30, false},
      {arrow::int32(), arrow::int64(), -2e9, 2e9, false},
      {arrow::int8(), arrow::int16(), -100, 100, false},
      {arrow::uint8(), arrow::int32(), 0, 250, false},
      {arrow::uint64(), arrow::uint64(), 0, 1.8e19, false},
      {arrow::uint32(), arrow::uint32(), 0, 4e9, false},
      {arrow::date32(), arrow::date32(), -1000, 1000, false},
      {arrow::timestamp(arrow::TimeUnit::MICRO), arrow::timestamp(arrow::TimeUnit::MICRO), -1e12, 1e12,
       false},
      {arrow::float64(), arrow::float64(), -20, 20, true},
      {arrow::float32(), arrow::float64(), -20, 20, true},
      {arrow::float32(), arrow::float32(), -1e6, 1e6, true},
  };
  std::mt19937_64 rng(1234);
  // Left and right sizes: either side smaller (it builds), batches of 32 crossed, one side empty.
  const std::vector<std::pair<int64_t, int64_t>> sizes = {{0, 0},    {1, 1},    {0, 5},      {7, 0},
                                                          {40, 300}, {700, 90}, {1500, 1500}};
  for (const auto& c : cases) {
    for (const auto& [nl, nr] : sizes) {
      // Integer keys in a range about as wide as the table get many duplicates and a perfect hash.
      const bool integer = !arrow::is_floating(c.left_type->id()) || !c.specials;
      const auto left_keys = RandomKeys(rng, nl, c.low, c.high, integer, c.specials);
      const auto right_keys = RandomKeys(rng, nr, c.low, c.high, integer, c.specials);
      const Table left = KeyTable(left_keys, c.left_type, "k", "l", 3);
      const Table right = KeyTable(right_keys, c.right_type, "k", "r", 2);
      // What the keys become in their common type decides the matches (e.g. float32 rounding).
      auto common = [&](const Table& table) {
        arrow::Datum column(table.arrow()->column(0));
        if (column.type()->id() == arrow::Type::DATE32)
          column = arrow::compute::Cast(column, arrow::int32()).ValueOrDie();
        if (column.type()->id() == arrow::Type::TIMESTAMP)
          column = arrow::compute::Cast(column, arrow::int64()).ValueOrDie();
        auto as_double = arrow::compute::Cast(column, arrow::float64()).ValueOrDie().chunked_array();
        std::vector<Key> keys;
        for (const auto& chunk : as_double->chunks()) {
          const auto& doubles = static_cast<const arrow::DoubleArray&>(*chunk);
          for (int64_t i = 0; i < doubles.length(); ++i) {
            keys.push_back(doubles.IsNull(i) ? Key() : Key(doubles.Value(i)));
          }
        }
        return keys;
      };
      // uint64/int64 beyond 2^53 lose precision as doubles: compare those by the integers themselves.
      const bool exact_doubles = c.left_type->id() != arrow::Type::UINT64 && std::abs(c.high) < 9e15;
      for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFullOuter}) {
        SCOPED_TRACE(c.left_type->ToString() + "/" + c.right_type->ToString() + " " +
                     std::string(ToString(type)) + " " + std::to_string(nl) + "x" + std::to_string(nr));
        ASSERT_OK_AND_ASSIGN(Table joined, Join(left, right, JoinOptions::On({"k"}, type)));
        const auto got = JoinedPairs(joined);
        if (exact_doubles) {
          EXPECT_EQ(got, NestedLoopJoin(common(left), common(right), type));
        }
        // The sort-merge join is an independent algorithm: the rows must agree too.
        JoinOptions sort_merge = JoinOptions::On({"k"}, type);
        sort_merge.algorithm = JoinAlgorithm::kSortMerge;
        ASSERT_OK_AND_ASSIGN(Table merged, Join(left, right, sort_merge));
        EXPECT_EQ(got, JoinedPairs(merged));
        EXPECT_TABLES_EQUAL_UNORDERED(joined, merged);
      }
    }
  }
}

TEST(Join, SingleKeyLayoutsAroundTheirCutOvers) {
  // int_hash_join.cc picks its table by the build keys: perfect (bucket = key - min) when they span
  // less than 4x their count, hashed beyond; direct when the perfect keys never repeat; a repeated
  // key flags its head and chains its rows, collected in lockstep up to 8 per probe row and walked
  // on beyond. Each case below sits on one side of a cut-over; all must agree with the
  // nested-loop reference and the sort-merge join, for every join type.
  constexpr int64_t kJustUnder4x = -1, kJustOver4x = -2;
  struct Case {
    std::string name;
    int64_t build_rows, probe_rows;  // the right side builds when it is not the larger one
    int64_t low, span;  // build keys in [low, low + span], both ends present; kJustUnder4x/kJustOver4x:
                        // one less / one more than 4x the number of non-null build keys
    bool unique_build;               // build keys distinct (a permutation of a subset)
    int64_t repeat;                  // > 0: one key repeated this many times on both sides
  };
  const std::vector<Case> cases = {
      {"perfect, just under 4x", 300, 280, 0, kJustUnder4x, false, 0},
      {"hashed, at 4x", 300, 280, 0, kJustOver4x, false, 0},
      {"perfect, negative keys", 500, 450, -1'000'000, 900, false, 0},
      {"perfect, 2x (a shuffled share)", 2000, 2000, 0, 4000, false, 0},
      {"direct, unique dense keys", 1000, 900, -500, 1200, true, 0},
      {"hashed, unique sparse keys", 400, 400, -7'000'000, 1'000'000'000'000LL, true, 0},
      {"perfect, a chain longer than a run", 300, 300, 10, 200, false, 40},
      {"hashed, a chain longer than a run", 300, 300, 10, 1'000'000'000, false, 40},
      {"one key", 50, 60, 42, 0, false, 0},
  };
  std::mt19937_64 rng(77);
  for (Case c : cases) {
    const auto null_build_row = [&](int64_t i) { return !c.unique_build && i % 17 == 5; };
    int64_t valid = 0;
    for (int64_t i = 0; i < c.build_rows; ++i) valid += null_build_row(i) ? 0 : 1;
    if (c.span == kJustUnder4x) c.span = 4 * valid - 1;
    if (c.span == kJustOver4x) c.span = 4 * valid;
    std::vector<Key> build, probe;
    std::uniform_int_distribution<int64_t> in_span(0, c.span);
    std::vector<int64_t> distinct;
    if (c.unique_build) {
      std::set<int64_t> chosen = {0, c.span};
      while (static_cast<int64_t>(chosen.size()) < c.build_rows) chosen.insert(in_span(rng));
      distinct.assign(chosen.begin(), chosen.end());
      std::shuffle(distinct.begin(), distinct.end(), rng);
    }
    for (int64_t i = 0; i < c.build_rows; ++i) {
      int64_t offset = c.unique_build ? distinct[i] : in_span(rng);
      if (!c.unique_build && i == 3) offset = 0;
      if (!c.unique_build && i == 7) offset = c.span;
      if (c.repeat > 0 && i % (c.build_rows / c.repeat) == 1) offset = c.span / 2;
      // Nulls never match, nor change the layout (they are not counted).
      build.emplace_back(null_build_row(i) ? Key() : Key(static_cast<double>(c.low + offset)));
    }
    for (int64_t i = 0; i < c.probe_rows; ++i) {
      // Half from the build's span (many matches), some outside it, some null.
      int64_t value = c.low + in_span(rng);
      if (i % 5 == 1) value = c.low - 1 - static_cast<int64_t>(rng() % 100);
      if (i % 5 == 2) value = c.low + c.span + 1 + static_cast<int64_t>(rng() % 100);
      if (i % 4 == 3) value = static_cast<int64_t>(build[rng() % build.size()].value_or(0.0));
      if (c.repeat > 0 && i % 10 == 0) value = c.low + c.span / 2;
      probe.emplace_back(i % 23 == 11 ? Key() : Key(static_cast<double>(value)));
    }
    // The right side builds (it is not larger), except where the left looks like a primary key.
    const Table left = KeyTable(probe, arrow::int64(), "k", "l", 3);
    const Table right = KeyTable(build, arrow::int64(), "k", "r", 2);
    for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFullOuter}) {
      for (const bool swapped : {false, true}) {
        SCOPED_TRACE(c.name + " " + std::string(ToString(type)) + (swapped ? " swapped" : ""));
        const Table& l = swapped ? right : left;
        const Table& r = swapped ? left : right;
        JoinOptions options = JoinOptions::On({"k"}, type);
        ASSERT_OK_AND_ASSIGN(Table joined, Join(l, r, options));
        // The payload names follow the tables: "l" is the probe table's row, "r" the build's.
        auto pairs = JoinedPairs(joined);
        auto expected = swapped ? NestedLoopJoin(build, probe, type) : NestedLoopJoin(probe, build, type);
        if (swapped) {
          std::multiset<std::pair<int64_t, int64_t>> flipped;
          for (const auto& [a, b] : expected) flipped.insert({b, a});
          expected = flipped;
        }
        EXPECT_EQ(pairs, expected);
        options.algorithm = JoinAlgorithm::kSortMerge;
        ASSERT_OK_AND_ASSIGN(Table merged, Join(l, r, options));
        EXPECT_TABLES_EQUAL_UNORDERED(joined, merged);
      }
    }
  }
}

TEST(Join, SingleKeyFastPathKeepsStringAndBooleanPayloads) {
  // Payloads the fast gather does not handle itself go through Arrow's Take.
  auto left_schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8()),
                                    arrow::field("b", arrow::boolean())});
  auto right_schema =
      arrow::schema({arrow::field("k", arrow::int32()), arrow::field("t", arrow::large_utf8())});
  const Table left = MakeTable(
      left_schema, {"[1, 2, null, 1000000]", R"(["a", "b", "c", null])", "[true, false, null, true]"});
  const Table right = MakeTable(right_schema, {"[2, 2, 7, null, 1000000]", R"(["x", "y", "z", "w", "v"])"});
  ASSERT_OK_AND_ASSIGN(Table joined, Join(left, right, JoinOptions::On({"k"}, JoinType::kFullOuter)));
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8()),
                               arrow::field("b", arrow::boolean()), arrow::field("t", arrow::large_utf8())});
  const Table expected = MakeTable(
      schema, {"[1, 2, 2, null, 1000000, 7, null]", R"(["a", "b", "b", "c", null, null, null])",
               "[true, false, false, null, true, null, null]", R"([null, "x", "y", null, "v", "z", "w"])"});
  EXPECT_TABLES_EQUAL_UNORDERED(joined, expected);
}

TEST(Join, ParsesTypesAndAlgorithms) {
  ASSERT_OK_AND_ASSIGN(auto outer, ParseJoinType("outer"));
  EXPECT_EQ(outer, JoinType::kFullOuter);
  ASSERT_OK_AND_ASSIGN(auto sort, ParseJoinAlgorithm("sort"));
  EXPECT_EQ(sort, JoinAlgorithm::kSortMerge);
  auto bad = ParseJoinType("cross");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(ErrorOf(bad).find("inner, left, right or outer"), std::string::npos);
  EXPECT_FALSE(ParseJoinAlgorithm("nested").ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JoinTest,
                         ::testing::Values(JoinAlgorithm::kHash, JoinAlgorithm::kSortMerge),
                         [](const auto& info) { return std::string(ToString(info.param)); });

}  // namespace
}  // namespace deeprc::table
