#include <gtest/gtest.h>

#include <arrow/compute/api.h>

#include <cmath>
#include <limits>
#include <random>

#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/sort/radix_sort.h"
#include "deeprc/table/sort/sort.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::ErrorOf;
using testing::MakeTable;

std::vector<uint64_t> IndicesOf(const Table& table, const std::vector<SortKey>& keys) {
  auto indices = SortIndices(table, keys);
  EXPECT_TRUE(indices.ok()) << indices.status().ToString();
  if (!indices.ok()) return {};
  return {(*indices)->raw_values(), (*indices)->raw_values() + (*indices)->length()};
}

TEST(Sort, SeveralKeysWithDirectionsNullsLastAndStable) {
  auto schema = arrow::schema({arrow::field("a", arrow::int32()), arrow::field("b", arrow::utf8()),
                               arrow::field("row", arrow::int32())});
  // Rows 1 and 4 tie on both keys: the stable sort keeps 1 before 4.
  const Table table = MakeTable(
      schema, {"[2, 1, null, 2, 1, 1]", R"(["x", "y", "z", null, "y", "w"])", "[0, 1, 2, 3, 4, 5]"});
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"a", true}, {"b", false}}));
  const Table expected = MakeTable(
      schema, {"[1, 1, 1, 2, 2, null]", R"(["y", "y", "w", "x", null, "z"])", "[1, 4, 5, 0, 3, 2]"});
  EXPECT_TABLES_EQUAL(sorted, expected);
}

TEST(Sort, DescendingStillPutsNullsLast) {
  auto schema = arrow::schema({arrow::field("a", arrow::int64())});
  const Table table = MakeTable(schema, {"[null, 3, 1, null, 2]"});
  EXPECT_EQ(IndicesOf(table, {{"a", false}}), (std::vector<uint64_t>{1, 4, 2, 0, 3}));
  EXPECT_EQ(IndicesOf(table, {{"a", true}}), (std::vector<uint64_t>{2, 4, 1, 0, 3}));
}

TEST(Sort, NaNSortsAfterNumbersAndBeforeNullsInBothDirections) {
  const double nan = std::nan("");
  arrow::DoubleBuilder builder;
  ASSERT_OK(builder.Append(1.0));
  ASSERT_OK(builder.Append(nan));
  ASSERT_OK(builder.AppendNull());
  ASSERT_OK(builder.Append(-1.0));
  ASSERT_OK(builder.Append(nan));
  ASSERT_OK_AND_ASSIGN(auto array, builder.Finish());
  const Table table(arrow::Table::Make(arrow::schema({arrow::field("x", arrow::float64())}), {array}));
  EXPECT_EQ(IndicesOf(table, {{"x", true}}), (std::vector<uint64_t>{3, 0, 1, 4, 2}));
  EXPECT_EQ(IndicesOf(table, {{"x", false}}), (std::vector<uint64_t>{0, 3, 1, 4, 2}));
}

TEST(Sort, EveryRequiredTypeWithNulls) {
  struct Case {
    std::shared_ptr<arrow::DataType> type;
    std::string values;
  };
  const std::vector<Case> cases = {
      {arrow::int8(), "[3, null, -1, 2]"},
      {arrow::int16(), "[3, null, -1, 2]"},
      {arrow::int32(), "[3, null, -1, 2]"},
      {arrow::int64(), "[3, null, -1, 2]"},
      {arrow::uint8(), "[3, null, 0, 2]"},
      {arrow::uint16(), "[3, null, 0, 2]"},
      {arrow::uint32(), "[3, null, 0, 2]"},
      {arrow::uint64(), "[18446744073709551615, null, 0, 2]"},
      {arrow::float32(), "[3.5, null, -1.5, 2]"},
      {arrow::float64(), "[3.5, null, -1.5, 2]"},
      {arrow::utf8(), R"(["c", null, "a", "b"])"},
      {arrow::large_utf8(), R"(["c", null, "a", "b"])"},
      {arrow::date32(), "[300, null, -10, 20]"},
      {arrow::timestamp(arrow::TimeUnit::MICRO), "[300, null, -10, 20]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type->ToString());
    const Table table = MakeTable(arrow::schema({arrow::field("k", c.type)}), {c.values});
    EXPECT_EQ(IndicesOf(table, {{"k", true}}), (std::vector<uint64_t>{2, 3, 0, 1}));
    EXPECT_EQ(IndicesOf(table, {{"k", false}}), (std::vector<uint64_t>{0, 3, 2, 1}));
  }
  const Table bools =
      MakeTable(arrow::schema({arrow::field("k", arrow::boolean())}), {"[true, null, false]"});
  EXPECT_EQ(IndicesOf(bools, {{"k", true}}), (std::vector<uint64_t>{2, 0, 1}));
}

TEST(Sort, WorksAcrossChunks) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64())});
  const Table a = MakeTable(schema, {"[5, 1]"});
  const Table b = MakeTable(schema, {"[3, null, 0]"});
  ASSERT_OK_AND_ASSIGN(auto chunked, arrow::ConcatenateTables({a.arrow(), b.arrow()}));
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(Table(chunked), {{"k", true}}));
  EXPECT_TABLES_EQUAL(sorted, MakeTable(schema, {"[0, 1, 3, 5, null]"}));
}

