#include "deeprc/dist/shuffle.h"

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/ops/hash_partition.h"

namespace deeprc::dist {

Result<Table> Shuffle(net::Communicator& comm, const Table& table, const std::vector<std::string>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(Table agreed, AgreeOnSchema(comm, table));
  return ShuffleAgreed(comm, agreed, keys);
}

Result<Table> ShuffleAgreed(net::Communicator& comm, const Table& table,
                            const std::vector<std::string>& keys) {
  DEEPRC_ASSIGN_OR_RETURN(auto partitions, HashPartition(table, keys, comm.size()));
  return net::AllToAllTables(comm, partitions, table.schema());
}

}  // namespace deeprc::dist
