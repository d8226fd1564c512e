#include "deeprc/dist/run_on_shares.h"

#include "deeprc/dist/partitioned_io.h"
#include "deeprc/table/io/file_format.h"

namespace deeprc::dist {
namespace {

// "a.parquet: " or "a.parquet and b.parquet: ", before an operator's error.
std::string InputContext(const TableOperator& op, const std::vector<std::string>& inputs) {
  if (op.names_its_inputs || inputs.empty()) return "";
  std::string context;
  for (size_t i = 0; i < inputs.size(); ++i) context += (i == 0 ? "" : " and ") + inputs[i];
  return context + ": ";
}

}  // namespace

Result<SharesResult> RunOnShares(net::Communicator& comm, const TableOperator& op, const BoundOperator& bound,
                                 const std::vector<std::string>& inputs, const std::string& output,
                                 bool gather) {
  // Refused before any rank reads or talks, so all ranks fail alike.
  if (!bound.distributed && comm.size() > 1) {
    return Status::Invalid(op.name, " has no distributed form: run it on one rank");
  }
  DEEPRC_ASSIGN_OR_RETURN(auto shares, ReadShares(comm, inputs));
  SharesResult result;
  if (bound.distributed) {
    DEEPRC_ASSIGN_OR_RETURN(result.part,
                            WithContext(bound.distributed(comm, shares), InputContext(op, inputs)));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(result.part, WithContext(bound.local(shares), InputContext(op, inputs)));
  }
  // Counted before writing: a rank that fails to write its own file leaves no peer waiting.
  DEEPRC_ASSIGN_OR_RETURN(result.rows, comm.AllReduceScalar(result.part.num_rows(), net::ReduceOp::kSum));
  if (!output.empty()) DEEPRC_RETURN_NOT_OK(WriteShares(comm, result.part, output, gather));
  return result;
}

Result<table::Table> RunOnFiles(const TableOperator& op, const BoundOperator& bound,
                                const std::vector<std::string>& inputs) {
  std::vector<table::Table> tables;
  for (const auto& input : inputs) {
    DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(input));
    tables.push_back(std::move(table));
  }
  return WithContext(bound.local(tables), InputContext(op, inputs));
}

}  // namespace deeprc::dist
