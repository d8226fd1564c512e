#include <arrow/api.h>

#include <numeric>

#include "deeprc/net/gloo/gloo_communicator.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/net/table_channel.h"
#include "mpi_test_util.h"

namespace deeprc {
namespace {

using testing::BackendUnderTest;
using testing::MakeTable;
using testing::TestComm;

TEST(Communicator, AllReduceOfRanksMatchesClosedForm) {
  auto& comm = TestComm();
  const int n = comm.size();
  ASSERT_OK_AND_ASSIGN(int64_t sum, comm.AllReduceScalar(int64_t{comm.rank()}, net::ReduceOp::kSum));
  EXPECT_EQ(sum, int64_t{n} * (n - 1) / 2);
  ASSERT_OK_AND_ASSIGN(double max, comm.AllReduceScalar(double(comm.rank()) + 0.5, net::ReduceOp::kMax));
  EXPECT_EQ(max, n - 0.5);
  std::vector<float> values = {1.0f * comm.rank(), 2.0f};
  ASSERT_OK(comm.AllReduce(values.data(), 2, *arrow::float32(), net::ReduceOp::kMin));
  EXPECT_EQ(values[0], 0.0f);
  std::vector<int32_t> products = {2};
  ASSERT_OK(comm.AllReduce(products.data(), 1, *arrow::int32(), net::ReduceOp::kProd));
  EXPECT_EQ(products[0], 1 << n);
  ASSERT_OK(comm.Barrier());
}

TEST(Communicator, AllGatherBroadcastGatherOfBytes) {
  auto& comm = TestComm();
  std::string mine(static_cast<size_t>(comm.rank()) * 3, static_cast<char>('a' + comm.rank()));
  ASSERT_OK_AND_ASSIGN(auto all,
                       comm.AllGather({reinterpret_cast<const uint8_t*>(mine.data()), mine.size()}));
  ASSERT_EQ(static_cast<int>(all.size()), comm.size());
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_EQ(all[r]->ToString(), std::string(r * 3, static_cast<char>('a' + r)));
  }
  const int root = comm.size() - 1;
  std::string message = comm.rank() == root ? "from the root" : "";
  ASSERT_OK_AND_ASSIGN(
      auto got, comm.Broadcast({reinterpret_cast<const uint8_t*>(message.data()), message.size()}, root));
  EXPECT_EQ(got->ToString(), "from the root");
  ASSERT_OK_AND_ASSIGN(auto gathered,
                       comm.Gather({reinterpret_cast<const uint8_t*>(mine.data()), mine.size()}, 0));
  EXPECT_EQ(static_cast<int>(gathered.size()), comm.rank() == 0 ? comm.size() : 0);
}

table::Table RankTable(int rank, int rows) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::DoubleBuilder values;
  for (int i = 0; i < rows; ++i) {
    (void)ids.Append(rank * 1000 + i);
    if (i % 3 == 0) {
      (void)names.AppendNull();
    } else {
      (void)names.Append("r" + std::to_string(rank) + "-" + std::to_string(i));
    }
    (void)values.Append(rank + i / 10.0);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()),
                               arrow::field("v", arrow::float64())});
  return table::Table(arrow::Table::Make(
      schema, {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie(), values.Finish().ValueOrDie()}));
}

TEST(TableChannel, AllToAllDeliversEveryPartitionIntact) {
  auto& comm = TestComm();
  const int n = comm.size(), me = comm.rank();
  // Rank s sends to rank d a slice of its table of length s + d (so sizes differ, some are empty,
  // and slices exercise the offset path).
  const table::Table whole = RankTable(me, 64);
  std::vector<table::Table> partitions;
  for (int d = 0; d < n; ++d) partitions.emplace_back(whole.arrow()->Slice(d, me + d));
  ASSERT_OK_AND_ASSIGN(table::Table received, net::AllToAllTables(comm, partitions, whole.schema()));
  std::vector<std::shared_ptr<arrow::Table>> expected_parts;
  for (int s = 0; s < n; ++s) expected_parts.push_back(RankTable(s, 64).arrow()->Slice(me, s + me));
  auto expected = arrow::ConcatenateTables(expected_parts).ValueOrDie();
  EXPECT_TRUE(received.arrow()->Equals(*expected)) << received.ToString();
  // A slice travels with its own rows only, not the whole buffer it shares with the other
  // partitions (a shuffle's partitions are slices of one table). This rank's own slice stays a view.
  const auto* own = whole.arrow()->GetColumnByName("id")->chunk(0)->data()->buffers[1].get();
  for (const auto& chunk : received.arrow()->GetColumnByName("id")->chunks()) {
    if (chunk->length() == 0 || chunk->data()->buffers[1].get() == own) continue;
    EXPECT_EQ(chunk->data()->buffers[1]->size(), chunk->length() * 8);
  }
}

TEST(TableChannel, GatherAllGatherBroadcast) {
  auto& comm = TestComm();
  const int n = comm.size();
  std::vector<std::shared_ptr<arrow::Table>> parts;
  for (int r = 0; r < n; ++r) parts.push_back(RankTable(r, 5 + r).arrow());
  auto everyone = arrow::ConcatenateTables(parts).ValueOrDie();

  ASSERT_OK_AND_ASSIGN(table::Table gathered,
                       net::GatherTables(comm, RankTable(comm.rank(), 5 + comm.rank()), 0));
  EXPECT_EQ(gathered.num_rows(), comm.rank() == 0 ? everyone->num_rows() : 0);
  if (comm.rank() == 0) {
    EXPECT_TRUE(gathered.arrow()->Equals(*everyone));
  }

  ASSERT_OK_AND_ASSIGN(table::Table all, net::AllGatherTables(comm, RankTable(comm.rank(), 5 + comm.rank())));
  EXPECT_TRUE(all.arrow()->Equals(*everyone));

  const table::Table root_table = comm.rank() == 0 ? RankTable(42, 7) : table::Table();
  ASSERT_OK_AND_ASSIGN(table::Table broadcast, net::BroadcastTable(comm, root_table, 0));
  EXPECT_TRUE(broadcast.arrow()->Equals(*RankTable(42, 7).arrow())) << broadcast.ToString();
}

// Gloo contexts bootstrapped over MPI one after another, each dropped as soon as it is built (as
// a no-op function task does): every one connects. Before the ranks agreed at the end of the
// bootstrap, a rank that dropped its context while a peer was still connecting failed that peer
// with "Connection closed by peer", and a rank waiting for that peer's connect hung.
TEST(GlooBootstrap, ContextsDroppedAsSoonAsBuiltAllConnect) {
  if (BackendUnderTest() != "gloo") GTEST_SKIP() << "Gloo only";
  ASSERT_OK_AND_ASSIGN(auto world, net::MpiCommunicator::World());
  if (world->size() < 2) GTEST_SKIP() << "needs 2 ranks or more";
  net::GlooOptions options;
  options.timeout = std::chrono::seconds(10);  // a connect that never comes fails within it
  for (int i = 0; i < 100; ++i) {
    auto gloo = net::GlooCommunicator::Over(*world, options);
    ASSERT_TRUE(gloo.ok()) << "context " << i << ": " << gloo.status().ToString();
  }
}

}  // namespace
}  // namespace deeprc
