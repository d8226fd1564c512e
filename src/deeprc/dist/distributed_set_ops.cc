#include "deeprc/dist/distributed_set_ops.h"

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/table/ops/set_ops.h"
#include "deeprc/table/ops/unique.h"

namespace deeprc::dist {
namespace {

using LocalSetOp = Result<Table> (*)(const Table&, const Table&);

// Both sides shuffled on every column, so equal rows meet on one rank, then the local operator.
// Each side agrees on its own schema across ranks; the local operator then compares the two.
Result<Table> ShuffledSetOp(net::Communicator& comm, const Table& a, const Table& b, LocalSetOp op) {
  DEEPRC_ASSIGN_OR_RETURN(Table a_agreed, AgreeOnSchema(comm, a, "first table"));
  DEEPRC_ASSIGN_OR_RETURN(Table b_agreed, AgreeOnSchema(comm, b, "second table"));
  DEEPRC_ASSIGN_OR_RETURN(Table a_share, ShuffleAgreed(comm, a_agreed, a_agreed.ColumnNames()));
  DEEPRC_ASSIGN_OR_RETURN(Table b_share, ShuffleAgreed(comm, b_agreed, b_agreed.ColumnNames()));
  return op(a_share, b_share);
}

}  // namespace

Result<Table> DistributedUnique(net::Communicator& comm, const Table& table,
                                const std::vector<std::string>& columns) {
  DEEPRC_ASSIGN_OR_RETURN(Table agreed, AgreeOnSchema(comm, table));
  // Dropping local duplicates first means each distinct row crosses the network at most once per rank.
  DEEPRC_ASSIGN_OR_RETURN(Table local, Unique(agreed, columns));
  DEEPRC_ASSIGN_OR_RETURN(Table share,
                          ShuffleAgreed(comm, local, columns.empty() ? agreed.ColumnNames() : columns));
  return Unique(share, columns);
}

Result<Table> DistributedUnion(net::Communicator& comm, const Table& a, const Table& b) {
  return ShuffledSetOp(comm, a, b, &Union);
}

Result<Table> DistributedIntersect(net::Communicator& comm, const Table& a, const Table& b) {
  return ShuffledSetOp(comm, a, b, &Intersect);
}

Result<Table> DistributedSubtract(net::Communicator& comm, const Table& a, const Table& b) {
  return ShuffledSetOp(comm, a, b, &Subtract);
}

}  // namespace deeprc::dist
