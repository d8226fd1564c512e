// Every distributed operator against its local operator on the concatenated input.
#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/json/from_string.h>

#include "deeprc/dist/all_reduce.h"
#include "deeprc/dist/distributed_equals.h"
#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/ops/concat.h"
#include "deeprc/table/ops/equals.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/ops/unique.h"
#include "mpi_test_util.h"
#include "random_table.h"

namespace deeprc {
namespace {

using testing::RandomTable;
using testing::RowsOf;
using testing::TestComm;

constexpr int64_t kBaseRows = 200;

// This rank's share of global table number `seed`, and the whole global table.
table::Table Share(uint32_t seed) {
  return RandomTable(seed * 1000 + TestComm().rank(), RowsOf(TestComm().rank(), kBaseRows));
}

table::Table Whole(uint32_t seed) {
  std::vector<table::Table> parts;
  for (int r = 0; r < TestComm().size(); ++r)
    parts.push_back(RandomTable(seed * 1000 + r, RowsOf(r, kBaseRows)));
  return table::Concat(parts).ValueOrDie();
}

// Gathers the distributed result everywhere and compares it, as a multiset, with `expected`.
void ExpectSameRows(const table::Table& distributed, const table::Table& expected) {
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), distributed));
  ASSERT_OK_AND_ASSIGN(table::TableComparison comparison,
                       table::Compare(all, expected, table::EqualsOptions{/*ordered=*/false}));
  EXPECT_TRUE(comparison.equal) << comparison.difference << "\n got " << all.num_rows() << " rows, expected "
                                << expected.num_rows();
}

TEST(Dist, ShuffleKeepsRowsAndColocatesKeys) {
  ASSERT_OK_AND_ASSIGN(table::Table shuffled, dist::Shuffle(TestComm(), Share(1), {"k", "s"}));
  ExpectSameRows(shuffled, Whole(1));
  // No (k, s) pair may live on two ranks: the distinct pairs of all ranks add up to the global count.
  ASSERT_OK_AND_ASSIGN(table::Table mine, dist::DistributedUnique(TestComm(), shuffled, {"k", "s"}));
  ASSERT_OK_AND_ASSIGN(int64_t total, TestComm().AllReduceScalar(mine.num_rows(), net::ReduceOp::kSum));
  ASSERT_OK_AND_ASSIGN(table::Table global_unique, table::Unique(Whole(1), {"k", "s"}));
  EXPECT_EQ(total, global_unique.num_rows());
}

class DistJoin : public ::testing::TestWithParam<std::tuple<table::JoinType, table::JoinAlgorithm>> {};

TEST_P(DistJoin, EqualsLocalJoin) {
  auto [type, algorithm] = GetParam();
  table::JoinOptions options = table::JoinOptions::On({"k"}, type);
  options.algorithm = algorithm;
  ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedJoin(TestComm(), Share(2), Share(3), options));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Join(Whole(2), Whole(3), options));
  ExpectSameRows(got, expected);
}

TEST(Dist, JoinOnKeysOfDifferentIntegerTypes) {
  table::JoinOptions options;
  options.left_keys = {"k"};
  options.right_keys = {"k32"};
  ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedJoin(TestComm(), Share(4), Share(5), options));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Join(Whole(4), Whole(5), options));
  ExpectSameRows(got, expected);
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, DistJoin,
    ::testing::Combine(::testing::Values(table::JoinType::kInner, table::JoinType::kLeft,
                                         table::JoinType::kRight, table::JoinType::kFullOuter),
                       ::testing::Values(table::JoinAlgorithm::kHash, table::JoinAlgorithm::kSortMerge)));

TEST(Dist, SortIsGloballyOrdered) {
  const std::vector<table::SortKey> keys = {{"s", true}, {"v", false}, {"w", true}};
  ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedSort(TestComm(), Share(6), keys));
  // Gathered in rank order, the pieces must form exactly the locally sorted table, except that
  // rows tying on every key may come in another order.
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), got));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Sort(Whole(6), keys));
  ASSERT_OK_AND_ASSIGN(table::Table all_keys, table::Project(all, {"s", "v", "w"}));
  ASSERT_OK_AND_ASSIGN(table::Table expected_keys, table::Project(expected, {"s", "v", "w"}));
  ASSERT_OK_AND_ASSIGN(table::TableComparison ordered_keys, table::Compare(all_keys, expected_keys));
  EXPECT_TRUE(ordered_keys.equal) << ordered_keys.difference;
  ExpectSameRows(got, expected);
}

