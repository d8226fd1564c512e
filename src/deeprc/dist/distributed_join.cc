#include "deeprc/dist/distributed_join.h"

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"
#include "deeprc/table/join/join_internal.h"

namespace deeprc::dist {

Result<table::Table> DistributedJoin(net::Communicator& comm, const table::Table& left,
                                     const table::Table& right, const table::JoinOptions& options) {
  // Each side agrees on its own schema across ranks. The local join's plan then sees the same
  // schemas on every rank, so a missing key or keys of incompatible types fail every rank alike,
  // before any rank sends a row.
  DEEPRC_ASSIGN_OR_RETURN(table::Table left_agreed, AgreeOnSchema(comm, left, options.left_name));
  DEEPRC_ASSIGN_OR_RETURN(table::Table right_agreed, AgreeOnSchema(comm, right, options.right_name));
  DEEPRC_RETURN_NOT_OK(table::join_internal::PlanJoin(left_agreed, right_agreed, options).status());
  DEEPRC_ASSIGN_OR_RETURN(table::Table left_share, ShuffleAgreed(comm, left_agreed, options.left_keys));
  DEEPRC_ASSIGN_OR_RETURN(table::Table right_share, ShuffleAgreed(comm, right_agreed, options.right_keys));
  return table::Join(left_share, right_share, options);
}

}  // namespace deeprc::dist
