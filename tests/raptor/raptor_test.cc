// Function tasks on a pool of 8 workers (run under mpirun -np 9; rank 0 runs these tests as the
// master): concurrent tasks on disjoint groups with correct communicators, failures, table.join.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <set>
#include <thread>

#include "../mpi/random_table.h"
#include "deeprc/agent/raptor/function_registry.h"
#include "deeprc/agent/raptor/master.h"
#include "deeprc/net/mpi/mpi_communicator.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/ops/equals.h"
#include "raptor_test_env.h"

namespace deeprc::raptor {
namespace {

using nlohmann::json;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Sleeps args.sleep_ms, then all-reduces the world ranks of the task's workers.
Result<json> RankSum(TaskContext& context) {
  const int64_t start = NowNs();
  std::this_thread::sleep_for(std::chrono::milliseconds(context.args().value("sleep_ms", 0)));
  DEEPRC_ASSIGN_OR_RETURN(int64_t sum,
                          context.comm().AllReduceScalar(int64_t{context.world_rank()}, net::ReduceOp::kSum));
  return json{{"sum", sum},
              {"rank", context.rank()},
              {"size", context.size()},
              {"world_rank", context.world_rank()},
              {"backend", context.comm().backend_name()},
              {"start_ns", start},
              {"end_ns", NowNs()}};
}
DEEPRC_TASK("test.rank_sum", RankSum);

// Task rank 1 fails; the others succeed.
Result<json> FailOnRankOne(TaskContext& context) {
  if (context.rank() == 1) return Status::Invalid("rank one refuses");
  return json{{"rank", context.rank()}};
}
DEEPRC_TASK("test.fail_on_rank_one", FailOnRankOne);

FunctionTask Task(std::string id, std::string function, int ranks, json args = json::object(),
                  std::string backend = "mpi") {
  FunctionTask task;
  task.id = std::move(id);
  task.function = std::move(function);
  task.ranks = ranks;
  task.args = std::move(args);
  task.backend = std::move(backend);
  return task;
}

std::map<std::string, FunctionResult> ById(std::vector<FunctionResult> results) {
  std::map<std::string, FunctionResult> by_id;
  for (auto& result : results) by_id[result.id] = std::move(result);
  return by_id;
}

// Every rank saw a communicator of the task's size, in group order, summing the group's ranks.
void ExpectCorrectCommunicator(const FunctionResult& result, int ranks, const std::string& backend) {
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.workers.size(), static_cast<size_t>(ranks));
  int64_t expected = 0;
  for (int worker : result.workers) expected += worker;
  ASSERT_EQ(result.rank_values.size(), static_cast<size_t>(ranks));
  for (int i = 0; i < ranks; ++i) {
    const json& value = result.rank_values[i];
    EXPECT_EQ(value["sum"], expected) << result.id;
    EXPECT_EQ(value["rank"], i) << result.id;
    EXPECT_EQ(value["size"], ranks) << result.id;
    EXPECT_EQ(value["world_rank"], result.workers[i]) << result.id;
    EXPECT_EQ(value["backend"], backend) << result.id;
  }
}

constexpr auto kTimeout = std::chrono::seconds(60);

TEST(Raptor, TasksOfDifferentSizesRunAtOnceOnDisjointGroups) {
  Master& master = TestMaster();
  ASSERT_EQ(master.num_workers(), 8);
  for (int ranks : {1, 2, 3}) {
    ASSERT_TRUE(
        master.Submit(Task("sum" + std::to_string(ranks), "test.rank_sum", ranks, {{"sleep_ms", 300}})).ok());
  }
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  auto by_id = ById(std::move(results));
  ASSERT_EQ(by_id.size(), 3u);
  std::set<int> workers;
  int64_t last_start = 0, first_end = INT64_MAX;
  for (int ranks : {1, 2, 3}) {
    const FunctionResult& result = by_id["sum" + std::to_string(ranks)];
    ExpectCorrectCommunicator(result, ranks, "mpi");
    for (int worker : result.workers)
      EXPECT_TRUE(workers.insert(worker).second) << "worker " << worker << " twice";
    for (const json& value : result.rank_values) {
      last_start = std::max(last_start, value["start_ns"].get<int64_t>());
      first_end = std::min(first_end, value["end_ns"].get<int64_t>());
    }
  }
  EXPECT_EQ(workers.size(), 6u);
  EXPECT_LT(last_start, first_end) << "the three tasks did not overlap in time";
}

TEST(Raptor, MoreTasksThanWorkersAllFinishCorrectly) {
  Master& master = TestMaster();
  for (int i = 0; i < 24; ++i) {
    ASSERT_TRUE(master.Submit(Task("many" + std::to_string(i), "test.rank_sum", 1 + i % 5)).ok());
  }
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  ASSERT_EQ(results.size(), 24u);
  for (const auto& result : results) {
    ExpectCorrectCommunicator(result, 1 + std::stoi(result.id.substr(4)) % 5, "mpi");
  }
}

TEST(Raptor, GlooAndUcxCommunicatorsOverTheTaskRanks) {
  Master& master = TestMaster();
  ASSERT_TRUE(master.Submit(Task("gloo", "test.rank_sum", 3, json::object(), "gloo")).ok());
  ASSERT_TRUE(master.Submit(Task("ucx", "test.rank_sum", 2, json::object(), "ucx")).ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  auto by_id = ById(std::move(results));
  ExpectCorrectCommunicator(by_id["gloo"], 3, "gloo");
  ExpectCorrectCommunicator(by_id["ucx"], 2, "ucx");
}

TEST(Raptor, AFailingFunctionFailsOnlyItsTask) {
  Master& master = TestMaster();
  ASSERT_TRUE(master.Submit(Task("fails", "test.fail_on_rank_one", 2)).ok());
  ASSERT_TRUE(master.Submit(Task("unknown", "test.no_such_function", 1)).ok());
  ASSERT_TRUE(master.Submit(Task("badbackend", "test.rank_sum", 1, json::object(), "carrier-pigeon")).ok());
  ASSERT_TRUE(master.Submit(Task("fine", "test.rank_sum", 3)).ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  auto by_id = ById(std::move(results));
  EXPECT_FALSE(by_id["fails"].ok);
  EXPECT_NE(by_id["fails"].error.find("rank one refuses"), std::string::npos) << by_id["fails"].error;
  EXPECT_FALSE(by_id["unknown"].ok);
  EXPECT_NE(by_id["unknown"].error.find("no function task named 'test.no_such_function'"), std::string::npos)
      << by_id["unknown"].error;
  EXPECT_NE(by_id["badbackend"].error.find("unknown backend 'carrier-pigeon'"), std::string::npos);
  ExpectCorrectCommunicator(by_id["fine"], 3, "mpi");
  // The pool still serves tasks after failures.
  ASSERT_TRUE(master.Submit(Task("after", "test.rank_sum", 8)).ok());
  ASSERT_OK_AND_ASSIGN(results, master.WaitAll(kTimeout));
  ExpectCorrectCommunicator(results.at(0), 8, "mpi");
}

TEST(Raptor, ATaskLargerThanThePoolIsRefusedAtOnce) {
  auto id = TestMaster().Submit(Task("huge", "test.rank_sum", 9));
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("asks for 9 ranks, but the pool has 8 workers"), std::string::npos);
}

TEST(Raptor, TableJoinAsAFunctionTaskEqualsTheLocalJoin) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("deeprc_raptor_join_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const table::Table left = deeprc::testing::RandomTable(11, 600),
                     right = deeprc::testing::RandomTable(12, 400);
  ASSERT_OK(table::WriteTable(left, (dir / "left.parquet").string()));
  ASSERT_OK(table::WriteTable(right, (dir / "right.parquet").string()));
  Master& master = TestMaster();
  ASSERT_TRUE(master
                  .Submit(Task("join", "table.join", 3,
                               {{"left", (dir / "left.parquet").string()},
                                {"right", (dir / "right.parquet").string()},
                                {"on", "k"},
                                {"how", "inner"},
                                {"output", (dir / "joined.parquet").string()}}))
                  .ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  ASSERT_TRUE(results.at(0).ok) << results.at(0).error;
  ASSERT_OK_AND_ASSIGN(table::Table expected, table::Join(left, right, table::JoinOptions::On({"k"})));
  ASSERT_OK_AND_ASSIGN(table::Table joined, table::ReadTable((dir / "joined.parquet").string()));
  EXPECT_EQ(results.at(0).value["rows"], expected.num_rows());
  ASSERT_OK_AND_ASSIGN(bool equal, table::Equals(joined, expected, /*ordered=*/false));
  EXPECT_TRUE(equal);
  std::filesystem::remove_all(dir);
}

// Reports whether a message waits in this 1-rank task's MPI communicator and its timeout, then
// leaves a message there when asked (a careless task).
Result<json> SelfCommProbe(TaskContext& context) {
  auto* mpi = dynamic_cast<net::MpiCommunicator*>(&context.comm());
  if (mpi == nullptr) return Status::Invalid("not an MPI communicator");
  int pending = 0;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, mpi->comm(), &pending, MPI_STATUS_IGNORE);
  if (context.args().value("leave_message", false)) {
    static int payload = 42;
    MPI_Request request;
    MPI_Isend(&payload, 1, MPI_INT, 0, 5, mpi->comm(), &request);
    MPI_Request_free(&request);
  }
  return json{{"world_rank", context.world_rank()},
              {"pending", pending != 0},
              {"timeout_ms", context.comm().timeout().count()}};
}
DEEPRC_TASK("test.self_comm_probe", SelfCommProbe);

TEST(Raptor, ManyOneRankTasksQueueAheadWithoutStarvingWideOnes) {
  // 1-rank tasks are prefetched onto busy workers; every 40th task needs all 8 workers, and the
  // workers must drain for it.
  Master& master = TestMaster();
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(master.Submit(Task("mix" + std::to_string(i), "test.rank_sum", i % 40 == 39 ? 8 : 1)).ok());
  }
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  ASSERT_EQ(results.size(), 400u);
  for (const auto& result : results) {
    ExpectCorrectCommunicator(result, std::stoi(result.id.substr(3)) % 40 == 39 ? 8 : 1, "mpi");
  }
}

TEST(Raptor, AOneRankTaskNeverSeesAnEarlierTasksLeftoversOrTimeout) {
  // One task at a time goes to the same (lowest idle) worker, which reuses its 1-rank
  // communicator only while no message is left in it.
  Master& master = TestMaster();
  auto run = [&](json args, int64_t timeout_ms) -> Result<json> {
    FunctionTask task = Task("", "test.self_comm_probe", 1, std::move(args));
    task.timeout_ms = timeout_ms;
    DEEPRC_RETURN_NOT_OK(master.Submit(task).status());
    DEEPRC_ASSIGN_OR_RETURN(auto results, master.WaitAll(kTimeout));
    if (!results.at(0).ok) return Status::UnknownError(results.at(0).error);
    return results.at(0).value;
  };
  ASSERT_OK_AND_ASSIGN(json first, run({{"leave_message", true}}, 1234));
  ASSERT_OK_AND_ASSIGN(json second, run(json::object(), 0));
  ASSERT_EQ(first["world_rank"], second["world_rank"]);
  EXPECT_EQ(first["timeout_ms"], 1234);
  EXPECT_FALSE(second["pending"]);
  EXPECT_EQ(second["timeout_ms"], 60000);
  ASSERT_OK_AND_ASSIGN(json third, run(json::object(), 777));
  ASSERT_OK_AND_ASSIGN(json fourth, run(json::object(), 0));
  EXPECT_EQ(third["timeout_ms"], 777);
  EXPECT_EQ(fourth["timeout_ms"], 60000);
}

}  // namespace
}  // namespace deeprc::raptor

