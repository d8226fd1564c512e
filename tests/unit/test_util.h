// Helpers shared by the unit tests: building small tables from JSON and fresh temp folders.
#pragma once

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "deeprc/table/table.h"

namespace deeprc::testing {

// A table from a schema and one JSON array of rows per column, e.g. {"[1, 2, null]"}.
inline table::Table MakeTable(const std::shared_ptr<arrow::Schema>& schema,
                              const std::vector<std::string>& columns) {
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (int i = 0; i < schema->num_fields(); ++i) {
    arrays.push_back(arrow::json::ArrayFromJSONString(schema->field(i)->type(), columns.at(i)).ValueOrDie());
  }
  return table::Table(arrow::Table::Make(schema, arrays));
}

// A new empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "deeprc-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace deeprc::testing

#define DEEPRC_TEST_CONCAT_INNER(a, b) a##b
#define DEEPRC_TEST_CONCAT(a, b) DEEPRC_TEST_CONCAT_INNER(a, b)

// Fails the test with the error's message when a Status is not OK.
#define ASSERT_OK(expr)                                   \
  do {                                                    \
    const ::arrow::Status _st = ::arrow::ToStatus(expr);  \
    ASSERT_TRUE(_st.ok()) << _st.ToString();              \
  } while (false)

// `lhs = value of rexpr`, failing the test with the error's message when the Result is an error.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                                   \
  auto DEEPRC_TEST_CONCAT(_result_, __LINE__) = (rexpr);                                  \
  ASSERT_TRUE(DEEPRC_TEST_CONCAT(_result_, __LINE__).ok())                                \
      << DEEPRC_TEST_CONCAT(_result_, __LINE__).status().ToString();                      \
  lhs = std::move(DEEPRC_TEST_CONCAT(_result_, __LINE__)).ValueOrDie()
