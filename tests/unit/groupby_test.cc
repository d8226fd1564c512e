// GroupBy on small hand-computed tables: every aggregation, null keys, several keys, both
// execution paths (Acero alone, and with exact quantiles), output order and names, errors.
#include "deeprc/table/groupby/groupby.h"

#include <arrow/util/bit_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::MakeTable;

Table Sample() {
  auto schema = arrow::schema({arrow::field("k", arrow::int32()), arrow::field("v", arrow::float64()),
                               arrow::field("s", arrow::utf8()), arrow::field("i", arrow::int16())});
  return MakeTable(schema, {"[1, 2, 1, null, 2, 1, null]", "[1.0, 2.0, 3.0, 4.0, null, 5.0, null]",
                            R"(["a", "b", "a", null, "c", "b", null])", "[1, 2, 3, 4, 5, 6, 7]"});
}

void ExpectColumn(const Table& table, const std::string& name, const std::shared_ptr<arrow::DataType>& type,
                  const std::string& json) {
  ASSERT_OK_AND_ASSIGN(auto column, table.Column(name));
  ASSERT_TRUE(column->type()->Equals(*type)) << name << " is " << column->type()->ToString();
  auto expected = arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
  auto combined = arrow::Concatenate(column->chunks()).ValueOrDie();
  EXPECT_TRUE(combined->ApproxEquals(*expected, arrow::EqualOptions::Defaults().atol(1e-12)))
      << name << ": got " << combined->ToString() << ", expected " << json;
}

std::vector<Aggregation> AllAggregations() {
  return {{"v", AggregateKind::kSum},    {"v", AggregateKind::kCount},
          {"v", AggregateKind::kMean},   {"v", AggregateKind::kMin},
          {"v", AggregateKind::kMax},    {"v", AggregateKind::kVar},
          {"v", AggregateKind::kStd},    {"v", AggregateKind::kNunique},
          {"v", AggregateKind::kMedian}, {"v", AggregateKind::kQuantile, 0.25},
          {"s", AggregateKind::kCount},  {"s", AggregateKind::kNunique},
          {"s", AggregateKind::kMin},    {"s", AggregateKind::kMax},
          {"i", AggregateKind::kSum}};
}

TEST(GroupBy, EveryAggregationWithNullKeysLast) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"k"}, AllAggregations()));
  EXPECT_EQ(out.ColumnNames(), (std::vector<std::string>{"k", "v_sum", "v_count", "v_mean", "v_min", "v_max",
                                                         "v_var", "v_std", "v_nunique", "v_median", "v_q0.25",
                                                         "s_count", "s_nunique", "s_min", "s_max", "i_sum"}));
  ExpectColumn(out, "k", arrow::int32(), "[1, 2, null]");
  ExpectColumn(out, "v_sum", arrow::float64(), "[9, 2, 4]");
  ExpectColumn(out, "v_count", arrow::int64(), "[3, 1, 1]");
  ExpectColumn(out, "v_mean", arrow::float64(), "[3, 2, 4]");
  ExpectColumn(out, "v_min", arrow::float64(), "[1, 2, 4]");
  ExpectColumn(out, "v_max", arrow::float64(), "[5, 2, 4]");
  ExpectColumn(out, "v_var", arrow::float64(), "[4, null, null]");  // one value: no sample variance
  ExpectColumn(out, "v_std", arrow::float64(), "[2, null, null]");
  ExpectColumn(out, "v_nunique", arrow::int64(), "[3, 1, 1]");
  ExpectColumn(out, "v_median", arrow::float64(), "[3, 2, 4]");
  ExpectColumn(out, "v_q0.25", arrow::float64(), "[2, 2, 4]");  // rank 0.5 between 1 and 3
  ExpectColumn(out, "s_count", arrow::int64(), "[3, 2, 0]");
  ExpectColumn(out, "s_nunique", arrow::int64(), "[2, 2, 0]");
  ExpectColumn(out, "s_min", arrow::utf8(), R"(["a", "b", null])");
  ExpectColumn(out, "s_max", arrow::utf8(), R"(["b", "c", null])");
  ExpectColumn(out, "i_sum", arrow::int64(), "[10, 7, 11]");
}

