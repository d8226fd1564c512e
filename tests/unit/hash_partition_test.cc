#include <gtest/gtest.h>

#include <map>
#include <random>

#include <arrow/compute/api.h>

#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/hash_partition.h"
#include "table_assert.h"
#include "test_util.h"

namespace deeprc::table {
namespace {

using testing::ErrorOf;
using testing::MakeTable;

std::vector<uint64_t> Hashes(const Table& table, const std::vector<std::string>& keys) {
  auto hashes = HashRows(table, keys);
  EXPECT_TRUE(hashes.ok()) << hashes.status().ToString();
  if (!hashes.ok()) return {};
  return {(*hashes)->raw_values(), (*hashes)->raw_values() + (*hashes)->length()};
}

Table OneColumn(const std::shared_ptr<arrow::DataType>& type, const std::string& values) {
  return MakeTable(arrow::schema({arrow::field("k", type)}), {values});
}

TEST(HashPartition, PartsHoldEveryRowOnceAndEqualKeysTogether) {
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("s", arrow::utf8()),
                               arrow::field("row", arrow::int64())});
  const Table table =
      MakeTable(schema, {"[1, 2, 3, 1, null, 2, 7, null, 1]",
                         R"(["a", "b", "c", "d", "e", "f", "g", "h", "i"])", "[0, 1, 2, 3, 4, 5, 6, 7, 8]"});
  ASSERT_OK_AND_ASSIGN(auto parts, HashPartition(table, {"k"}, 3));
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_OK_AND_ASSIGN(Table all, Concat(parts));
  EXPECT_TABLES_EQUAL_UNORDERED(all, table);

  std::map<std::string, int> part_of_key;
  for (int p = 0; p < 3; ++p) {
    EXPECT_TRUE(parts[p].schema()->Equals(*schema));
    ASSERT_OK_AND_ASSIGN(auto keys, parts[p].Column("k"));
    ASSERT_OK_AND_ASSIGN(auto rows, parts[p].Column("row"));
    int64_t previous_row = -1;
    for (int64_t i = 0; i < keys->length(); ++i) {
      ASSERT_OK_AND_ASSIGN(auto key, keys->GetScalar(i));
      const auto [it, inserted] = part_of_key.emplace(key->ToString(), p);
      EXPECT_EQ(it->second, p) << "key " << key->ToString() << " is in two parts";
      // Rows keep their input order within a part.
      ASSERT_OK_AND_ASSIGN(auto row, rows->GetScalar(i));
      const int64_t r = std::static_pointer_cast<arrow::Int64Scalar>(row)->value;
      EXPECT_GT(r, previous_row);
      previous_row = r;
    }
  }
}

TEST(HashPartition, CompatibleTypesHashAlike) {
  const auto ints = Hashes(OneColumn(arrow::int64(), "[5, -1, 0, null, 300]"), {"k"});
  EXPECT_EQ(Hashes(OneColumn(arrow::int32(), "[5, -1, 0, null, 300]"), {"k"}), ints);
  EXPECT_EQ(Hashes(OneColumn(arrow::int16(), "[5, -1, 0, null, 300]"), {"k"}), ints);
  EXPECT_EQ(Hashes(OneColumn(arrow::float64(), "[5.0, -1.0, -0.0, null, 300.0]"), {"k"}), ints);
  EXPECT_EQ(Hashes(OneColumn(arrow::float32(), "[5.0, -1.0, 0.0, null, 300.0]"), {"k"}), ints);
  const auto unsigned_ints = Hashes(OneColumn(arrow::uint8(), "[5, 0, 200]"), {"k"});
  EXPECT_EQ(Hashes(OneColumn(arrow::int64(), "[5, 0, 200]"), {"k"}), unsigned_ints);
  EXPECT_EQ(Hashes(OneColumn(arrow::uint64(), "[5, 0, 200]"), {"k"}), unsigned_ints);

  const auto strings =
      Hashes(OneColumn(arrow::utf8(), R"(["", "a", "a longer string than 16 bytes", null])"), {"k"});
  EXPECT_EQ(
      Hashes(OneColumn(arrow::large_utf8(), R"(["", "a", "a longer string than 16 bytes", null])"), {"k"}),
      strings);
  EXPECT_EQ(
      Hashes(OneColumn(arrow::utf8_view(), R"(["", "a", "a longer string than 16 bytes", null])"), {"k"}),
      strings);

  EXPECT_EQ(Hashes(OneColumn(arrow::date32(), "[0, 1, -3]"), {"k"}),
            Hashes(OneColumn(arrow::date64(), "[0, 86400000, -259200000]"), {"k"}));

  // A null is a null whatever its type.
  EXPECT_EQ(Hashes(OneColumn(arrow::utf8(), "[null]"), {"k"}),
            Hashes(OneColumn(arrow::null(), "[null]"), {"k"}));
}

