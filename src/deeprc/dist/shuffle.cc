#include "deeprc/dist/shuffle.h"

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/ops/hash_partition.h"

namespace deeprc::dist {

Result<table::Table> Shuffle(net::Communicator& comm, const table::Table& table,
                             const std::vector<std::string>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(table::Table agreed, AgreeOnSchema(comm, table));
  return ShuffleAgreed(comm, agreed, keys);
}

Result<table::Table> ShuffleAgreed(net::Communicator& comm, const table::Table& table,
                                   const std::vector<std::string>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(auto partitions, table::HashPartition(table, keys, comm.size()));
  return net::AllToAllTables(comm, partitions, table.schema());
}

}  // namespace deeprc::dist