TEST(GroupBy, AceroPathAndExactPathAgree) {
  // Without median/quantile only Acero runs, grouped by the keys; with them the keys are grouped
  // first and Acero groups by group id. Both must give the same rows.
  std::vector<Aggregation> without_exact;
  for (const auto& aggregation : AllAggregations()) {
    if (aggregation.kind != AggregateKind::kMedian && aggregation.kind != AggregateKind::kQuantile) {
      without_exact.push_back(aggregation);
    }
  }
  ASSERT_OK_AND_ASSIGN(auto fast, GroupBy(Sample(), {"s", "k"}, without_exact));
  ASSERT_OK_AND_ASSIGN(auto exact, GroupBy(Sample(), {"s", "k"}, AllAggregations()));
  for (const auto& name : fast.ColumnNames()) {
    ASSERT_OK_AND_ASSIGN(auto a, fast.Column(name));
    ASSERT_OK_AND_ASSIGN(auto b, exact.Column(name));
    EXPECT_TRUE(a->ApproxEquals(*b)) << name << ": " << a->ToString() << " vs " << b->ToString();
  }
}

TEST(GroupBy, SeveralKeysSortAscendingNullsLast) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"s", "k"}, {{"i", AggregateKind::kSum}}));
  ExpectColumn(out, "s", arrow::utf8(), R"(["a", "b", "b", "c", null])");
  ExpectColumn(out, "k", arrow::int32(), "[1, 1, 2, 2, null]");
  ExpectColumn(out, "i_sum", arrow::int64(), "[4, 6, 2, 5, 11]");
}

TEST(GroupBy, NoAggregationsGivesDistinctKeys) {
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(Sample(), {"k"}, {}));
  EXPECT_EQ(out.ColumnNames(), std::vector<std::string>{"k"});
  ExpectColumn(out, "k", arrow::int32(), "[1, 2, null]");
}

TEST(GroupBy, DdofAndEvenMedianAndQuantiles) {
  auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("x", arrow::uint8())});
  auto table = MakeTable(schema, {R"(["g", "g", "g", "g", "h"])", "[4, 1, 3, 2, 7]"});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"k"},
                                         {{"x", AggregateKind::kMedian},
                                          {"x", AggregateKind::kQuantile, 0.9},
                                          {"x", AggregateKind::kQuantile, 0.0},
                                          {"x", AggregateKind::kQuantile, 1.0},
                                          {"x", AggregateKind::kVar, 0.5, /*ddof=*/0},
                                          {"x", AggregateKind::kSum}}));
  ExpectColumn(out, "x_median", arrow::float64(), "[2.5, 7]");
  ExpectColumn(out, "x_q0.9", arrow::float64(), "[3.7, 7]");
  ExpectColumn(out, "x_q0", arrow::float64(), "[1, 7]");
  ExpectColumn(out, "x_q1", arrow::float64(), "[4, 7]");
  ExpectColumn(out, "x_var", arrow::float64(), "[1.25, 0]");
  ExpectColumn(out, "x_sum", arrow::uint64(), "[10, 7]");
}

TEST(GroupBy, AllNullKeysAndEmptyTable) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::int64())});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(MakeTable(schema, {"[null, null, null]", "[1, null, 3]"}), {"k"},
                                         {{"v", AggregateKind::kSum}, {"v", AggregateKind::kMedian}}));
  ExpectColumn(out, "k", arrow::int64(), "[null]");
  ExpectColumn(out, "v_sum", arrow::int64(), "[4]");
  ExpectColumn(out, "v_median", arrow::float64(), "[2]");

  for (bool exact : {false, true}) {
    std::vector<Aggregation> aggregations = {{"v", AggregateKind::kMean}};
    if (exact) aggregations.push_back({"v", AggregateKind::kMedian});
    ASSERT_OK_AND_ASSIGN(out, GroupBy(MakeTable(schema, {"[]", "[]"}), {"k"}, aggregations));
    EXPECT_EQ(out.num_rows(), 0);
    EXPECT_EQ(out.schema()->field(1)->type()->id(), arrow::Type::DOUBLE);
  }
}

