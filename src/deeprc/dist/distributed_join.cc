#include "deeprc/dist/distributed_join.h"

#include "deeprc/dist/shuffle.h"

namespace deeprc::dist {

Result<Table> DistributedJoin(net::Communicator& comm, const Table& left, const Table& right,
                              const JoinOptions& options) {
  // Catch a missing key column before any rank sends a byte, so every rank fails alike.
  DEEPRC_RETURN_NOT_OK(WithContext(left.ColumnIndices(options.left_keys).status(), options.left_name, ": "));
  DEEPRC_RETURN_NOT_OK(
      WithContext(right.ColumnIndices(options.right_keys).status(), options.right_name, ": "));
  DEEPRC_ASSIGN_OR_RETURN(Table left_share, Shuffle(comm, left, options.left_keys));
  DEEPRC_ASSIGN_OR_RETURN(Table right_share, Shuffle(comm, right, options.right_keys));
  return Join(left_share, right_share, options);
}

}  // namespace deeprc::dist
