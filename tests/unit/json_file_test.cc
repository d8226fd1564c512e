// core/json_file: JSON files read with errors that name the file and the position, and written
// atomically.
#include <gtest/gtest.h>

#include <fstream>

#include "deeprc/core/json_file.h"
#include "test_util.h"

namespace deeprc {
namespace {

using testing::TempDir;

TEST(JsonFile, WriteThenReadRoundTrips) {
  TempDir dir;
  const std::string path = dir.File("job.json");
  const nlohmann::json value = {{"model", "nlinear"}, {"epochs", 3}, {"layers", {16, 8}}, {"rate", 0.5}};
  ASSERT_OK(WriteJsonFile(path, value));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, value.dump(2) + "\n");
  auto read = ReadJsonFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, value);
}

TEST(JsonFile, OneLineWithIndentMinusOne) {
  TempDir dir;
  const std::string path = dir.File("trace.json");
  ASSERT_OK(WriteJsonFile(path, nlohmann::json{{"a", 1}}, -1));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"a\":1}\n");
}

TEST(JsonFile, MissingFileNamesIt) {
  TempDir dir;
  const std::string path = dir.File("absent.json");
  auto read = ReadJsonFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_TRUE(read.status().IsIOError());
  EXPECT_EQ(read.status().message(), "cannot open '" + path + "': No such file or directory");
}

TEST(JsonFile, BadJsonNamesTheFileAndThePosition) {
  TempDir dir;
  const std::string path = dir.File("bad.json");
  std::ofstream(path) << "{\n  \"a\": 1,\n  \"b\": \n}\n";
  auto read = ReadJsonFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_TRUE(read.status().IsInvalid());
  const std::string message = read.status().message();
  EXPECT_EQ(message.rfind("'" + path + "' is not valid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("line 4, column 1"), std::string::npos) << message;
}

TEST(JsonFile, WriteIntoAMissingFolderFailsAndNamesTheFile) {
  TempDir dir;
  const std::string path = dir.File("no/such/folder/x.json");
  auto written = WriteJsonFile(path, nlohmann::json::object());
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.message().find(path), std::string::npos) << written.message();
}

}  // namespace
}  // namespace deeprc