TEST(GroupBy, TemporalAndBooleanKeysAndValues) {
  auto schema = arrow::schema({arrow::field("d", arrow::date32()), arrow::field("b", arrow::boolean()),
                               arrow::field("t", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("ls", arrow::large_utf8())});
  auto table = MakeTable(schema, {"[2, 1, 2, null]", "[true, false, null, true]", "[30, 10, 20, null]",
                                  R"(["x", "y", "z", null])"});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"d"},
                                         {{"t", AggregateKind::kMin},
                                          {"t", AggregateKind::kMax},
                                          {"b", AggregateKind::kSum},
                                          {"ls", AggregateKind::kMax},
                                          {"ls", AggregateKind::kNunique}}));
  ExpectColumn(out, "d", arrow::date32(), "[1, 2, null]");
  ExpectColumn(out, "t_min", arrow::timestamp(arrow::TimeUnit::NANO), "[10, 20, null]");
  ExpectColumn(out, "t_max", arrow::timestamp(arrow::TimeUnit::NANO), "[10, 30, null]");
  ExpectColumn(out, "b_sum", arrow::uint64(), "[0, 1, 1]");
  ExpectColumn(out, "ls_max", arrow::large_utf8(), R"(["y", "z", null])");
  ExpectColumn(out, "ls_nunique", arrow::int64(), "[1, 2, 0]");

  ASSERT_OK_AND_ASSIGN(out, GroupBy(table, {"b"}, {{"d", AggregateKind::kCount}}));
  ExpectColumn(out, "b", arrow::boolean(), "[false, true, null]");
  ExpectColumn(out, "d_count", arrow::int64(), "[1, 1, 1]");
}

TEST(GroupBy, ErrorsNameTheColumn) {
  auto message = [](const std::vector<std::string>& keys, const std::vector<Aggregation>& aggregations) {
    auto result = GroupBy(Sample(), keys, aggregations);
    return result.ok() ? std::string("ok") : result.status().message();
  };
  EXPECT_EQ(message({"nope"}, {}), "groupby: key: no column 'nope'; the table has: k, v, s, i");
  EXPECT_EQ(message({"k"}, {{"w", AggregateKind::kSum}}),
            "groupby: aggregation w_sum: no column 'w'; the table has: k, v, s, i");
  EXPECT_EQ(message({"k"}, {{"s", AggregateKind::kMean}}),
            "groupby: cannot take the mean of column 's' (string): mean needs a numeric or boolean column");
  EXPECT_EQ(
      message({"k"}, {{"s", AggregateKind::kMedian}}),
      "groupby: cannot take the median of column 's' (string): median needs an integer or float column");
  EXPECT_EQ(message({"k"}, {{"v", AggregateKind::kQuantile, 1.5}}),
            "groupby: quantile 1.5 of column 'v' is not in [0, 1]");
  EXPECT_EQ(message({"k"}, {{"v", AggregateKind::kSum}, {"v", AggregateKind::kSum}}),
            "groupby: two output columns would be named 'v_sum'");
  EXPECT_EQ(message({"k", "k"}, {}), "groupby: key 'k' is listed twice");
  EXPECT_EQ(message({}, {}), "groupby: no key column given");
}

// --- the integer-key fast path against the general (Acero) path ---------------------------------

// A random array of `type` (stored as C type T) with values from `draw` and about
// `null_fraction` nulls, sliced at an offset so that bitmaps do not start at bit 0.
template <typename T, typename Draw>
std::shared_ptr<arrow::Array> RandomArray(const std::shared_ptr<arrow::DataType>& type, int64_t n,
                                          double null_fraction, std::mt19937_64& rng, Draw&& draw) {
  const int64_t offset = 3;
  auto data = arrow::AllocateBuffer((n + offset) * sizeof(T)).ValueOrDie();
  auto validity = arrow::AllocateBitmap(n + offset).ValueOrDie();
  std::uniform_real_distribution<double> unit(0, 1);
  int64_t null_count = 0;
  for (int64_t i = 0; i < n + offset; ++i) {
    const bool valid = unit(rng) >= null_fraction;
    arrow::bit_util::SetBitTo(validity->mutable_data(), i, valid);
    data->mutable_data_as<T>()[i] = static_cast<T>(draw());
    if (!valid && i >= offset) ++null_count;
  }
  auto array = arrow::MakeArray(arrow::ArrayData::Make(
      type, n + offset, {std::shared_ptr<arrow::Buffer>(std::move(validity)), std::move(data)}));
  return array->Slice(offset, n);
}