TEST(Dist, GroupByDecomposableAggregations) {
  std::vector<table::Aggregation> aggregations;
  for (const char* spec :
       {"v:sum", "v:count", "v:mean", "v:min", "v:max", "v:var", "v:std", "w:sum", "w:mean", "s:max"}) {
    aggregations.push_back(table::ParseAggregation(spec).ValueOrDie());
  }
  ASSERT_OK_AND_ASSIGN(table::Table got, dist::DistributedGroupBy(TestComm(), Share(7), {"k"}, aggregations));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::GroupBy(Whole(7), {"k"}, aggregations));
  // Floating-point sums combine in another order: compare after rounding.
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(TestComm(), got));
  ASSERT_OK_AND_ASSIGN(table::Table sorted, table::Sort(all, {{"k", true}}));
  ASSERT_EQ(sorted.num_rows(), expected.num_rows());
  ASSERT_TRUE(sorted.schema()->Equals(*expected.schema())) << sorted.schema()->ToString() << "\nvs\n"
                                                           << expected.schema()->ToString();
  for (int c = 0; c < expected.num_columns(); ++c) {
    auto a = sorted.arrow()->column(c), b = expected.arrow()->column(c);
    ASSERT_TRUE(a->ApproxEquals(*b, arrow::EqualOptions().atol(1e-6)))
        << expected.schema()->field(c)->name() << ":\n"
        << a->ToString() << "\nvs\n"
        << b->ToString();
  }
}

TEST(Dist, GroupByHolisticAggregations) {
  std::vector<table::Aggregation> aggregations;
  for (const char* spec : {"v:median", "v:nunique", "w:quantile=0.9", "w:sum"}) {
    aggregations.push_back(table::ParseAggregation(spec).ValueOrDie());
  }
  ASSERT_OK_AND_ASSIGN(table::Table got,
                       dist::DistributedGroupBy(TestComm(), Share(8), {"k", "s"}, aggregations));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::GroupBy(Whole(8), {"k", "s"}, aggregations));
  ExpectSameRows(got, expected);
}

TEST(Dist, UniqueAndSetOperations) {
  // Narrow tables with few distinct rows, so the set operations have overlap to find.
  auto narrow = [](const table::Table& table) { return table::Project(table, {"k", "s"}).ValueOrDie(); };
  const table::Table a = narrow(Share(9)), b = narrow(Share(10));
  const table::Table whole_a = narrow(Whole(9)), whole_b = narrow(Whole(10));
  ASSERT_OK_AND_ASSIGN(table::Table unique, dist::DistributedUnique(TestComm(), a));
  ExpectSameRows(unique, table::Unique(whole_a).ValueOrDie());
  ASSERT_OK_AND_ASSIGN(table::Table unite, dist::DistributedUnion(TestComm(), a, b));
  ExpectSameRows(unite, table::Union(whole_a, whole_b).ValueOrDie());
  ASSERT_OK_AND_ASSIGN(table::Table intersect, dist::DistributedIntersect(TestComm(), a, b));
  ExpectSameRows(intersect, table::Intersect(whole_a, whole_b).ValueOrDie());
  ASSERT_OK_AND_ASSIGN(table::Table subtract, dist::DistributedSubtract(TestComm(), a, b));
  ExpectSameRows(subtract, table::Subtract(whole_a, whole_b).ValueOrDie());
}

