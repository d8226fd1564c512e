// `deeprc run --resource slurm`: a short pipeline (generated data, a calendar join, one model, a
// report) on a pilot that is a Slurm job of a cluster started on this machine.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "../pilot/slurm_cluster.h"
#include "../unit/test_util.h"

namespace deeprc {
namespace {

TEST(SlurmIntegration, PipelineRunsOnASlurmPilot) {
  auto cluster = pilot::testing::SlurmCluster::Start(/*nodes=*/1, /*cpus=*/2);
  if (!cluster.ok() && cluster.status().IsNotImplemented()) GTEST_SKIP() << cluster.status().ToString();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();

  testing::TempDir dir;
  {
    std::ofstream spec(dir.File("pipeline.yaml"));
    spec << "name: on-slurm\n"
            "pilot: {resource: local, runtime: 10m}\n"  // --resource slurm replaces local
            "data:\n  ett: {path: absent.csv, generate: ett, rows: 1200}\n"
            "stages:\n"
            "  calendar: {kind: table, ops: [{read: ett}, {calendar: date}]}\n"
            "  prepare:\n    kind: table\n    ops: [{read: ett}, {join: {with: calendar, on: date}}]\n"
            "  train:\n    kind: train\n    data: prepare\n    models: [nlinear]\n    targets: [OT]\n"
            "    horizon: 12\n    input_size: 24\n    max_steps: 5\n"
            "  report: {kind: report, stages: [train]}\n";
  }
  const std::string session = dir.File("session");
  const std::string command = std::string(DEEPRC_CLI_PATH) + " run " + dir.File("pipeline.yaml") +
                              " --resource slurm --quiet --session " + session + " > " + dir.File("run.log") +
                              " 2>&1";
  const int code = std::system(command.c_str());
  ASSERT_EQ(code, 0) << pilot::testing::Capture("cat " + dir.File("run.log"));
  const std::string summary = pilot::testing::Capture("cat " + session + "/report/summary.json");
  EXPECT_NE(summary.find("\"outcome\": \"done\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"resource\": \"slurm\""), std::string::npos) << summary;
  EXPECT_NE(pilot::testing::Capture("ls " + session + "/stages/train/nlinear"), "");
  // The pilot's job ends with the run.
  for (int i = 0; i < 300 && !(*cluster)->Queue().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ((*cluster)->Queue(), "");
}

}  // namespace
}  // namespace deeprc