// --- the radix-sort fast path against Arrow's sort_indices, the reference --------------------------

// Arrow's own stable order with nulls at the end: the order SortIndices documents.
std::vector<uint64_t> ArrowOrder(const std::shared_ptr<arrow::ChunkedArray>& column, bool ascending) {
  EXPECT_TRUE(EnsureComputeInitialized().ok());
  auto table =
      arrow::Table::Make(arrow::schema({arrow::field("k", column->type())}), {column}, column->length());
  arrow::compute::SortOptions options(
      {arrow::compute::SortKey(
          "k", ascending ? arrow::compute::SortOrder::Ascending : arrow::compute::SortOrder::Descending)},
      arrow::compute::NullPlacement::AtEnd);
  auto indices = arrow::compute::SortIndices(arrow::Datum(table), options);
  EXPECT_TRUE(indices.ok()) << indices.status().ToString();
  auto array = std::static_pointer_cast<arrow::UInt64Array>(*indices);
  return {array->raw_values(), array->raw_values() + array->length()};
}

// Random values of `type` with many duplicates, negatives, nulls and, for floats, NaN, -0.0 and
// infinities; split into chunks of random lengths.
std::shared_ptr<arrow::ChunkedArray> RandomColumn(std::mt19937_64& rng,
                                                  const std::shared_ptr<arrow::DataType>& type, int64_t rows,
                                                  int64_t distinct) {
  std::unique_ptr<arrow::ArrayBuilder> builder;
  EXPECT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder).ok());
  std::uniform_int_distribution<int64_t> value(-distinct, distinct);
  std::uniform_int_distribution<int> kind(0, 19);
  const bool is_unsigned = arrow::is_unsigned_integer(type->id());
  for (int64_t i = 0; i < rows; ++i) {
    const int k = kind(rng);
    if (k == 0) {
      EXPECT_TRUE(builder->AppendNull().ok());
      continue;
    }
    int64_t v = value(rng);
    if (is_unsigned && v < 0) v = -v;
    switch (type->id()) {
      case arrow::Type::FLOAT:
      case arrow::Type::DOUBLE: {
        double d = static_cast<double>(v) / 4;
        if (k == 1) d = std::numeric_limits<double>::quiet_NaN();
        if (k == 2) d = -0.0;
        if (k == 3) d = 0.0;
        if (k == 4) d = (v % 2 == 0 ? 1 : -1) * std::numeric_limits<double>::infinity();
        if (type->id() == arrow::Type::FLOAT) {
          EXPECT_TRUE(static_cast<arrow::FloatBuilder&>(*builder).Append(static_cast<float>(d)).ok());
        } else {
          EXPECT_TRUE(static_cast<arrow::DoubleBuilder&>(*builder).Append(d).ok());
        }
        break;
      }
      case arrow::Type::INT8:
        EXPECT_TRUE(static_cast<arrow::Int8Builder&>(*builder).Append(static_cast<int8_t>(v)).ok());
        break;
      case arrow::Type::INT16:
        EXPECT_TRUE(static_cast<arrow::Int16Builder&>(*builder).Append(static_cast<int16_t>(v)).ok());
        break;
      case arrow::Type::INT32:
      case arrow::Type::DATE32:
        EXPECT_TRUE(
            builder->AppendScalar(*arrow::MakeScalar(type, static_cast<int32_t>(v)).ValueOrDie()).ok());
        break;
      case arrow::Type::INT64:
        // Extremes too, so that the whole 64-bit range is crossed.
        if (k == 5) v = std::numeric_limits<int64_t>::min();
        if (k == 6) v = std::numeric_limits<int64_t>::max();
        EXPECT_TRUE(static_cast<arrow::Int64Builder&>(*builder).Append(v).ok());
        break;
      case arrow::Type::TIMESTAMP:
        EXPECT_TRUE(builder->AppendScalar(*arrow::MakeScalar(type, v).ValueOrDie()).ok());
        break;
      case arrow::Type::UINT8:
        EXPECT_TRUE(static_cast<arrow::UInt8Builder&>(*builder).Append(static_cast<uint8_t>(v)).ok());
        break;
      case arrow::Type::UINT32:
        EXPECT_TRUE(static_cast<arrow::UInt32Builder&>(*builder).Append(static_cast<uint32_t>(v)).ok());
        break;
      case arrow::Type::UINT64:
        EXPECT_TRUE(
            static_cast<arrow::UInt64Builder&>(*builder)
                .Append(k == 5 ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(v) << 20)
                .ok());
        break;
      default:
        ADD_FAILURE() << "no generator for " << type->ToString();
    }
  }
  auto array = builder->Finish().ValueOrDie();
  // Chunks of random lengths (some empty), so the sort reads across chunk boundaries.
  arrow::ArrayVector chunks;
  std::uniform_int_distribution<int64_t> length(0, std::max<int64_t>(1, rows / 3));
  for (int64_t offset = 0; offset < rows;) {
    const int64_t n = std::min(rows - offset, length(rng));
    chunks.push_back(array->Slice(offset, n));
    offset += n;
  }
  return std::make_shared<arrow::ChunkedArray>(chunks, type);
}

