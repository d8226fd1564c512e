// `srun --mpi=pmix -N2 -n4 deeprc table join ...` on a two-node Slurm cluster started on this
// machine equals the local join of the same files, on every communication backend.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "../pilot/slurm_cluster.h"
#include "../unit/test_util.h"
#include "deeprc/table/io/parquet_io.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/ops/equals.h"

namespace deeprc {
namespace {

table::Table RandomKeys(uint32_t seed, int64_t rows, const std::string& payload) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> key(0, rows / 2);
  arrow::Int64Builder keys;
  arrow::DoubleBuilder values;
  for (int64_t i = 0; i < rows; ++i) {
    (void)keys.Append(key(rng));
    (void)values.Append(static_cast<double>(rng()) / rng.max());
  }
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field(payload, arrow::float64())});
  return table::Table(arrow::Table::Make(schema, {keys.Finish().ValueOrDie(), values.Finish().ValueOrDie()}));
}

TEST(SlurmIntegration, TwoNodeJoinEqualsLocalJoin) {
  auto cluster = pilot::testing::SlurmCluster::Start(/*nodes=*/2, /*cpus=*/2);
  if (!cluster.ok() && cluster.status().IsNotImplemented()) GTEST_SKIP() << cluster.status().ToString();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();

  testing::TempDir dir;
  const table::Table left = RandomKeys(1, 20000, "a"), right = RandomKeys(2, 15000, "b");
  table::ParquetWriteOptions small_groups;
  small_groups.row_group_rows = 2500;  // so that each of the 4 ranks reads its own row groups
  ASSERT_OK(table::WriteParquet(left, dir.File("left.parquet"), small_groups));
  ASSERT_OK(table::WriteParquet(right, dir.File("right.parquet"), small_groups));
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Join(left, right, table::JoinOptions::On({"k"})));

  for (const std::string backend : {"mpi", "gloo", "ucx"}) {
    SCOPED_TRACE(backend);
    const std::string out = dir.File("joined-" + backend + ".parquet");
    // Both simulated nodes are this one host: Open MPI's shared-memory transport would map the
    // same segment names from both "nodes", so the test leaves it out (a real cluster keeps it).
    const std::string command =
        "OMPI_MCA_btl=^vader srun --mpi=pmix -N2 -n4 -O " + std::string(DEEPRC_CLI_PATH) +
        " table join --left " + dir.File("left.parquet") + " --right " + dir.File("right.parquet") +
        " --on k --backend " + backend + " --gather --out " + out + " > " + dir.File("srun.log") + " 2>&1";
    const int code = std::system(command.c_str());
    ASSERT_EQ(code, 0) << pilot::testing::Capture("cat " + dir.File("srun.log"));
    ASSERT_OK_AND_ASSIGN(table::Table got, table::ReadParquet(out));
    ASSERT_OK_AND_ASSIGN(table::TableComparison comparison,
                         table::Compare(got, expected, table::EqualsOptions{/*ordered=*/false}));
    EXPECT_TRUE(comparison.equal) << comparison.difference;
  }
  // Finished jobs linger a moment in COMPLETING; none may stay behind.
  for (int i = 0; i < 300 && !(*cluster)->Queue().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ((*cluster)->Queue(), "");
}

}  // namespace
}  // namespace deeprc