// Every value type the fast path aggregates, with nulls, and NaN among the floats.
std::vector<std::shared_ptr<arrow::Field>> ValueFields() {
  return {arrow::field("i8", arrow::int8()),     arrow::field("i16", arrow::int16()),
          arrow::field("i32", arrow::int32()),   arrow::field("i64", arrow::int64()),
          arrow::field("u8", arrow::uint8()),    arrow::field("u16", arrow::uint16()),
          arrow::field("u32", arrow::uint32()),  arrow::field("u64", arrow::uint64()),
          arrow::field("f32", arrow::float32()), arrow::field("f64", arrow::float64())};
}

std::vector<std::shared_ptr<arrow::Array>> RandomValues(int64_t n, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> small(-100, 100);
  std::uniform_int_distribution<uint64_t> any;
  std::normal_distribution<double> normal(5, 100);
  auto real = [&] { return any(rng) % 50 == 0 ? std::nan("") : normal(rng); };
  return {RandomArray<int8_t>(arrow::int8(), n, 0.2, rng, [&] { return small(rng); }),
          RandomArray<int16_t>(arrow::int16(), n, 0.2, rng, [&] { return small(rng) * 300; }),
          RandomArray<int32_t>(arrow::int32(), n, 0.2, rng, [&] { return small(rng) * 1000000; }),
          RandomArray<int64_t>(arrow::int64(), n, 0.2, rng, [&] { return int64_t{small(rng)} << 40; }),
          RandomArray<uint8_t>(arrow::uint8(), n, 0.2, rng, [&] { return any(rng); }),
          RandomArray<uint16_t>(arrow::uint16(), n, 0.2, rng, [&] { return any(rng); }),
          RandomArray<uint32_t>(arrow::uint32(), n, 0.2, rng, [&] { return any(rng); }),
          RandomArray<uint64_t>(arrow::uint64(), n, 0.2, rng, [&] { return any(rng) >> 12; }),
          RandomArray<float>(arrow::float32(), n, 0.2, rng, real),
          RandomArray<double>(arrow::float64(), n, 0.2, rng, real)};
}

// Every aggregation of the fast path (median and quantiles included) of every value column.
std::vector<Aggregation> FastAggregations() {
  std::vector<Aggregation> aggregations;
  for (const auto& field : ValueFields()) {
    const auto& c = field->name();
    aggregations.insert(aggregations.end(), {{c, AggregateKind::kSum},
                                             {c, AggregateKind::kCount},
                                             {c, AggregateKind::kMean},
                                             {c, AggregateKind::kMin},
                                             {c, AggregateKind::kMax},
                                             {c, AggregateKind::kVar},
                                             {c, AggregateKind::kStd, 0.5, /*ddof=*/0},
                                             {c, AggregateKind::kMedian},
                                             {c, AggregateKind::kQuantile, 0.9}});
  }
  return aggregations;
}

// The same table in two chunks, so that the fast path walks chunk boundaries.
Table InTwoChunks(const Table& table) {
  const int64_t half = table.num_rows() / 2;
  return Table(
      arrow::ConcatenateTables({table.arrow()->Slice(0, half), table.arrow()->Slice(half)}).ValueOrDie());
}

// Equal, except that floats may differ by 1e-9 relative (NaN equals NaN).
bool NearlyEqual(const arrow::Array& a, const arrow::Array& b) {
  if (a.type_id() != arrow::Type::DOUBLE || b.type_id() != arrow::Type::DOUBLE) {
    return a.Equals(b, arrow::EqualOptions::Defaults().nans_equal(true));
  }
  if (a.length() != b.length()) return false;
  const auto& x = static_cast<const arrow::DoubleArray&>(a);
  const auto& y = static_cast<const arrow::DoubleArray&>(b);
  for (int64_t i = 0; i < a.length(); ++i) {
    if (x.IsNull(i) || y.IsNull(i)) {
      if (x.IsNull(i) != y.IsNull(i)) return false;
      continue;
    }
    const double u = x.Value(i), v = y.Value(i);
    if (std::isnan(u) || std::isnan(v)) {
      if (std::isnan(u) != std::isnan(v)) return false;
      continue;
    }
    if (std::abs(u - v) > 1e-9 * std::max({1.0, std::abs(u), std::abs(v)})) return false;
  }
  return true;
}