TEST(Sort, RadixPathMatchesArrowOnRandomColumns) {
  const std::vector<std::shared_ptr<arrow::DataType>> types = {arrow::int8(),
                                                               arrow::int16(),
                                                               arrow::int32(),
                                                               arrow::int64(),
                                                               arrow::uint8(),
                                                               arrow::uint32(),
                                                               arrow::uint64(),
                                                               arrow::float32(),
                                                               arrow::float64(),
                                                               arrow::date32(),
                                                               arrow::timestamp(arrow::TimeUnit::MILLI)};
  std::mt19937_64 rng(7);
  // Sizes around the insertion-sort cutoff (32) and a digit's 2048 buckets; key ranges from all
  // duplicates to mostly distinct, so digits are skipped and ranges recurse several levels deep.
  for (const int64_t rows : {0, 1, 2, 31, 32, 33, 100, 2049, 5000, 70000}) {
    for (const int64_t distinct : {int64_t{0}, int64_t{3}, int64_t{1000}, int64_t{1} << 40}) {
      for (const auto& type : types) {
        const auto column = RandomColumn(rng, type, rows, distinct);
        ASSERT_TRUE(RadixSortSupports(*type));
        for (const bool ascending : {true, false}) {
          SCOPED_TRACE(type->ToString() + " rows=" + std::to_string(rows) +
                       " distinct=" + std::to_string(distinct) + (ascending ? " asc" : " desc"));
          ASSERT_OK_AND_ASSIGN(auto indices, RadixSortIndices(*column, ascending));
          const std::vector<uint64_t> got(indices->raw_values(), indices->raw_values() + indices->length());
          ASSERT_EQ(got, ArrowOrder(column, ascending));
        }
      }
    }
  }
}

