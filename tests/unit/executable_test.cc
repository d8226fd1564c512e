// core/executable: this process's binary, and where deeprc's other programs are found, in order:
// configured path > environment variable > beside this binary > $PATH.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "deeprc/core/executable.h"
#include "test_util.h"

namespace deeprc {
namespace {

namespace fs = std::filesystem;

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_.empty() ? ::unsetenv(name_) : ::setenv(name_, old_.c_str(), 1); }

 private:
  const char* name_;
  std::string old_;
};

TEST(Executable, SelfExecutableIsThisTestBinary) {
  const std::string self = SelfExecutable("fallback");
  EXPECT_EQ(fs::path(self).filename(), "deeprc_unit_tests");
  EXPECT_EQ(fs::canonical(self), fs::canonical("/proc/self/exe"));
}

TEST(Executable, FindProgramPrefersConfiguredThenEnvironmentThenBesideSelfThenPath) {
  const std::string beside = (fs::path(SelfExecutable()).parent_path() / "deeprc_unit_tests").string();
  // The test binary itself stands in for a program beside this one.
  ScopedEnv unset("DEEPRC_TEST_PROGRAM", nullptr);
  EXPECT_EQ(FindProgram("/configured/tool", "DEEPRC_TEST_PROGRAM", "deeprc_unit_tests"), "/configured/tool");
  EXPECT_EQ(FindProgram("", "DEEPRC_TEST_PROGRAM", "deeprc_unit_tests"), beside);
  EXPECT_EQ(FindProgram("", "DEEPRC_TEST_PROGRAM", "deeprc-not-beside"), "deeprc-not-beside");
  {
    ScopedEnv set("DEEPRC_TEST_PROGRAM", "/from/env");
    EXPECT_EQ(FindProgram("/configured/tool", "DEEPRC_TEST_PROGRAM", "deeprc_unit_tests"),
              "/configured/tool");
    EXPECT_EQ(FindProgram("", "DEEPRC_TEST_PROGRAM", "deeprc_unit_tests"), "/from/env");
  }
  {
    ScopedEnv empty("DEEPRC_TEST_PROGRAM", "");  // empty counts as unset
    EXPECT_EQ(FindProgram("", "DEEPRC_TEST_PROGRAM", "deeprc_unit_tests"), beside);
  }
}

TEST(Executable, FindExecutableSearchesPath) {
  testing::TempDir dir;
  const std::string tool = dir.File("deeprc-test-tool");
  std::ofstream(tool) << "#!/bin/sh\n";
  ASSERT_EQ(::chmod(tool.c_str(), 0755), 0);
  ScopedEnv path("PATH", ("/nonexistent:" + dir.path().string()).c_str());
  EXPECT_EQ(FindExecutable("deeprc-test-tool"), tool);
  EXPECT_EQ(FindExecutable(tool), tool);
  EXPECT_EQ(FindExecutable("deeprc-no-such-tool"), "");
}

}  // namespace
}  // namespace deeprc
