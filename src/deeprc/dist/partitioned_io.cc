#include "deeprc/dist/partitioned_io.h"

#include <filesystem>
#include <vector>

#include "deeprc/dist/agreed_status.h"
#include "deeprc/dist/schema_agreement.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/io/parquet_io.h"
#include "deeprc/table/ops/slice.h"

namespace deeprc::dist {
namespace {

constexpr std::string_view kRankPlaceholder = "{rank}";

std::string ReplacePlaceholder(std::string path, int rank) {
  for (auto at = path.find(kRankPlaceholder); at != std::string::npos; at = path.find(kRankPlaceholder)) {
    path.replace(at, kRankPlaceholder.size(), std::to_string(rank));
  }
  return path;
}

}  // namespace

bool HasRankPlaceholder(const std::string& path) { return path.find(kRankPlaceholder) != std::string::npos; }

std::string PartPath(const std::string& path, int part) {
  if (HasRankPlaceholder(path)) return ReplacePlaceholder(path, part);
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "." + std::to_string(part) + p.extension().string()))
      .string();
}

Result<table::Table> ReadShare(const net::Communicator& comm, const std::string& path) {
  if (HasRankPlaceholder(path)) return table::ReadTable(ReplacePlaceholder(path, comm.rank()));
  const int r = comm.rank(), p = comm.size();
  DEEPRC_ASSIGN_OR_RETURN(table::FileFormat format, table::FileFormatFromPath(path));
  if (format == table::FileFormat::kParquet) {
    // Row groups are Parquet's unit of independent reading: each rank decodes only its own.
    DEEPRC_ASSIGN_OR_RETURN(int groups, table::ParquetRowGroupCount(path));
    const int first = static_cast<int>(int64_t{r} * groups / p),
              last = static_cast<int>(int64_t{r + 1} * groups / p);
    return table::ReadParquetRowGroups(path, first, last - first);
  }
  DEEPRC_ASSIGN_OR_RETURN(table::Table whole, table::ReadTable(path));
  const int64_t n = whole.num_rows();
  return table::Slice(whole, r * n / p, (r + 1) * n / p - r * n / p);
}

Result<std::vector<table::Table>> ReadShares(net::Communicator& comm, const std::vector<std::string>& paths) {
  std::vector<table::Table> shares;
  Status status;
  for (const auto& path : paths) {
    auto share = ReadShare(comm, path);
    status = share.status();
    if (!status.ok()) break;
    shares.push_back(*std::move(share));
  }
  DEEPRC_RETURN_NOT_OK(AgreeOnStatus(comm, status));
  // The shares of one input are one table: the ranks agree on its schema (per-rank files may
  // order or type their columns differently) before any operator exchanges a row of it.
  for (size_t i = 0; i < shares.size(); ++i) {
    DEEPRC_ASSIGN_OR_RETURN(shares[i], AgreeOnSchema(comm, shares[i], paths[i]));
  }
  return shares;
}

Status WriteShares(net::Communicator& comm, const table::Table& table, const std::string& path, bool gather) {
  if (!gather) return table::WriteTable(table, PartPath(path, comm.rank()));
  // Rank 0 writes every rank's rows under one schema.
  DEEPRC_ASSIGN_OR_RETURN(table::Table agreed, AgreeOnSchema(comm, table, path));
  DEEPRC_ASSIGN_OR_RETURN(table::Table all, net::GatherTables(comm, agreed, 0));
  Status status = comm.rank() == 0 ? table::WriteTable(all, path) : Status::OK();
  // Every rank learns whether the write worked, so all exit alike.
  DEEPRC_ASSIGN_OR_RETURN(int64_t failed,
                          comm.AllReduceScalar(int64_t{status.ok() ? 0 : 1}, net::ReduceOp::kMax));
  if (failed && status.ok()) return Status::IOError("rank 0 could not write ", path);
  return status;
}

}  // namespace deeprc::dist