TEST(Sort, SingleKeySortGathersEveryColumnLikeArrowTake) {
  std::mt19937_64 rng(11);
  for (const int64_t rows : {0, 5, 3000}) {
    SCOPED_TRACE(rows);
    auto key = RandomColumn(rng, arrow::int64(), rows, 50);
    auto payload = RandomColumn(rng, arrow::float64(), rows, 1000);
    arrow::StringBuilder strings;
    for (int64_t i = 0; i < rows; ++i)
      ASSERT_OK(i % 7 == 0 ? strings.AppendNull() : strings.Append(std::to_string(i)));
    ASSERT_OK_AND_ASSIGN(auto string_array, strings.Finish());
    auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("v", arrow::float64()),
                                 arrow::field("s", arrow::utf8())});
    const Table table(
        arrow::Table::Make(schema, {key, payload, std::make_shared<arrow::ChunkedArray>(string_array)}));
    for (const bool ascending : {true, false}) {
      ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"k", ascending}}));
      const auto order = ArrowOrder(key, ascending);
      arrow::UInt64Builder indices;
      ASSERT_OK(indices.AppendValues(order));
      ASSERT_OK_AND_ASSIGN(auto index_array, indices.Finish());
      ASSERT_OK_AND_ASSIGN(auto expected,
                           arrow::compute::Take(arrow::Datum(table.arrow()), arrow::Datum(index_array)));
      EXPECT_TABLES_EQUAL(sorted, Table(expected.table()));
    }
  }
}

// A column of `type` from `values` (nulls where `valid` is false, if given), cut into chunks at `cuts`.
template <typename T>
std::shared_ptr<arrow::ChunkedArray> ChunkedOf(const std::shared_ptr<arrow::DataType>& type,
                                               const std::vector<T>& values, const std::vector<int64_t>& cuts,
                                               const std::vector<bool>& valid = {}) {
  std::unique_ptr<arrow::ArrayBuilder> builder;
  EXPECT_TRUE(arrow::MakeBuilder(arrow::default_memory_pool(), type, &builder).ok());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!valid.empty() && !valid[i]) {
      EXPECT_TRUE(builder->AppendNull().ok());
    } else {
      EXPECT_TRUE(builder->AppendScalar(*arrow::MakeScalar(type, values[i]).ValueOrDie()).ok());
    }
  }
  auto array = builder->Finish().ValueOrDie();
  arrow::ArrayVector chunks;
  int64_t begin = 0;
  for (const int64_t cut : cuts) {
    chunks.push_back(array->Slice(begin, cut - begin));
    begin = cut;
  }
  chunks.push_back(array->Slice(begin));
  return std::make_shared<arrow::ChunkedArray>(chunks, type);
}

