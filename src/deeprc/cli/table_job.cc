#include "deeprc/cli/table_job.h"

#include <iostream>

#include "deeprc/cli/number_checks.h"
#include "deeprc/dist/partitioned_io.h"
#include "deeprc/net/launcher.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/io/preview.h"

namespace deeprc::cli {
namespace {

// Writes the result where --out says; without --out prints its shape and first and last rows,
// as pyarrow and Polars do: a million rows on a terminal help no one.
Status Emit(const table::Table& table, const std::string& output) {
  if (!output.empty()) return table::WriteTable(table, output);
  std::cout << table::FormatPreview(table) << std::flush;
  return Status::OK();
}

}  // namespace

TableJob::TableJob(CLI::App* command, bool distributed) {
  command->add_option("-o,--out", *output_, "Output file, format by extension; without it the shape and first rows are printed");
  if (!distributed) return;
  command->add_option("--ranks", *ranks_, "Run on N ranks on this machine (under mpirun or srun: the job's ranks)")
      ->check(WholeNumber(1, net::kMaxLocalRanks))
      ->capture_default_str();
  command->add_option("--backend", *backend_, "Communication between ranks: mpi, gloo or ucx")
      ->check(CLI::IsMember({"mpi", "gloo", "ucx"}))
      ->capture_default_str();
  command->add_flag("--gather", *gather_,
                    "Gather the result into --out on rank 0; otherwise each rank writes its part to --out with "
                    "{rank} replaced (or .<rank> before the extension)");
  command->footer(command->get_footer() +
                  "\nDistributed: with --ranks N (or under mpirun/srun) each rank reads its share of every input:"
                  "\nthe file with {rank} replaced when the name has {rank}, else a contiguous part of the one file"
                  "\n(its row groups for Parquet).\n");
}

Status TableJob::Run(const CommandResult& result, const std::vector<std::string>& inputs, const std::string& context,
                     const LocalOperator& local, const DistributedOperator& distributed) const {
  if (distributed && net::InsideParallelJob()) return RunRank(inputs, context, distributed);
  if (distributed && *ranks_ > 1) {
    DEEPRC_ASSIGN_OR_RETURN(int code, net::LaunchRanks(*ranks_, *backend_, result.argv));
    result.exit_code = code;
    return Status::OK();
  }
  std::vector<table::Table> tables;
  for (const auto& input : inputs) {
    DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(input));
    tables.push_back(std::move(table));
  }
  DEEPRC_ASSIGN_OR_RETURN(auto output, WithContext(local(tables), context));
  return Emit(output, *output_);
}

Status TableJob::RunRank(const std::vector<std::string>& inputs, const std::string& context,
                         const DistributedOperator& distributed) const {
  if (output_->empty() && !*gather_) return Status::Invalid("a distributed run needs --out, or --gather to print");
  DEEPRC_ASSIGN_OR_RETURN(auto comm, net::MakeCommunicator(*backend_));
  const std::string rank = "rank " + std::to_string(comm->rank()) + "/" + std::to_string(comm->size()) + ": ";
  DEEPRC_ASSIGN_OR_RETURN(auto shares, WithContext(dist::ReadShares(*comm, inputs), rank));
  DEEPRC_ASSIGN_OR_RETURN(auto part, WithContext(distributed(*comm, shares), rank, context));
  if (output_->empty()) {
    DEEPRC_ASSIGN_OR_RETURN(auto all, net::GatherTables(*comm, part, 0));
    return comm->rank() == 0 ? Emit(all, "") : Status::OK();
  }
  return WithContext(dist::WriteShares(*comm, part, *output_, *gather_), rank);
}

DistributedOperator EachShare(LocalOperator local) {
  return [local = std::move(local)](net::Communicator&, const std::vector<table::Table>& shares) {
    return local(shares);
  };
}

}  // namespace deeprc::cli
