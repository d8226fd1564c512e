// Ranks whose shares of one table differ in column order or column types: every distributed
// operator agrees on one schema first, and its result equals the local operator on the
// concatenated input conformed by hand (rank 0's order, Arrow's common type). What the ranks
// cannot agree on (a column missing on a rank, types Arrow cannot unify, a value that does not
// survive its cast) is one clear error on every rank, and the table channel refuses to read one
// rank's buffers as another schema's columns.
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/json/from_string.h>

#include <algorithm>
#include <functional>

#include "deeprc/dist/all_reduce.h"
#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/equals.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/unique.h"
#include "mpi_test_util.h"
#include "random_table.h"

namespace deeprc {
namespace {

using testing::RandomTable;
using testing::RowsOf;
using testing::TestComm;

constexpr int64_t kRows = 150;

// Rank `rank`'s share of global table `seed` as RandomTable makes it (k, k32, s, v, w).
table::Table Plain(uint32_t seed, int rank) { return RandomTable(seed * 1000 + rank, RowsOf(rank, kRows)); }

table::Table Reversed(const table::Table& table) {
  auto names = table.ColumnNames();
  std::reverse(names.begin(), names.end());
  return table::Project(table, names).ValueOrDie();
}

table::Table WithType(const table::Table& table, const std::string& column,
                      const std::shared_ptr<arrow::DataType>& type) {
  (void)table::EnsureComputeInitialized();  // a failure shows in the cast below
  const int index = table.ColumnIndex(column).ValueOrDie();
  auto cast = arrow::compute::Cast(table.arrow()->column(index), type).ValueOrDie().chunked_array();
  return table::Table(table.arrow()->SetColumn(index, arrow::field(column, type), cast).ValueOrDie());
}

// Odd ranks hold their columns in reverse order; the agreed order is rank 0's, RandomTable's own.
table::Table ReorderedShare(uint32_t seed) {
  const int rank = TestComm().rank();
  return rank % 2 ? Reversed(Plain(seed, rank)) : Plain(seed, rank);
}

// Odd ranks hold k as double: once any rank does (two ranks or more), Arrow unifies int64 and
// double to double.
table::Table RetypedShare(uint32_t seed) {
  const int rank = TestComm().rank();
  return rank % 2 ? WithType(Plain(seed, rank), "k", arrow::float64()) : Plain(seed, rank);
}

table::Table PlainWhole(uint32_t seed) {
  std::vector<table::Table> parts;
  for (int r = 0; r < TestComm().size(); ++r) parts.push_back(Plain(seed, r));
  return table::Concat(parts).ValueOrDie();
}

table::Table RetypedWhole(uint32_t seed) {
  const table::Table whole = PlainWhole(seed);
  return TestComm().size() > 1 ? WithType(whole, "k", arrow::float64()) : whole;
}

// Gathers the distributed result and compares it, schema and rows as a multiset, with `expected`.
void ExpectSameRows(const table::Table& distributed, const table::Table& expected) {
  ASSERT_TRUE(distributed.schema()->Equals(*expected.schema(), /*check_metadata=*/false))
      << "rank " << TestComm().rank() << " got\n"
      << distributed.schema()->ToString() << "\nexpected\n"
      << expected.schema()->ToString();
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), distributed));
  ASSERT_OK_AND_ASSIGN(table::TableComparison comparison,
                       table::Compare(all, expected, table::EqualsOptions{/*ordered=*/false}));
  EXPECT_TRUE(comparison.equal) << comparison.difference << "\n got " << all.num_rows() << " rows, expected "
                                << expected.num_rows();
}