// 8-byte columns without nulls, chunked like the key, travel with the keys through the radix sort
// (RadixSortCanCarry); the others are gathered. Both must give Arrow's take by Arrow's order, for
// integer and float keys, with and without the columns to gather, and keys with nulls or NaN
// (where nothing is carried).
TEST(Sort, SingleKeySortCarriesEightByteColumnsLikeArrowTake) {
  std::mt19937_64 rng(5);
  for (const int64_t rows : {0, 7, 5000}) {
    const std::vector<int64_t> cuts = rows == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{rows / 3};
    const std::vector<int64_t> other_cuts =
        rows == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{rows / 2};
    std::uniform_int_distribution<int64_t> value(-100, 100);
    std::vector<int64_t> ints(rows), stamps(rows);
    std::vector<int32_t> small(rows);
    std::vector<double> doubles(rows), float_keys(rows), float_keys_nan(rows);
    std::vector<bool> valid(rows);
    for (int64_t i = 0; i < rows; ++i) {
      ints[i] = value(rng);
      stamps[i] = value(rng) * 1000;
      small[i] = static_cast<int32_t>(value(rng));
      doubles[i] = static_cast<double>(value(rng)) / 8;
      float_keys[i] = ints[i] == 0 ? (i % 2 == 0 ? -0.0 : 0.0) : static_cast<double>(ints[i]) / 4;
      float_keys_nan[i] = i % 11 == 3 ? std::nan("") : float_keys[i];
      valid[i] = i % 9 != 4;
    }
    const auto carried_double = ChunkedOf(arrow::float64(), doubles, cuts);
    const auto carried_stamp = ChunkedOf(arrow::timestamp(arrow::TimeUnit::MICRO), stamps, cuts);
    const auto small_ints = ChunkedOf(arrow::int32(), small, cuts);             // 4 bytes: gathered
    const auto with_nulls = ChunkedOf(arrow::float64(), doubles, cuts, valid);  // nulls: gathered
    const auto chunked_apart = ChunkedOf(arrow::int64(), ints, other_cuts);     // other chunks: gathered
    const std::vector<std::shared_ptr<arrow::ChunkedArray>> keys = {
        ChunkedOf(arrow::int64(), ints, cuts), ChunkedOf(arrow::float64(), float_keys, cuts),
        ChunkedOf(arrow::int64(), ints, cuts, valid), ChunkedOf(arrow::float64(), float_keys_nan, cuts)};
    for (const auto& key : keys) {
      for (const bool gather_too : {false, true}) {
        std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("v", carried_double->type()),
                                                             arrow::field("k", key->type()),
                                                             arrow::field("t", carried_stamp->type())};
        arrow::ChunkedArrayVector columns = {carried_double, key, carried_stamp};
        if (gather_too) {
          fields.push_back(arrow::field("i", small_ints->type()));
          fields.push_back(arrow::field("n", with_nulls->type()));
          fields.push_back(arrow::field("a", chunked_apart->type()));
          columns.insert(columns.end(), {small_ints, with_nulls, chunked_apart});
        }
        const Table table(arrow::Table::Make(arrow::schema(fields), columns, rows));
        for (const bool ascending : {true, false}) {
          SCOPED_TRACE(key->type()->ToString() + " nulls=" + std::to_string(key->null_count()) + " rows=" +
                       std::to_string(rows) + (gather_too ? " gather" : "") + (ascending ? " asc" : " desc"));
          ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"k", ascending}}));
          arrow::UInt64Builder indices;
          ASSERT_OK(indices.AppendValues(ArrowOrder(key, ascending)));
          ASSERT_OK_AND_ASSIGN(auto index_array, indices.Finish());
          ASSERT_OK_AND_ASSIGN(auto expected,
                               arrow::compute::Take(arrow::Datum(table.arrow()), arrow::Datum(index_array)));
          EXPECT_TABLES_EQUAL(sorted, Table(expected.table()));
        }
      }
    }
  }
}

TEST(Sort, TakeRowsMatchesArrowTakeWithNullIndicesAndChunks) {
  std::mt19937_64 rng(3);
  const std::vector<std::shared_ptr<arrow::DataType>> types = {
      arrow::int8(), arrow::uint32(), arrow::float64(), arrow::date32(), arrow::int64()};
  // Power-of-two chunks (the shift path), random chunks (the binary search), one chunk.
  for (const int64_t rows : {0, 1, 64, 1000}) {
    for (const auto& type : types) {
      SCOPED_TRACE(type->ToString() + " rows=" + std::to_string(rows));
      auto random_chunks = RandomColumn(rng, type, rows, 100);
      ASSERT_OK_AND_ASSIGN(
          auto whole, arrow::Concatenate(random_chunks->chunks().empty()
                                             ? arrow::ArrayVector{arrow::MakeEmptyArray(type).ValueOrDie()}
                                             : random_chunks->chunks()));
      arrow::ArrayVector pow2;
      for (int64_t offset = 0; offset < rows; offset += 16) pow2.push_back(whole->Slice(offset, 16));
      for (const auto& column : {random_chunks, std::make_shared<arrow::ChunkedArray>(pow2, type),
                                 std::make_shared<arrow::ChunkedArray>(whole)}) {
        const Table table(arrow::Table::Make(arrow::schema({arrow::field("x", type)}), {column}, rows));
        arrow::Int64Builder indices;
        std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(rows - 1, 0));
        for (int64_t i = 0; i < 2 * rows; ++i) {
          ASSERT_OK(i % 5 == 4 ? indices.AppendNull() : indices.Append(pick(rng)));
        }
        ASSERT_OK_AND_ASSIGN(auto index_array, indices.Finish());
        ASSERT_OK_AND_ASSIGN(Table taken, TakeRows(table, *index_array));
        ASSERT_OK_AND_ASSIGN(auto expected,
                             arrow::compute::Take(arrow::Datum(table.arrow()), arrow::Datum(index_array)));
        EXPECT_TABLES_EQUAL(taken, Table(expected.table()));
      }
    }
  }
}