TEST(Dist, RepartitionHeadSliceKeepGlobalOrder) {
  auto& comm = TestComm();
  const table::Table whole = Whole(11);
  ASSERT_OK_AND_ASSIGN(table::Table even, dist::Repartition(comm, Share(11)));
  const int64_t n = whole.num_rows(), p = comm.size(), r = comm.rank();
  EXPECT_EQ(even.num_rows(), (r + 1) * n / p - r * n / p);
  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(comm, even));
  ASSERT_OK_AND_ASSIGN(bool ordered_equal, table::Equals(all, whole, /*ordered=*/true));
  EXPECT_TRUE(ordered_equal);

  ASSERT_OK_AND_ASSIGN(table::Table head, dist::DistributedHead(comm, Share(11), 250));
  ASSERT_OK_AND_ASSIGN(table::Table all_head, net::AllGatherTables(comm, head));
  EXPECT_TRUE(table::Equals(all_head, table::Head(whole, 250).ValueOrDie()).ValueOrDie());
  ASSERT_OK_AND_ASSIGN(table::Table slice, dist::DistributedSlice(comm, Share(11), 150, 120));
  ASSERT_OK_AND_ASSIGN(table::Table all_slice, net::AllGatherTables(comm, slice));
  EXPECT_TRUE(table::Equals(all_slice, table::Slice(whole, 150, 120).ValueOrDie()).ValueOrDie());
}

TEST(Dist, EqualsOrderedAndUnordered) {
  auto& comm = TestComm();
  const table::Table mine = Share(12);
  // The same global rows, partitioned differently: equal in order after repartitioning.
  ASSERT_OK_AND_ASSIGN(table::Table even, dist::Repartition(comm, mine));
  ASSERT_OK_AND_ASSIGN(bool same, dist::DistributedEquals(comm, mine, even, /*ordered=*/true));
  EXPECT_TRUE(same);
  // Reversed rows on each rank: equal as multisets, not in order (unless there is one row).
  ASSERT_OK_AND_ASSIGN(table::Table reversed, table::Sort(mine, {{"w", false}, {"v", true}}));
  ASSERT_OK_AND_ASSIGN(bool as_multiset, dist::DistributedEquals(comm, mine, reversed, /*ordered=*/false));
  EXPECT_TRUE(as_multiset);
  ASSERT_OK_AND_ASSIGN(bool in_order, dist::DistributedEquals(comm, mine, reversed, /*ordered=*/true));
  EXPECT_FALSE(in_order);
  ASSERT_OK_AND_ASSIGN(bool different, dist::DistributedEquals(comm, mine, Share(13), /*ordered=*/false));
  EXPECT_FALSE(different);
}

TEST(Dist, AllReduceScalarAndColumn) {
  auto& comm = TestComm();
  const table::Table whole = Whole(14);
  ASSERT_OK_AND_ASSIGN(auto sum, dist::AllReduceScalar(comm, Share(14), "w", net::ReduceOp::kSum));
  ASSERT_OK_AND_ASSIGN(auto expected_sum, arrow::compute::Sum(whole.arrow()->GetColumnByName("w")));
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Scalar>(sum)->value,
            std::static_pointer_cast<arrow::Int64Scalar>(expected_sum.scalar())->value);
  ASSERT_OK_AND_ASSIGN(auto max, dist::AllReduceScalar(comm, Share(14), "v", net::ReduceOp::kMax));
  ASSERT_OK_AND_ASSIGN(auto expected_max, arrow::compute::MinMax(whole.arrow()->GetColumnByName("v")));
  EXPECT_TRUE(max->Equals(*expected_max.scalar_as<arrow::StructScalar>().value[1]));

  // Element-wise: rank r contributes [r, r+1, r+2]; the sum is [S, S+p, S+2p] with S = p(p-1)/2.
  arrow::Int64Builder builder;
  const int64_t r = comm.rank(), p = comm.size();
  ASSERT_OK(builder.AppendValues({r, r + 1, r + 2}));
  table::Table column(arrow::Table::Make(arrow::schema({arrow::field("x", arrow::int64())}),
                                         {builder.Finish().ValueOrDie()}));
  ASSERT_OK_AND_ASSIGN(auto reduced, dist::AllReduceColumn(comm, column, "x", net::ReduceOp::kSum));
  const int64_t s = p * (p - 1) / 2;
  auto expected = *arrow::json::ArrayFromJSONString(
      arrow::int64(),
      "[" + std::to_string(s) + "," + std::to_string(s + p) + "," + std::to_string(s + 2 * p) + "]");
  EXPECT_TRUE(reduced->Equals(*expected)) << reduced->ToString();
}

}  // namespace
}  // namespace deeprc
