// Files of a distributed table: each rank reads its share of the input and writes its part of
// the result, so `deeprc table <op> --ranks N` and the same command under mpirun or srun work
// on ordinary files. One naming scheme for every file of a part (PartPath): "{rank}" replaced by
// the part's number, or ".<part>" before the extension when the name has no "{rank}".
#pragma once

#include <string>
#include <vector>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// This rank's share of the table at `path`: the file named by replacing "{rank}" in `path` when
// it holds that placeholder (one file per rank); otherwise a contiguous part of the one file,
// by row groups for Parquet and by rows [r*n/p, (r+1)*n/p) for other formats.
Result<table::Table> ReadShare(const net::Communicator& comm, const std::string& path);

// ReadShare of each of `paths`, agreed on by all ranks: when a rank cannot read its share of
// one, every rank returns that rank's error (prefixed "rank R: " on the others), so no rank
// goes on to wait in a collective for a peer that gave up. Each input's shares are conformed to
// one schema (AgreeOnSchema), or every rank returns the same error naming the rank and column.
Result<std::vector<table::Table>> ReadShares(net::Communicator& comm, const std::vector<std::string>& paths);

// Writes each rank's part of a result: with `gather`, all parts conformed to one schema
// (AgreeOnSchema) and concatenated in rank order into `path` by rank 0; otherwise each rank to
// PartPath(path, rank).
Status WriteShares(net::Communicator& comm, const table::Table& table, const std::string& path, bool gather);

// The file of part `part` (a rank's, or one of `deeprc table partition`'s) of `path`: "{rank}"
// replaced by the number ("out-{rank}.parquet" -> "out-3.parquet"), or else ".<part>" before the
// extension ("out.parquet" -> "out.3.parquet"). ReadShare reads back the "{rank}" form.
std::string PartPath(const std::string& path, int part);

// Whether `path` names one file per part with "{rank}".
bool HasRankPlaceholder(const std::string& path);

}  // namespace deeprc::dist