TEST(Sort, TakeRowsWithoutNullsMatchesArrowTakeOnChunksOfAnyLength) {
  // No null index and no null value: the fast paths. A shuffle's output has one chunk per rank,
  // of any lengths (found by comparisons up to 8 chunks, by binary search beyond), some empty.
  std::mt19937_64 rng(11);
  for (const auto& type : {arrow::int8(), arrow::int16(), arrow::float32(), arrow::int64()}) {
    for (const int num_chunks : {2, 3, 8, 9, 20}) {
      SCOPED_TRACE(type->ToString() + " chunks=" + std::to_string(num_chunks));
      arrow::Int64Builder values;
      std::uniform_int_distribution<int64_t> length(0, 40), value(-100, 100);
      arrow::ArrayVector chunks;
      int64_t rows = 0;
      for (int c = 0; c < num_chunks; ++c) {
        const int64_t n = c == 1 ? 0 : length(rng);
        for (int64_t i = 0; i < n; ++i) ASSERT_OK(values.Append(value(rng)));
        ASSERT_OK_AND_ASSIGN(auto chunk, values.Finish());
        ASSERT_OK_AND_ASSIGN(auto cast, arrow::compute::Cast(chunk, type));
        chunks.push_back(cast.make_array());
        rows += n;
      }
      const Table table(arrow::Table::Make(arrow::schema({arrow::field("x", type)}),
                                           {std::make_shared<arrow::ChunkedArray>(chunks, type)}, rows));
      for (const auto& index_type : {arrow::uint32(), arrow::int64()}) {
        arrow::Int64Builder indices;
        std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(rows - 1, 0));
        for (int64_t i = 0; i < (rows == 0 ? 0 : 3 * rows); ++i) ASSERT_OK(indices.Append(pick(rng)));
        ASSERT_OK_AND_ASSIGN(auto int64_indices, indices.Finish());
        ASSERT_OK_AND_ASSIGN(auto index_array, arrow::compute::Cast(int64_indices, index_type));
        ASSERT_OK_AND_ASSIGN(Table taken, TakeRows(table, *index_array.make_array()));
        ASSERT_OK_AND_ASSIGN(auto expected, arrow::compute::Take(arrow::Datum(table.arrow()), index_array));
        EXPECT_TABLES_EQUAL(taken, Table(expected.table()));
      }
    }
  }
}

TEST(Sort, TakeRowsRejectsIndicesOutOfRange) {
  const Table table = MakeTable(arrow::schema({arrow::field("x", arrow::int64())}), {"[1, 2, 3]"});
  for (const std::string indices : {"[0, 3]", "[-1]"}) {
    auto index_array = arrow::json::ArrayFromJSONString(arrow::int64(), indices).ValueOrDie();
    auto result = TakeRows(table, *index_array);
    ASSERT_FALSE(result.ok()) << indices;
    EXPECT_TRUE(result.status().IsIndexError()) << result.status().ToString();
  }
}

TEST(Sort, EmptyTable) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8())});
  const Table table = MakeTable(schema, {"[]", "[]"});
  ASSERT_OK_AND_ASSIGN(Table sorted, Sort(table, {{"k", true}, {"s", false}}));
  EXPECT_EQ(sorted.num_rows(), 0);
  EXPECT_TRUE(sorted.schema()->Equals(*schema));
}

TEST(Sort, MissingColumnIsNamed) {
  const Table table = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});
  auto result = Sort(table, {{"nope", true}});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(ErrorOf(result).find("no column 'nope'; the table has: k"), std::string::npos) << ErrorOf(result);
}

TEST(Sort, NeedsAKey) {
  const Table table = MakeTable(arrow::schema({arrow::field("k", arrow::int64())}), {"[1]"});
  EXPECT_FALSE(Sort(table, {}).ok());
}

}  // namespace
}  // namespace deeprc::table
