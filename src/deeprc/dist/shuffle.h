// Shuffle: every row moves to the rank that the hash of its key columns names, so equal keys
// meet on one rank. The building block of the distributed join, group-by and set operations.
#pragma once

#include <string>
#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// The rows of every rank's `table` whose keys hash to this rank. Keys of compatible types hash
// alike (int32 5 and int64 5), so two tables shuffled on their own keys can be joined locally.
// The ranks first agree on one schema (AgreeOnSchema): the result has it on every rank.
Result<table::Table> Shuffle(net::Communicator& comm, const table::Table& table,
                             const std::vector<std::string>& keys);

// Shuffle of a table that already has the same schema on every rank (the operators that agreed
// on their input at their start, and the tables they derive from it). The table channel still
// refuses a table whose schema differs between ranks.
Result<table::Table> ShuffleAgreed(net::Communicator& comm, const table::Table& table,
                                   const std::vector<std::string>& keys);

}  // namespace deeprc::dist