// Every operator on shares made by `share`, against the local operator on `whole`.
void ExpectOperatorsAgree(const std::function<table::Table(uint32_t)>& share,
                          const std::function<table::Table(uint32_t)>& whole) {
  {
    SCOPED_TRACE("shuffle");
    ASSERT_OK_AND_ASSIGN(table::Table got, dist::Shuffle(TestComm(), share(1), {"k"}));
    ExpectSameRows(got, whole(1));
  }
  {
    SCOPED_TRACE("sort");
    const std::vector<table::SortKey> keys = {{"k", true}, {"v", false}, {"w", true}};
    ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedSort(TestComm(), share(2), keys));
    ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), got));
    ASSERT_OK_AND_ASSIGN(table::Table expected, table::Sort(whole(2), keys));
    ASSERT_OK_AND_ASSIGN(table::TableComparison ordered,
                         table::Compare(table::Project(all, {"k", "v", "w"}).ValueOrDie(),
                                        table::Project(expected, {"k", "v", "w"}).ValueOrDie()));
    EXPECT_TRUE(ordered.equal) << ordered.difference;
    ExpectSameRows(got, expected);
  }
  {
    SCOPED_TRACE("join with a right side of one schema everywhere");
    table::JoinOptions options = table::JoinOptions::On({"k"}, table::JoinType::kFullOuter);
    ASSERT_OK_AND_ASSIGN(table::Table got,
                         dist::DistributedJoin(TestComm(), share(3), Plain(4, TestComm().rank()), options));
    ExpectSameRows(got, table::Join(whole(3), PlainWhole(4), options).ValueOrDie());
  }
  {
    SCOPED_TRACE("join of two sides that each differ across ranks");
    table::JoinOptions options = table::JoinOptions::On({"k"}, table::JoinType::kInner);
    ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedJoin(TestComm(), share(5), share(6), options));
    ExpectSameRows(got, table::Join(whole(5), whole(6), options).ValueOrDie());
  }
  {
    SCOPED_TRACE("groupby");
    std::vector<table::Aggregation> aggregations;
    for (const char* spec : {"v:count", "v:max", "w:sum", "s:max", "k32:min"})
      aggregations.push_back(table::ParseAggregation(spec).ValueOrDie());
    ASSERT_OK_AND_ASSIGN(table::Table got,
                         dist::DistributedGroupBy(TestComm(), share(7), {"k"}, aggregations));
    ExpectSameRows(got, table::GroupBy(whole(7), {"k"}, aggregations).ValueOrDie());
  }
  {
    SCOPED_TRACE("unique and set operations");
    auto narrow = [](const table::Table& table) {
      // The shares' own order of k and s, whatever it is.
      std::vector<std::string> names;
      for (const auto& name : table.ColumnNames())
        if (name == "k" || name == "s") names.push_back(name);
      return table::Project(table, names).ValueOrDie();
    };
    const table::Table a = narrow(share(8)), b = narrow(share(9));
    const table::Table whole_a = narrow(whole(8)), whole_b = narrow(whole(9));
    ASSERT_OK_AND_ASSIGN(table::Table unique, dist::DistributedUnique(TestComm(), a));
    ExpectSameRows(unique, table::Unique(whole_a).ValueOrDie());
    ASSERT_OK_AND_ASSIGN(table::Table unite, dist::DistributedUnion(TestComm(), a, b));
    ExpectSameRows(unite, table::Union(whole_a, whole_b).ValueOrDie());
    ASSERT_OK_AND_ASSIGN(table::Table intersect, dist::DistributedIntersect(TestComm(), a, b));
    ExpectSameRows(intersect, table::Intersect(whole_a, whole_b).ValueOrDie());
    ASSERT_OK_AND_ASSIGN(table::Table subtract, dist::DistributedSubtract(TestComm(), a, b));
    ExpectSameRows(subtract, table::Subtract(whole_a, whole_b).ValueOrDie());
  }
  {
    SCOPED_TRACE("repartition");
    ASSERT_OK_AND_ASSIGN(table::Table even, dist::Repartition(TestComm(), share(10)));
    ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), even));
    ASSERT_OK_AND_ASSIGN(table::TableComparison ordered, table::Compare(all, whole(10)));
    EXPECT_TRUE(ordered.equal) << ordered.difference;
  }
  {
    SCOPED_TRACE("all-reduce of k");
    ASSERT_OK_AND_ASSIGN(auto sum, dist::AllReduceScalar(TestComm(), share(11), "k", net::ReduceOp::kSum));
    ASSERT_OK_AND_ASSIGN(auto expected, arrow::compute::Sum(whole(11).arrow()->GetColumnByName("k")));
    EXPECT_TRUE(sum->Equals(*expected.scalar()))
        << sum->ToString() << " vs " << expected.scalar()->ToString();
  }
}

TEST(SchemaAgreement, RankDependentColumnOrder) { ExpectOperatorsAgree(ReorderedShare, PlainWhole); }

TEST(SchemaAgreement, RankDependentTypesPromoteAsArrowDoes) {
  ExpectOperatorsAgree(RetypedShare, RetypedWhole);
}