namespace deeprc::raptor {
namespace {

TEST(Raptor, AFunctionFromASharedLibraryTheTaskNames) {
  FunctionTask task = Task("lib", "test.from_library", 2);
  task.library = DEEPRC_RAPTOR_TEST_LIBRARY;
  FunctionTask missing = Task("nolib", "test.from_library", 1);
  missing.library = "/nonexistent/libnothing.so";
  Master& master = TestMaster();
  ASSERT_TRUE(master.Submit(task).ok());
  ASSERT_TRUE(master.Submit(missing).ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  auto by_id = ById(std::move(results));
  ASSERT_TRUE(by_id["lib"].ok) << by_id["lib"].error;
  EXPECT_EQ(by_id["lib"].rank_values.at(1)["size"], 2);
  EXPECT_EQ(by_id["lib"].rank_values.at(1)["rank"], 1);
  EXPECT_FALSE(by_id["nolib"].ok);
  EXPECT_NE(by_id["nolib"].error.find("/nonexistent/libnothing.so"), std::string::npos)
      << by_id["nolib"].error;
}

}  // namespace
}  // namespace deeprc::raptor

namespace deeprc::raptor {
namespace {

// Task rank 1 is killed with SIGKILL; the other ranks wait for it in an all-reduce.
Result<json> KillRankOne(TaskContext& context) {
  if (context.rank() == 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    raise(SIGKILL);
  }
  DEEPRC_ASSIGN_OR_RETURN(int64_t sum, context.comm().AllReduceScalar(int64_t{1}, net::ReduceOp::kSum));
  return json{{"sum", sum}};
}
DEEPRC_TASK("test.kill_rank_one", KillRankOne);

// Runs last: it leaves the pool with 7 workers.
TEST(RaptorZ, AKilledWorkerFailsOnlyItsTaskAndLaterTasksStillRun) {
  Master& master = TestMaster();
  FunctionTask killed = Task("killed", "test.kill_rank_one", 3);
  killed.timeout_ms = 1500;  // its surviving ranks give up waiting for the dead one
  ASSERT_TRUE(master.Submit(killed).ok());
  ASSERT_TRUE(master.Submit(Task("beside2", "test.rank_sum", 2, {{"sleep_ms", 400}})).ok());
  ASSERT_TRUE(master.Submit(Task("beside3", "test.rank_sum", 3, {{"sleep_ms", 400}})).ok());
  ASSERT_OK_AND_ASSIGN(auto results, master.WaitAll(kTimeout));
  auto by_id = ById(std::move(results));
  EXPECT_FALSE(by_id["killed"].ok);
  EXPECT_NE(by_id["killed"].error.find("died while running it"), std::string::npos) << by_id["killed"].error;
  ExpectCorrectCommunicator(by_id["beside2"], 2, "mpi");
  ExpectCorrectCommunicator(by_id["beside3"], 3, "mpi");
  EXPECT_EQ(master.num_workers(), 7);
  // Later tasks run on the workers left, including all seven at once.
  ASSERT_TRUE(master.Submit(Task("later", "test.rank_sum", 7)).ok());
  ASSERT_TRUE(master.Submit(Task("later1", "test.rank_sum", 1)).ok());
  ASSERT_OK_AND_ASSIGN(results, master.WaitAll(kTimeout));
  by_id = ById(std::move(results));
  ExpectCorrectCommunicator(by_id["later"], 7, "mpi");
  ExpectCorrectCommunicator(by_id["later1"], 1, "mpi");
  EXPECT_FALSE(master.Submit(Task("toolarge", "test.rank_sum", 8)).ok());
}

}  // namespace
}  // namespace deeprc::raptor