TEST(HashPartition, HashIsAFixedFunctionOfTheValues) {
  // Pinned values: the distributed shuffle relies on every process computing these. A change
  // here changes how data is placed across ranks and must be deliberate.
  auto schema = arrow::schema({arrow::field("i", arrow::int64()), arrow::field("s", arrow::utf8())});
  const Table table = MakeTable(schema, {"[0, 1, null, -7]", R"(["", "abc", "abc", null])"});
  const auto hashes = Hashes(table, {"i", "s"});
  ASSERT_EQ(hashes.size(), 4u);
  const std::vector<uint64_t> pinned = {13340188765367608566ULL, 14251855342611474386ULL,
                                        13917603881276082594ULL, 3557867481764682067ULL};
  EXPECT_EQ(hashes, pinned);
  // Key order matters.
  EXPECT_NE(Hashes(table, {"s", "i"}), hashes);
}

TEST(HashPartition, ChunkingDoesNotChangeTheHash) {
  auto schema = arrow::schema({arrow::field("k", arrow::utf8()), arrow::field("n", arrow::int32())});
  const Table a = MakeTable(schema, {R"(["x", null])", "[1, 2]"});
  const Table b = MakeTable(schema, {R"(["y", "z", "x"])", "[3, null, 1]"});
  ASSERT_OK_AND_ASSIGN(Table chunked, Concat({a, b}));
  ASSERT_OK_AND_ASSIGN(Table combined, chunked.CombineChunks());
  EXPECT_EQ(Hashes(chunked, {"k", "n"}), Hashes(combined, {"k", "n"}));
  const auto whole = Hashes(combined, {"k", "n"});
  EXPECT_EQ(Hashes(Table(combined.arrow()->Slice(2)), {"k", "n"}),
            std::vector<uint64_t>(whole.begin() + 2, whole.end()));
}

TEST(HashPartition, AllNullKeysGoToOnePartition) {
  const Table table = OneColumn(arrow::int64(), "[null, null, null, null, null]");
  ASSERT_OK_AND_ASSIGN(auto parts, HashPartition(table, {"k"}, 4));
  int non_empty = 0;
  for (const auto& part : parts) non_empty += part.num_rows() > 0;
  EXPECT_EQ(non_empty, 1);
}

TEST(HashPartition, OnePartitionAndEmptyTables) {
  const Table table = OneColumn(arrow::int64(), "[3, 1, 2]");
  ASSERT_OK_AND_ASSIGN(auto one, HashPartition(table, {"k"}, 1));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TABLES_EQUAL(one[0], table);
  ASSERT_OK_AND_ASSIGN(auto empty, HashPartition(OneColumn(arrow::int64(), "[]"), {"k"}, 5));
  ASSERT_EQ(empty.size(), 5u);
  for (const auto& part : empty) EXPECT_EQ(part.num_rows(), 0);
}

TEST(HashPartition, PartitionOfHashSpreadsOverAllParts) {
  EXPECT_EQ(PartitionOfHash(0, 7), 0);
  EXPECT_EQ(PartitionOfHash(~uint64_t{0}, 7), 6);
  std::vector<int> counts(7, 0);
  const Table table = OneColumn(arrow::int64(), [] {
    std::string values = "[";
    for (int i = 0; i < 7000; ++i) values += (i ? "," : "") + std::to_string(i);
    return values + "]";
  }());
  ASSERT_OK_AND_ASSIGN(auto parts, HashPartition(table, {"k"}, 7));
  for (const auto& part : parts) {
    EXPECT_GT(part.num_rows(), 800);
    EXPECT_LT(part.num_rows(), 1200);
  }
}