void ExpectSameAsGeneralPath(const Table& table, const std::vector<std::string>& keys,
                             const std::vector<Aggregation>& aggregations) {
  ASSERT_OK_AND_ASSIGN(auto fast, GroupBy(table, keys, aggregations));
  ASSERT_OK_AND_ASSIGN(auto general, internal::GroupByWithoutFastPath(table, keys, aggregations));
  ASSERT_TRUE(fast.schema()->Equals(*general.schema())) << fast.schema()->ToString() << "\nvs\n"
                                                        << general.schema()->ToString();
  ASSERT_EQ(fast.num_rows(), general.num_rows());
  for (const auto& name : fast.ColumnNames()) {
    ASSERT_OK_AND_ASSIGN(auto a, fast.Column(name));
    ASSERT_OK_AND_ASSIGN(auto b, general.Column(name));
    auto x = arrow::Concatenate(a->chunks()).ValueOrDie();
    auto y = arrow::Concatenate(b->chunks()).ValueOrDie();
    // Sums of floats in the same row order are equal; var, std and means of wide integers may
    // differ in their last bits between the two methods.
    EXPECT_TRUE(NearlyEqual(*x, *y)) << name << ":\nfast    " << x->ToString() << "\ngeneral "
                                     << y->ToString();
  }
}

// Keys drawn by `draw` of `type` (C type T), every value type, the fast aggregations.
template <typename T, typename Draw>
void CheckKeys(const std::shared_ptr<arrow::DataType>& type, int64_t n, double null_fraction, uint64_t seed,
               Draw&& draw) {
  std::mt19937_64 rng(seed);
  auto fields = ValueFields();
  auto columns = RandomValues(n, rng);
  fields.insert(fields.begin(), arrow::field("k", type));
  columns.insert(columns.begin(), RandomArray<T>(type, n, null_fraction, rng, [&] { return draw(rng); }));
  Table table(arrow::Table::Make(arrow::schema(fields), columns));
  SCOPED_TRACE(type->ToString() + ", " + std::to_string(n) + " rows");
  ExpectSameAsGeneralPath(table, {"k"}, FastAggregations());
  ExpectSameAsGeneralPath(InTwoChunks(table), {"k"},
                          {{"f64", AggregateKind::kSum}, {"i32", AggregateKind::kMean}});
}

TEST(GroupByFastPath, DenseKeysIndexDirectly) {
  for (int64_t n : {0, 1, 7, 3000}) {
    CheckKeys<int64_t>(arrow::int64(), n, 0.1, 1, [](auto& rng) { return int64_t(rng() % 50) - 25; });
    CheckKeys<int8_t>(arrow::int8(), n, 0.1, 2, [](auto& rng) { return rng(); });  // the whole int8 range
    CheckKeys<uint16_t>(arrow::uint16(), n, 0.0, 3, [](auto& rng) { return rng() % 300; });
    CheckKeys<int32_t>(arrow::date32(), n, 0.3, 4, [](auto& rng) { return 18000 + int32_t(rng() % 40); });
  }
}

TEST(GroupByFastPath, WideKeysHash) {
  for (int64_t n : {1, 7, 3000}) {
    // 32-bit codes (hashed in place) and 64-bit codes, negative and above INT64_MAX.
    CheckKeys<int32_t>(arrow::int32(), n, 0.1, 5,
                       [](auto& rng) { return int32_t(rng() % 64) * 1000003 - 5000000; });
    CheckKeys<int64_t>(arrow::int64(), n, 0.1, 6,
                       [](auto& rng) { return int64_t(rng() % 64) * -(int64_t{1} << 55); });
    CheckKeys<uint64_t>(arrow::uint64(), n, 0.1, 7,
                        [](auto& rng) { return (rng() % 64) << 57 | (rng() % 3); });
    CheckKeys<int64_t>(arrow::timestamp(arrow::TimeUnit::MICRO, "UTC"), n, 0.2, 8,
                       [](auto& rng) { return int64_t(rng() % 1000) * 86400000000; });
    // As many groups as rows: the hash table grows many times.
    CheckKeys<int64_t>(arrow::int64(), n, 0.0, 9, [](auto& rng) { return int64_t(rng()); });
  }
}