TEST(SchemaAgreement, AllReduceColumnOfRankDependentTypes) {
  // Rank r contributes [r, r+1, r+2], as int64 on even ranks and double on odd ones.
  auto& comm = TestComm();
  const int64_t r = comm.rank(), p = comm.size();
  auto type = r % 2 ? arrow::float64() : arrow::int64();
  auto values = *arrow::json::ArrayFromJSONString(
      type, "[" + std::to_string(r) + "," + std::to_string(r + 1) + "," + std::to_string(r + 2) + "]");
  table::Table column(arrow::Table::Make(arrow::schema({arrow::field("x", type)}), {values}));
  ASSERT_OK_AND_ASSIGN(auto reduced, dist::AllReduceColumn(comm, column, "x", net::ReduceOp::kSum));
  const int64_t s = p * (p - 1) / 2;
  auto expected = *arrow::json::ArrayFromJSONString(
      p > 1 ? arrow::float64() : arrow::int64(),
      "[" + std::to_string(s) + "," + std::to_string(s + p) + "," + std::to_string(s + 2 * p) + "]");
  EXPECT_TRUE(reduced->Equals(*expected)) << reduced->ToString();
}

// Runs every operator on `share` and expects each to fail on every rank with the same message
// (gathered from all ranks and compared), containing each of `parts`.
void ExpectSameErrorEverywhere(const table::Table& share, const std::vector<std::string>& parts,
                               arrow::StatusCode code) {
  auto& comm = TestComm();
  const std::vector<std::pair<std::string, std::function<Status()>>> operators = {
      {"shuffle", [&] { return dist::Shuffle(comm, share, {"k"}).status(); }},
      {"sort",
       [&] {
         return dist::DistributedSort(comm, share, {{"k", true}}).status();
       }},
      {"unique", [&] { return dist::DistributedUnique(comm, share).status(); }},
      {"groupby",
       [&] {
         return dist::DistributedGroupBy(comm, share, {"k"}, {table::ParseAggregation("w:sum").ValueOrDie()})
             .status();
       }},
      {"join",
       [&] { return dist::DistributedJoin(comm, share, share, table::JoinOptions::On({"k"})).status(); }},
      {"union", [&] { return dist::DistributedUnion(comm, share, share).status(); }},
      {"repartition", [&] { return dist::Repartition(comm, share).status(); }},
      {"head", [&] { return dist::DistributedHead(comm, share, 10).status(); }},
      {"all-reduce", [&] { return dist::AllReduceScalar(comm, share, "w", net::ReduceOp::kSum).status(); }},
  };
  for (const auto& [name, run] : operators) {
    SCOPED_TRACE(name);
    const Status status = run();
    ASSERT_FALSE(status.ok()) << "rank " << comm.rank() << " went on";
    EXPECT_EQ(status.code(), code) << status.ToString();
    for (const auto& part : parts)
      EXPECT_NE(status.message().find(part), std::string::npos) << status.ToString();
    const std::string message = status.message();
    ASSERT_OK_AND_ASSIGN(auto all,
                         comm.AllGather({reinterpret_cast<const uint8_t*>(message.data()), message.size()}));
    for (size_t rank = 0; rank < all.size(); ++rank)
      EXPECT_EQ(all[rank]->ToString(), message)
          << "rank " << rank << " and rank " << comm.rank() << " disagree";
  }
}

TEST(SchemaAgreement, TypesArrowCannotUnifyFailEveryRank) {
  if (TestComm().size() < 2) GTEST_SKIP() << "needs two ranks";
  // Rank 1 has s as int64 (w's values), every other rank as string.
  table::Table share = Plain(20, TestComm().rank());
  if (TestComm().rank() == 1) {
    const int index = share.ColumnIndex("s").ValueOrDie();
    auto w = WithType(share, "w", arrow::int64()).arrow()->GetColumnByName("w");
    share = table::Table(share.arrow()->SetColumn(index, arrow::field("s", arrow::int64()), w).ValueOrDie());
  }
  ExpectSameErrorEverywhere(share, {"column 's' is string on rank 0 and int64 on rank 1", "cannot unify"},
                            arrow::StatusCode::TypeError);
}

TEST(SchemaAgreement, MissingColumnFailsEveryRank) {
  if (TestComm().size() < 2) GTEST_SKIP() << "needs two ranks";
  table::Table share = ReorderedShare(21);
  if (TestComm().rank() == 1)
    share = table::Table(share.arrow()->RemoveColumn(share.ColumnIndex("v").ValueOrDie()).ValueOrDie());
  ExpectSameErrorEverywhere(share, {"rank 1 has no column 'v', which rank 0 has"},
                            arrow::StatusCode::Invalid);
}