TEST(HashPartition, EveryColumnKindMatchesAStableFilterByHash) {
  // Fixed-width columns without nulls are scattered straight into their parts; columns with nulls,
  // strings and booleans are gathered by row numbers. Either way part p must hold exactly the rows
  // whose hash maps to p, in input order, whatever the chunking and however many parts (ids of
  // 8 bits up to 256 parts, 16 bits beyond).
  std::mt19937_64 rng(5);
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("n", arrow::int32()),
                               arrow::field("s", arrow::utf8()), arrow::field("b", arrow::boolean()),
                               arrow::field("d", arrow::float64()), arrow::field("u", arrow::uint8()),
                               arrow::field("h", arrow::int16())});
  std::vector<Table> chunks;
  for (const int64_t rows : {0, 700, 1, 1300}) {
    std::string k = "[", n = "[", str = "[", b = "[", d = "[", u = "[", h = "[";
    for (int64_t i = 0; i < rows; ++i) {
      const std::string sep = i ? "," : "";
      const int64_t key = static_cast<int64_t>(rng() % 500) - 250;
      k += sep + std::to_string(key);
      n += sep + (rng() % 7 == 0 ? "null" : std::to_string(rng() % 1000));
      str += sep + (rng() % 9 == 0 ? "null" : "\"s" + std::to_string(key % 13) + "\"");
      b += sep + (rng() % 2 ? "true" : "false");
      d += sep + std::to_string(static_cast<double>(rng() % 1000) / 8);
      u += sep + std::to_string(rng() % 256);
      h += sep + std::to_string(static_cast<int64_t>(rng() % 60000) - 30000);
    }
    chunks.push_back(MakeTable(schema, {k + "]", n + "]", str + "]", b + "]", d + "]", u + "]", h + "]"}));
  }
  ASSERT_OK_AND_ASSIGN(Table table, Concat(chunks));
  for (const std::vector<std::string>& keys : {std::vector<std::string>{"k"}, {"s", "k"}}) {
    const auto hashes = Hashes(table, keys);
    for (const int num_parts : {2, 3, 300}) {
      SCOPED_TRACE(std::to_string(keys.size()) + " keys, " + std::to_string(num_parts) + " parts");
      ASSERT_OK_AND_ASSIGN(auto parts, HashPartition(table, keys, num_parts));
      ASSERT_EQ(parts.size(), static_cast<size_t>(num_parts));
      std::vector<std::vector<int64_t>> rows_of(num_parts);
      for (size_t r = 0; r < hashes.size(); ++r) {
        rows_of[PartitionOfHash(hashes[r], num_parts)].push_back(static_cast<int64_t>(r));
      }
      for (int p = 0; p < num_parts; ++p) {
        arrow::Int64Builder indices;
        ASSERT_OK(indices.AppendValues(rows_of[p]));
        ASSERT_OK_AND_ASSIGN(auto index_array, indices.Finish());
        ASSERT_OK_AND_ASSIGN(auto expected, arrow::compute::Take(arrow::Datum(table.arrow()),
                                                                 arrow::Datum(index_array)));
        EXPECT_TABLES_EQUAL(parts[p], Table(expected.table()));
      }
    }
  }
}

TEST(HashPartition, Errors) {
  const Table table = OneColumn(arrow::int64(), "[1]");
  EXPECT_NE(ErrorOf(HashPartition(table, {"k"}, 0)).find(">= 1"), std::string::npos);
  EXPECT_NE(ErrorOf(HashPartition(table, {"x"}, 2)).find("no column 'x'"), std::string::npos);
  EXPECT_FALSE(HashPartition(table, {}, 2).ok());
  const Table lists = OneColumn(arrow::list(arrow::int32()), "[[1]]");
  EXPECT_NE(ErrorOf(HashRows(lists, {"k"})).find("column 'k'"), std::string::npos);
}

}  // namespace
}  // namespace deeprc::table
