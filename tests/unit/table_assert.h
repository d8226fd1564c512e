// Assertions on whole tables for the operator tests: equality in order or as row multisets,
// with the first difference (and both tables) in the failure message.
#pragma once

#include <gtest/gtest.h>

#include "deeprc/table/ops/equals.h"
#include "test_util.h"

namespace deeprc::testing {

inline ::testing::AssertionResult TablesEqual(const table::Table& actual, const table::Table& expected,
                                              bool ordered = true) {
  auto comparison = table::Compare(actual, expected, table::EqualsOptions{ordered});
  if (!comparison.ok()) return ::testing::AssertionFailure() << comparison.status().ToString();
  if (comparison->equal) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << comparison->difference << "\nactual:\n"
                                       << actual.ToString(40) << "\nexpected:\n"
                                       << expected.ToString(40);
}

// The message of a failed Result/Status, or a note that it did not fail.
template <typename T>
std::string ErrorOf(const Result<T>& result) {
  return result.ok() ? std::string("(no error)") : result.status().message();
}

}  // namespace deeprc::testing

#define EXPECT_TABLES_EQUAL(actual, expected) \
  EXPECT_TRUE(::deeprc::testing::TablesEqual(actual, expected, true))
#define EXPECT_TABLES_EQUAL_UNORDERED(actual, expected) \
  EXPECT_TRUE(::deeprc::testing::TablesEqual(actual, expected, false))