TEST(GroupByFastPath, AllNullKeysAllNullGroupsAndEmpty) {
  // Keys all null; values null for whole groups: sum, mean, min, max null, count 0.
  CheckKeys<int64_t>(arrow::int64(), 100, 1.0, 10, [](auto& rng) { return 1; });
  auto schema = arrow::schema({arrow::field("k", arrow::int16()), arrow::field("v", arrow::int32())});
  auto table = MakeTable(schema, {"[-2, 5, -2, null, 5, null]", "[null, 1, null, 4, 3, null]"});
  std::vector<Aggregation> aggregations = {{"v", AggregateKind::kSum},  {"v", AggregateKind::kCount},
                                           {"v", AggregateKind::kMean}, {"v", AggregateKind::kMin},
                                           {"v", AggregateKind::kVar},  {"v", AggregateKind::kStd, 0.5, 0}};
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"k"}, aggregations));
  ExpectColumn(out, "k", arrow::int16(), "[-2, 5, null]");
  ExpectColumn(out, "v_sum", arrow::int64(), "[null, 4, 4]");
  ExpectColumn(out, "v_count", arrow::int64(), "[0, 2, 1]");
  ExpectColumn(out, "v_mean", arrow::float64(), "[null, 2, 4]");
  ExpectColumn(out, "v_min", arrow::int32(), "[null, 1, 4]");
  ExpectColumn(out, "v_var", arrow::float64(), "[null, 2, null]");
  ExpectColumn(out, "v_std", arrow::float64(), "[null, 1, 0]");
  ExpectSameAsGeneralPath(table, {"k"}, aggregations);
  ExpectSameAsGeneralPath(MakeTable(schema, {"[]", "[]"}), {"k"}, aggregations);
  ExpectSameAsGeneralPath(MakeTable(schema, {"[]", "[]"}), {"k"}, {});
}

TEST(GroupByFastPath, SeveralKeysSortLikeTheGeneralPath) {
  std::mt19937_64 rng(11);
  for (int64_t n : {0, 5, 2000}) {
    auto fields = ValueFields();
    auto columns = RandomValues(n, rng);
    fields.insert(fields.begin(), {arrow::field("a", arrow::int32()), arrow::field("b", arrow::uint8()),
                                   arrow::field("c", arrow::int64())});
    columns.insert(
        columns.begin(),
        {RandomArray<int32_t>(arrow::int32(), n, 0.1, rng, [&] { return int32_t(rng() % 7) - 3; }),
         RandomArray<uint8_t>(arrow::uint8(), n, 0.2, rng, [&] { return rng() % 5; }),
         RandomArray<int64_t>(arrow::int64(), n, 0.1, rng, [&] { return int64_t(rng() % 9) << 50; })});
    Table table(arrow::Table::Make(arrow::schema(fields), columns));
    ExpectSameAsGeneralPath(table, {"a", "b"}, FastAggregations());       // direct
    ExpectSameAsGeneralPath(table, {"b", "a", "c"}, FastAggregations());  // hashed 64-bit codes
    ExpectSameAsGeneralPath(InTwoChunks(table), {"c", "a"}, {{"f64", AggregateKind::kMean}});
  }
}

