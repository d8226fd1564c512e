// core/atomic_file: a target appears whole or stays as it was, and no temporary outlives a write.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "deeprc/core/atomic_file.h"
#include "deeprc/table/io/csv_io.h"
#include "deeprc/table/io/file_format.h"
#include "test_util.h"

namespace deeprc {
namespace {

namespace fs = std::filesystem;
using testing::MakeTable;
using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, ReplacesTheTargetWithWhatWasWritten) {
  TempDir dir;
  const std::string target = dir.File("out.txt");
  std::ofstream(target) << "old";
  std::string seen;
  ASSERT_OK(WriteFileAtomically(target, [&](const std::string& temporary) {
    seen = temporary;
    std::ofstream(temporary) << "new content";
    return Status::OK();
  }));
  EXPECT_EQ(ReadAll(target), "new content");
  // The temporary was beside the target (a rename never crosses file systems) and is gone.
  EXPECT_EQ(fs::path(seen).parent_path(), dir.path());
  EXPECT_NE(seen, target);
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, AFailedWriteLeavesTheTargetAsItWasAndNamesIt) {
  TempDir dir;
  const std::string target = dir.File("keep.csv");
  std::ofstream(target) << "a,b\n1,2\n";
  const Status status = WriteFileAtomically(target, [&](const std::string& temporary) {
    std::ofstream(temporary) << "a,b\n";  // half written, then the writer fails
    return Status::Invalid(temporary, ": Invalid UTF8 payload");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(status.IsInvalid()) << status.ToString();
  // The writer's message named the temporary; the user sees the target they asked for.
  EXPECT_EQ(status.message(), target + ": Invalid UTF8 payload");
  EXPECT_EQ(ReadAll(target), "a,b\n1,2\n");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"keep.csv"});
}

TEST(AtomicFile, AWriterThatThrowsLeavesNoTemporary) {
  TempDir dir;
  const std::string target = dir.File("model.pt");
  const Status status = WriteFileAtomically(target, [&](const std::string& temporary) -> Status {
    std::ofstream(temporary) << "partial";
    throw std::runtime_error("disk full");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("model.pt"), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find("disk full"), std::string::npos) << status.ToString();
  EXPECT_TRUE(Entries(dir.path()).empty());
}

TEST(AtomicFile, AMissingFolderIsAnErrorNamingTheTarget) {
  TempDir dir;
  const std::string target = dir.File("no/such/folder/out.json");
  bool called = false;
  const Status status = WriteFileAtomically(target, [&](const std::string&) {
    called = true;
    return Status::OK();
  });
  ASSERT_FALSE(status.ok());
  EXPECT_FALSE(called);
  EXPECT_NE(status.message().find(target), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find("No such file or directory"), std::string::npos) << status.ToString();
}

TEST(AtomicFile, AFolderIsNotReplaced) {
  TempDir dir;
  fs::create_directory(dir.path() / "sub");
  const Status status = WriteTextFileAtomically(dir.File("sub"), "x");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("folder"), std::string::npos) << status.ToString();
  EXPECT_TRUE(fs::is_directory(dir.path() / "sub"));
}

TEST(AtomicFile, KeepsTheTargetsPermissionsAndWritesThroughALink) {
  TempDir dir;
  const std::string real = dir.File("real.txt");
  std::ofstream(real) << "old";
  ASSERT_EQ(::chmod(real.c_str(), 0640), 0);
  fs::create_symlink("real.txt", dir.path() / "link.txt");
  ASSERT_OK(WriteTextFileAtomically(dir.File("link.txt"), "through the link"));
  EXPECT_TRUE(fs::is_symlink(dir.path() / "link.txt"));
  EXPECT_EQ(ReadAll(real), "through the link");
  struct stat info {};
  ASSERT_EQ(::stat(real.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"link.txt", "real.txt"}));
}

TEST(AtomicFile, ANewFileGetsTheUmasksPermissions) {
  TempDir dir;
  const mode_t previous = ::umask(022);
  ASSERT_OK(WriteTextFileAtomically(dir.File("fresh.json"), "{}\n"));
  ::umask(previous);
  struct stat info {};
  ASSERT_EQ(::stat(dir.File("fresh.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);  // not mkstemp's 0600
  EXPECT_EQ(ReadAll(dir.File("fresh.json")), "{}\n");
}

// The table writers go through it: a table that cannot be written as CSV (a nested column)
// leaves the existing file byte for byte.
TEST(AtomicFile, AFailedTableWriteKeepsTheExistingFile) {
  TempDir dir;
  const std::string target = dir.File("victim.csv");
  std::ofstream(target) << "precious,data\n1,2\n";
  auto schema = arrow::schema({arrow::field("k", arrow::int64()), arrow::field("l", arrow::list(arrow::int64()))});
  const table::Table nested = MakeTable(schema, {"[1, 2]", "[[1, 2], [3]]"});
  const Status status = table::WriteTable(nested, target);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(target), std::string::npos) << status.ToString();
  EXPECT_EQ(ReadAll(target), "precious,data\n1,2\n");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"victim.csv"});
}

}  // namespace
}  // namespace deeprc
