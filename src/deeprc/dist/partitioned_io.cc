#include "deeprc/dist/partitioned_io.h"

#include <filesystem>
#include <vector>

#include "deeprc/net/table_channel.h"
#include "deeprc/table/file_format.h"
#include "deeprc/table/parquet_io.h"
#include "deeprc/table/slice.h"

namespace deeprc::dist {
namespace {

constexpr std::string_view kRankPlaceholder = "{rank}";

bool HasPlaceholder(const std::string& path) { return path.find(kRankPlaceholder) != std::string::npos; }

std::string ReplacePlaceholder(std::string path, int rank) {
  for (auto at = path.find(kRankPlaceholder); at != std::string::npos; at = path.find(kRankPlaceholder)) {
    path.replace(at, kRankPlaceholder.size(), std::to_string(rank));
  }
  return path;
}

}  // namespace

std::string PathOfRank(const std::string& path, int rank) {
  if (HasPlaceholder(path)) return ReplacePlaceholder(path, rank);
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "." + std::to_string(rank) + p.extension().string()))
      .string();
}

Result<Table> ReadShare(const net::Communicator& comm, const std::string& path) {
  if (HasPlaceholder(path)) return ReadTable(ReplacePlaceholder(path, comm.rank()));
  const int r = comm.rank(), p = comm.size();
  DEEPRC_ASSIGN_OR_RETURN(FileFormat format, FileFormatFromPath(path));
  if (format == FileFormat::kParquet) {
    // Row groups are Parquet's unit of independent reading: each rank decodes only its own.
    DEEPRC_ASSIGN_OR_RETURN(int groups, ParquetRowGroupCount(path));
    const int first = static_cast<int>(int64_t{r} * groups / p),
              last = static_cast<int>(int64_t{r + 1} * groups / p);
    return ReadParquetRowGroups(path, first, last - first);
  }
  DEEPRC_ASSIGN_OR_RETURN(Table whole, ReadTable(path));
  const int64_t n = whole.num_rows();
  return Slice(whole, r * n / p, (r + 1) * n / p - r * n / p);
}

Result<std::vector<Table>> ReadShares(net::Communicator& comm, const std::vector<std::string>& paths) {
  std::vector<Table> shares;
  Status status;
  for (const auto& path : paths) {
    auto share = ReadShare(comm, path);
    status = share.status();
    if (!status.ok()) break;
    shares.push_back(*std::move(share));
  }
  DEEPRC_ASSIGN_OR_RETURN(int64_t failed,
                          comm.AllReduceScalar(int64_t{status.ok() ? 0 : 1}, net::ReduceOp::kMax));
  if (!failed) return shares;
  // Every rank learns the first failing rank's reason.
  const std::string mine = status.ok() ? std::string() : status.message();
  DEEPRC_ASSIGN_OR_RETURN(auto messages,
                          comm.AllGather({reinterpret_cast<const uint8_t*>(mine.data()), mine.size()}));
  if (!status.ok()) return status;
  for (size_t rank = 0; rank < messages.size(); ++rank) {
    if (messages[rank]->size() > 0) return Status::IOError("rank ", rank, ": ", messages[rank]->ToString());
  }
  return shares;
}

Status WriteShares(net::Communicator& comm, const Table& table, const std::string& path, bool gather) {
  if (!gather) return WriteTable(table, PathOfRank(path, comm.rank()));
  DEEPRC_ASSIGN_OR_RETURN(Table all, net::GatherTables(comm, table, 0));
  Status status = comm.rank() == 0 ? WriteTable(all, path) : Status::OK();
  // Every rank learns whether the write worked, so all exit alike.
  DEEPRC_ASSIGN_OR_RETURN(int64_t failed,
                          comm.AllReduceScalar(int64_t{status.ok() ? 0 : 1}, net::ReduceOp::kMax));
  if (failed && status.ok()) return Status::IOError("rank 0 could not write ", path);
  return status;
}

}  // namespace deeprc::dist