TEST(SchemaAgreement, ExtraColumnFailsEveryRank) {
  if (TestComm().size() < 2) GTEST_SKIP() << "needs two ranks";
  table::Table share = Plain(22, TestComm().rank());
  if (TestComm().rank() == TestComm().size() - 1) {
    auto extra = share.arrow()->GetColumnByName("w");
    share =
        table::Table(share.arrow()->AddColumn(1, arrow::field("extra", extra->type()), extra).ValueOrDie());
  }
  ExpectSameErrorEverywhere(
      share,
      {"rank " + std::to_string(TestComm().size() - 1) + " has a column 'extra' that rank 0 does not have"},
      arrow::StatusCode::Invalid);
}

TEST(SchemaAgreement, ValueLostInItsCastFailsEveryRank) {
  if (TestComm().size() < 2) GTEST_SKIP() << "needs two ranks";
  // Rank 0 has k as double, so k becomes double; rank 1's int64 2^53 + 1 has no exact double.
  auto& comm = TestComm();
  std::shared_ptr<arrow::Array> values;
  if (comm.rank() == 0) {
    values = *arrow::json::ArrayFromJSONString(arrow::float64(), "[1.5, 2]");
  } else {
    values =
        *arrow::json::ArrayFromJSONString(arrow::int64(), comm.rank() == 1 ? "[9007199254740993]" : "[3]");
  }
  table::Table share(arrow::Table::Make(arrow::schema({arrow::field("k", values->type())}), {values}));
  auto result = dist::AgreeOnSchema(comm, share, "input");
  ASSERT_FALSE(result.ok()) << "rank " << comm.rank() << " went on";
  const std::string message = result.status().message();
  EXPECT_NE(message.find("input: "), std::string::npos) << message;
  EXPECT_NE(message.find("column 'k' cast from int64 to double"), std::string::npos) << message;
  EXPECT_NE(message.find("9007199254740993"), std::string::npos) << message;
  // The failing rank reports its own error; every other rank names it.
  if (comm.rank() != 1) {
    EXPECT_NE(message.find("rank 1: "), std::string::npos) << message;
  }
}

TEST(SchemaAgreement, AgreedTableHasRankZerosOrderAndUnifiedTypes) {
  auto& comm = TestComm();
  ASSERT_OK_AND_ASSIGN(table::Table agreed, dist::AgreeOnSchema(comm, Reversed(RetypedShare(23))));
  // Rank 0's order, which is the reversed one; k double once any rank has it so.
  const table::Table expected_layout = Reversed(
      comm.size() > 1 ? WithType(Plain(23, comm.rank()), "k", arrow::float64()) : Plain(23, comm.rank()));
  EXPECT_TRUE(agreed.arrow()->Equals(*expected_layout.arrow())) << agreed.schema()->ToString();
}

// The defence below the operators: tables handed straight to the channel with rank-dependent
// schemas are refused on every rank, before any buffer is read as another column.
TEST(SchemaAgreement, TableChannelRefusesRankDependentSchemas) {
  if (TestComm().size() < 2) GTEST_SKIP() << "needs two ranks";
  auto& comm = TestComm();
  const table::Table mine = ReorderedShare(24);
  std::vector<table::Table> partitions(comm.size(), mine);
  const std::vector<std::pair<std::string, std::function<Status()>>> exchanges = {
      {"all-to-all", [&] { return net::AllToAllTables(comm, partitions, mine.schema()).status(); }},
      {"gather", [&] { return net::GatherTables(comm, mine, 0).status(); }},
      {"all-gather", [&] { return net::AllGatherTables(comm, mine).status(); }},
  };
  for (const auto& [name, run] : exchanges) {
    SCOPED_TRACE(name);
    const Status status = run();
    // The gather's non-root ranks receive nothing, yet they refuse too: every rank sees every digest.
    ASSERT_FALSE(status.ok()) << "rank " << comm.rank() << " went on";
    EXPECT_NE(status.message().find("table exchange refused"), std::string::npos) << status.ToString();
    EXPECT_NE(status.message().find("rank(s) 1"), std::string::npos) << status.ToString();
  }
  // The ranks are still in step: a matching exchange right after works.
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(comm, Plain(24, comm.rank())));
  EXPECT_EQ(all.num_rows(), PlainWhole(24).num_rows());
}

}  // namespace
}  // namespace deeprc