TEST(GroupByFastPath, DirectIndexInBlocksAcrossChunks) {
  // A direct index hands the ids to the accumulators 2^17 rows at a time: several blocks whose
  // edges fall inside chunks, nulls in keys and values, one and two keys, with and without var
  // (which keeps every row's id for its second pass).
  std::mt19937_64 rng(13);
  const int64_t n = 300000;
  auto fields = ValueFields();
  auto columns = RandomValues(n, rng);
  fields.insert(fields.begin(), {arrow::field("a", arrow::int64()), arrow::field("b", arrow::int16())});
  columns.insert(
      columns.begin(),
      {RandomArray<int64_t>(arrow::int64(), n, 0.05, rng, [&] { return int64_t(rng() % 1000) - 500; }),
       RandomArray<int16_t>(arrow::int16(), n, 0.1, rng, [&] { return int16_t(rng() % 3); })});
  const Table whole(arrow::Table::Make(arrow::schema(fields), columns));
  std::vector<std::shared_ptr<arrow::Table>> pieces;
  int64_t begin = 0;
  for (const int64_t cut :
       {int64_t{1000}, int64_t{100000}, int64_t{131072}, int64_t{200000}, int64_t{290000}, n}) {
    pieces.push_back(whole.arrow()->Slice(begin, cut - begin));
    begin = cut;
  }
  const Table table(arrow::ConcatenateTables(pieces).ValueOrDie());
  const std::vector<Aggregation> accumulated = {{"f64", AggregateKind::kSum},   {"f64", AggregateKind::kMean},
                                                {"i32", AggregateKind::kCount}, {"u16", AggregateKind::kMin},
                                                {"f32", AggregateKind::kMax},   {"i8", AggregateKind::kSum}};
  ExpectSameAsGeneralPath(table, {"a"}, accumulated);
  ExpectSameAsGeneralPath(table, {"a", "b"}, accumulated);
  ExpectSameAsGeneralPath(table, {"b", "a"}, {{"f64", AggregateKind::kVar}, {"i64", AggregateKind::kMean}});
}

TEST(GroupByFastPath, KeysSpanningAllValuesFallBack) {
  // INT64_MIN and INT64_MAX in one key: 2^64 codes plus null do not fit; the general path runs.
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::float64())});
  auto table = MakeTable(schema, {"[9223372036854775807, -9223372036854775808, null, 0]", "[1, 2, 3, 4]"});
  ASSERT_OK_AND_ASSIGN(auto out, GroupBy(table, {"k"}, {{"v", AggregateKind::kSum}}));
  ExpectColumn(out, "k", arrow::int64(), "[-9223372036854775808, 0, 9223372036854775807, null]");
  ExpectColumn(out, "v_sum", arrow::float64(), "[2, 4, 1, 3]");
  ExpectSameAsGeneralPath(table, {"k"}, {{"v", AggregateKind::kSum}});
}

TEST(ParseAggregation, SpecsAndErrors) {
  ASSERT_OK_AND_ASSIGN(auto aggregation, ParseAggregation("v:sum"));
  EXPECT_EQ(aggregation.column, "v");
  EXPECT_EQ(aggregation.kind, AggregateKind::kSum);
  ASSERT_OK_AND_ASSIGN(aggregation, ParseAggregation("a:b:quantile=0.9"));
  EXPECT_EQ(aggregation.column, "a:b");
  EXPECT_EQ(aggregation.kind, AggregateKind::kQuantile);
  EXPECT_DOUBLE_EQ(aggregation.quantile, 0.9);
  EXPECT_EQ(AggregationOutputName(aggregation), "a:b_q0.9");
  ASSERT_OK_AND_ASSIGN(aggregation, ParseAggregation("w:avg"));
  EXPECT_EQ(aggregation.kind, AggregateKind::kMean);
  EXPECT_EQ(AggregationOutputName(aggregation), "w_mean");
  EXPECT_FALSE(ParseAggregation("v").ok());
  EXPECT_FALSE(ParseAggregation(":sum").ok());
  EXPECT_FALSE(ParseAggregation("v:").ok());
  EXPECT_EQ(
      ParseAggregation("v:total").status().message(),
      "aggregation 'v:total': unknown kind 'total' (sum, count, mean, min, max, var, std, nunique, median, "
      "quantile=Q)");
  EXPECT_EQ(ParseAggregation("v:quantile=2").status().message(),
            "aggregation 'v:quantile=2': the quantile must be a number in [0, 1], not '2'");
  EXPECT_FALSE(ParseAggregation("v:quantile=x").ok());
}

}  // namespace
}  // namespace deeprc::table
