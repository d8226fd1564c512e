#include "deeprc/dist/distributed_equals.h"

#include "deeprc/dist/repartition.h"
#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/table/ops/equals.h"

namespace deeprc::dist {

Result<bool> DistributedEquals(net::Communicator& comm, const table::Table& first, const table::Table& second,
                               bool ordered) {
  // Each table agrees on its schema across ranks, so every rank takes the same branch below.
  DEEPRC_ASSIGN_OR_RETURN(table::Table a, AgreeOnSchema(comm, first, "first table"));
  DEEPRC_ASSIGN_OR_RETURN(table::Table b, AgreeOnSchema(comm, second, "second table"));
  // Bring both tables to the same layout: even slices of the global order, or equal rows
  // together; then each rank compares its share and the ranks agree on the verdict.
  table::Table a_share, b_share;
  if (ordered) {
    DEEPRC_ASSIGN_OR_RETURN(a_share, Repartition(comm, a));
    DEEPRC_ASSIGN_OR_RETURN(b_share, Repartition(comm, b));
  } else {
    if (!a.schema()->Equals(*b.schema(), /*check_metadata=*/false)) {
      // Rows of different schemas can hash differently; they are unequal tables anyway.
      DEEPRC_ASSIGN_OR_RETURN(int64_t all_different, comm.AllReduceScalar(int64_t{1}, net::ReduceOp::kMax));
      return all_different == 0;
    }
    DEEPRC_ASSIGN_OR_RETURN(a_share, ShuffleAgreed(comm, a, a.ColumnNames()));
    DEEPRC_ASSIGN_OR_RETURN(b_share, ShuffleAgreed(comm, b, b.ColumnNames()));
  }
  DEEPRC_ASSIGN_OR_RETURN(bool equal, table::Equals(a_share, b_share, ordered));
  DEEPRC_ASSIGN_OR_RETURN(int64_t all_equal,
                          comm.AllReduceScalar(int64_t{equal ? 1 : 0}, net::ReduceOp::kMin));
  return all_equal == 1;
}

}  // namespace deeprc::dist
