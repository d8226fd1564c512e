// The live view of `deeprc run`: what its lines count.
#include "deeprc/pipeline/progress.h"

#include <gtest/gtest.h>

namespace deeprc::pipeline {
namespace {

// Issue 14, item 11: canceled tasks (an interrupt, a cancel) were counted as failed.
TEST(ProgressDisplay, CanceledTasksAreNotCountedAsFailed) {
  StageProgress stage{"train", "train", StageState::kCanceled, 4};
  stage.done = 1;
  stage.canceled = 3;
  ProgressDisplay display(true, false);  // plain lines, as in a log file
  ::testing::internal::CaptureStderr();
  display.Finish({stage}, 12.0);
  const std::string text = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(text.find("stage train (train): CANCELED, 4/4 tasks"), std::string::npos) << text;
  EXPECT_NE(text.find("4/4 tasks  0 running  0 failed  3 canceled"), std::string::npos) << text;
}

}  // namespace
}  // namespace deeprc::pipeline
