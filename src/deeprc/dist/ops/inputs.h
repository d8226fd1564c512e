// The inputs most operators share: one table, or two (first and second) for the row-set operators.
#pragma once

#include <vector>

#include "deeprc/dist/operator_registry.h"

namespace deeprc::dist::ops {

inline std::vector<InputDoc> OneInput() {
  return {{"input", "input", "Input file (.csv, .parquet, .arrow, .feather, .arrows)"}};
}

inline std::vector<InputDoc> FirstAndSecond() {
  return {{"left", "first", "First table (.csv, .parquet, .arrow, .feather, .arrows)"},
          {"right", "second", "Second table, with the same column names in the same order"}};
}

// A distributed function for an operator that acts on each share alone: no row moves.
inline DistributedFunction EachShare(LocalFunction local) {
  return [local = std::move(local)](net::Communicator&, const std::vector<table::Table>& shares) {
    return local(shares);
  };
}

}  // namespace deeprc::dist::ops
