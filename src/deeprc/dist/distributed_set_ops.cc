#include "deeprc/dist/distributed_set_ops.h"

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/unique.h"

namespace deeprc::dist {
namespace {

using LocalSetOp = Result<table::Table> (*)(const table::Table&, const table::Table&);

// Both sides shuffled on every column, so equal rows meet on one rank, then the local operator.
// Each side agrees on its own schema across ranks; the local operator then compares the two.
Result<table::Table> ShuffledSetOp(net::Communicator& comm, const table::Table& a, const table::Table& b,
                                   LocalSetOp op) {
  DEEPRC_ASSIGN_OR_RETURN(table::Table a_agreed, AgreeOnSchema(comm, a, "first table"));
  DEEPRC_ASSIGN_OR_RETURN(table::Table b_agreed, AgreeOnSchema(comm, b, "second table"));
  DEEPRC_ASSIGN_OR_RETURN(table::Table a_share, ShuffleAgreed(comm, a_agreed, a_agreed.ColumnNames()));
  DEEPRC_ASSIGN_OR_RETURN(table::Table b_share, ShuffleAgreed(comm, b_agreed, b_agreed.ColumnNames()));
  return op(a_share, b_share);
}

}  // namespace

Result<table::Table> DistributedUnique(net::Communicator& comm, const table::Table& table,
                                       const std::vector<std::string>& columns) {
  DEEPRC_ASSIGN_OR_RETURN(table::Table agreed, AgreeOnSchema(comm, table));
  // Dropping local duplicates first means each distinct row crosses the network at most once per rank.
  DEEPRC_ASSIGN_OR_RETURN(table::Table local, table::Unique(agreed, columns));
  DEEPRC_ASSIGN_OR_RETURN(table::Table share,
                          ShuffleAgreed(comm, local, columns.empty() ? agreed.ColumnNames() : columns));
  return table::Unique(share, columns);
}

Result<table::Table> DistributedUnion(net::Communicator& comm, const table::Table& a, const table::Table& b) {
  return ShuffledSetOp(comm, a, b, &table::Union);
}

Result<table::Table> DistributedIntersect(net::Communicator& comm, const table::Table& a,
                                          const table::Table& b) {
  return ShuffledSetOp(comm, a, b, &table::Intersect);
}

Result<table::Table> DistributedSubtract(net::Communicator& comm, const table::Table& a,
                                         const table::Table& b) {
  return ShuffledSetOp(comm, a, b, &table::Subtract);
}

}  // namespace deeprc::dist
