#include "deeprc/net/table_channel.h"

#include <arrow/array/concatenate.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/api.h>
#include <arrow/util/byte_size.h>

#include <functional>
#include <string>

namespace deeprc::net {
namespace {

// What a receiver needs to rebuild one partition without its bytes: the sender's schema digest,
// then per column the array's length, null count and the size of each buffer (-1 for an absent
// buffer). Sent as int64s.
//   [digest, num_rows, then per column: length, null_count, num_buffers, size_0 ... size_k]
constexpr size_t kFirstColumn = 2;
struct Outgoing {
  std::vector<int64_t> header;
  std::vector<std::shared_ptr<arrow::Buffer>> buffers;  // non-null, in header order
};

Status CheckFlat(const arrow::Schema& schema) {
  for (const auto& field : schema.fields()) {
    if (field->type()->num_fields() > 0 || field->type()->id() == arrow::Type::DICTIONARY) {
      return Status::NotImplemented("column '", field->name(), "' of type ", field->type()->ToString(),
                                    ": only flat (non-nested, non-dictionary) columns travel between ranks");
    }
  }
  return Status::OK();
}

// The array as offset-0 data whose buffers hold its rows and nothing more, so whole buffers can
// be sent and the receiver needs no offset. A shuffle's partitions are slices of one gathered
// table (HashPartition), so this runs on every column of every partition: a fixed-width column
// without nulls becomes a view of its slice of the values (no copy, and no bytes of the other
// partitions go along); other slices are copied.
Result<std::shared_ptr<arrow::ArrayData>> Normalized(const std::shared_ptr<arrow::Array>& array) {
  const auto& data = array->data();
  const auto& type = *data->type;
  if (arrow::is_fixed_width(type.id()) && type.id() != arrow::Type::DICTIONARY && type.bit_width() % 8 == 0 &&
      data->GetNullCount() == 0 && data->buffers.size() == 2 && data->buffers[1] != nullptr) {
    const int64_t width = type.bit_width() / 8;
    auto values = arrow::SliceBuffer(data->buffers[1], data->offset * width, data->length * width);
    return arrow::ArrayData::Make(data->type, data->length, {nullptr, std::move(values)}, 0);
  }
  DEEPRC_ASSIGN_OR_RETURN(const int64_t referenced, arrow::util::ReferencedBufferSize(*data));
  if (data->offset == 0 && referenced == arrow::util::TotalBufferSize(*data)) return data;
  DEEPRC_ASSIGN_OR_RETURN(auto copy, arrow::Concatenate({array}));
  return copy->data();
}

// A digest of the column names and types (not nullability, which changes no buffer). The
// receiver rebuilds a sender's columns with its own schema, so a sender whose columns differ in
// order or type would have its buffers reinterpreted: each header carries the digest, and every
// rank checks all of them before any buffer moves.
int64_t SchemaDigest(const arrow::Schema& schema) {
  std::string text;
  for (const auto& field : schema.fields()) {
    const std::string& type = field->type()->fingerprint();
    text.append(field->name()).push_back('\0');
    text.append(type.empty() ? field->type()->ToString() : type).push_back('\0');
  }
  return static_cast<int64_t>(std::hash<std::string>{}(text));
}

// The verdict of every rank alike, since each holds every sender's digest: the ranks whose
// columns differ from rank 0's.
Status CheckDigests(const std::vector<int64_t>& digests, const arrow::Schema& mine, int me) {
  std::string differing;
  for (size_t rank = 1; rank < digests.size(); ++rank) {
    if (digests[rank] != digests[0]) differing += (differing.empty() ? "" : ", ") + std::to_string(rank);
  }
  if (differing.empty()) return Status::OK();
  std::string columns;
  for (const auto& field : mine.fields()) {
    columns += (columns.empty() ? "" : ", ") + field->name() + ": " + field->type()->ToString();
  }
  return Status::Invalid("table exchange refused: the columns (names, order or types) of rank(s) ", differing,
                         " differ from rank 0's, and buffers would be read as the wrong columns; rank ", me,
                         " has [", columns,
                         "]. The ranks must agree on one schema first (dist::AgreeOnSchema)");
}

Result<Outgoing> Describe(const table::Table& partition, int64_t digest) {
  Outgoing out;
  out.header.push_back(digest);
  out.header.push_back(partition.num_rows());
  DEEPRC_ASSIGN_OR_RETURN(table::Table combined, partition.CombineChunks());
  for (const auto& column : combined.arrow()->columns()) {
    if (column->num_chunks() == 0) {
      out.header.insert(out.header.end(), {0, 0, 0});
      continue;
    }
    DEEPRC_ASSIGN_OR_RETURN(auto data, Normalized(column->chunk(0)));
    out.header.push_back(data->length);
    out.header.push_back(data->GetNullCount());
    out.header.push_back(static_cast<int64_t>(data->buffers.size()));
    for (size_t i = 0; i < data->buffers.size(); ++i) {
      const auto& buffer = data->buffers[i];
      // A validity bitmap with no nulls carries nothing: leave it behind.
      const bool absent = buffer == nullptr || (i == 0 && data->null_count == 0);
      out.header.push_back(absent ? -1 : buffer->size());
      if (!absent) out.buffers.push_back(buffer);
    }
  }
  return out;
}

// The receiving side of one sender: buffers allocated from the header, filled by the exchange,
// then assembled into a record batch.
struct Incoming {
  std::vector<int64_t> header;
  std::vector<std::shared_ptr<arrow::ResizableBuffer>> buffers;
};

Result<Incoming> Prepare(const std::shared_ptr<arrow::Buffer>& header_bytes) {
  Incoming in;
  const auto* values = reinterpret_cast<const int64_t*>(header_bytes->data());
  in.header.assign(values, values + header_bytes->size() / sizeof(int64_t));
  size_t position = kFirstColumn;
  while (position < in.header.size()) {
    const int64_t num_buffers = in.header[position + 2];
    position += 3;
    for (int64_t b = 0; b < num_buffers; ++b, ++position) {
      if (in.header[position] < 0) continue;
      DEEPRC_ASSIGN_OR_RETURN(auto buffer, arrow::AllocateResizableBuffer(in.header[position]));
      in.buffers.push_back(std::move(buffer));
    }
  }
  return in;
}

Result<std::shared_ptr<arrow::RecordBatch>> Assemble(const Incoming& in,
                                                     const std::shared_ptr<arrow::Schema>& schema) {
  std::vector<std::shared_ptr<arrow::ArrayData>> columns;
  size_t position = kFirstColumn, next_buffer = 0;
  for (const auto& field : schema->fields()) {
    if (position + 3 > in.header.size()) return Status::IOError("truncated table header from a peer");
    const int64_t length = in.header[position], null_count = in.header[position + 1];
    const int64_t num_buffers = in.header[position + 2];
    position += 3;
    std::vector<std::shared_ptr<arrow::Buffer>> buffers;
    for (int64_t b = 0; b < num_buffers; ++b, ++position) {
      buffers.push_back(in.header[position] < 0 ? nullptr : in.buffers[next_buffer++]);
    }
    if (num_buffers == 0) {
      DEEPRC_ASSIGN_OR_RETURN(auto empty, arrow::MakeEmptyArray(field->type()));
      columns.push_back(empty->data());
    } else {
      columns.push_back(arrow::ArrayData::Make(field->type(), length, std::move(buffers), null_count));
    }
  }
  return arrow::RecordBatch::Make(schema, in.header.at(1), std::move(columns));
}

Result<std::shared_ptr<arrow::Buffer>> SerializeSchema(const arrow::Schema& schema) {
  return arrow::ipc::SerializeSchema(schema);
}

Result<std::shared_ptr<arrow::Schema>> DeserializeSchema(const std::shared_ptr<arrow::Buffer>& bytes) {
  arrow::io::BufferReader reader(bytes);
  return arrow::ipc::ReadSchema(&reader, nullptr);
}

std::span<const uint8_t> Bytes(const std::vector<int64_t>& values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(int64_t)};
}

}  // namespace

Result<table::Table> AllToAllTables(Communicator& comm, const std::vector<table::Table>& partitions,
                                    const std::shared_ptr<arrow::Schema>& schema) {
  const int n = comm.size(), me = comm.rank();
  if (static_cast<int>(partitions.size()) != n) {
    return Status::Invalid("AllToAllTables needs one partition per rank: got ", partitions.size(), " for ",
                           n);
  }
  DEEPRC_RETURN_NOT_OK(CheckFlat(*schema));
  for (const auto& partition : partitions) {
    if (!partition.schema()->Equals(*schema, /*check_metadata=*/false)) {
      return Status::Invalid("AllToAllTables: a partition's schema differs from the table's:\n",
                             partition.schema()->ToString(), "\nvs\n", schema->ToString());
    }
  }

  // The digest rides in the headers that travel anyway: the check costs no extra message.
  const int64_t digest = SchemaDigest(*schema);
  std::vector<Outgoing> outgoing(n);
  std::vector<std::span<const uint8_t>> headers(n);
  for (int peer = 0; peer < n; ++peer) {
    if (peer == me) continue;
    DEEPRC_ASSIGN_OR_RETURN(outgoing[peer], Describe(partitions[peer], digest));
    headers[peer] = Bytes(outgoing[peer].header);
  }
  DEEPRC_ASSIGN_OR_RETURN(auto received_headers, comm.AllToAll(headers));
  std::vector<int64_t> digests(n, digest);
  for (int peer = 0; peer < n; ++peer) {
    if (peer == me) continue;
    if (received_headers[peer]->size() < static_cast<int64_t>(kFirstColumn * sizeof(int64_t))) {
      return Status::IOError("truncated table header from rank ", peer);
    }
    digests[peer] = reinterpret_cast<const int64_t*>(received_headers[peer]->data())[0];
  }
  DEEPRC_RETURN_NOT_OK(CheckDigests(digests, *schema, me));

  std::vector<Incoming> incoming(n);
  std::vector<SendSpec> sends;
  std::vector<RecvSpec> recvs;
  for (int peer = 0; peer < n; ++peer) {
    if (peer == me) continue;
    DEEPRC_ASSIGN_OR_RETURN(incoming[peer], Prepare(received_headers[peer]));
    for (const auto& buffer : outgoing[peer].buffers) sends.push_back({peer, buffer->data(), buffer->size()});
    for (const auto& buffer : incoming[peer].buffers) {
      recvs.push_back({peer, buffer->mutable_data(), buffer->size()});
    }
  }
  DEEPRC_RETURN_NOT_OK(comm.Exchange(sends, recvs));

  arrow::RecordBatchVector batches;
  for (int peer = 0; peer < n; ++peer) {
    if (peer == me) {
      arrow::TableBatchReader reader(*partitions[me].arrow());
      DEEPRC_ASSIGN_OR_RETURN(auto own, reader.ToRecordBatches());
      for (auto& batch : own) batches.push_back(std::move(batch));
      continue;
    }
    DEEPRC_ASSIGN_OR_RETURN(auto batch, Assemble(incoming[peer], schema));
    DEEPRC_RETURN_NOT_OK(WithContext(batch->Validate(), "table from rank ", peer, " is malformed: "));
    batches.push_back(std::move(batch));
  }
  return table::Table::FromRecordBatches(schema, batches);
}

Result<table::Table> GatherTables(Communicator& comm, const table::Table& mine, int root) {
  std::vector<table::Table> partitions(comm.size(),
                                       table::Table(arrow::Table::MakeEmpty(mine.schema()).ValueOrDie()));
  partitions[root] = mine;
  return AllToAllTables(comm, partitions, mine.schema());
}

Result<table::Table> AllGatherTables(Communicator& comm, const table::Table& mine) {
  std::vector<table::Table> partitions(comm.size(), mine);
  return AllToAllTables(comm, partitions, mine.schema());
}

Result<table::Table> BroadcastTable(Communicator& comm, const table::Table& table, int root) {
  // Only the root knows the schema: it travels first, in Arrow's IPC encoding.
  std::shared_ptr<arrow::Buffer> schema_bytes = std::make_shared<arrow::Buffer>(nullptr, 0);
  if (comm.rank() == root) {
    DEEPRC_ASSIGN_OR_RETURN(schema_bytes, SerializeSchema(*table.schema()));
  }
  DEEPRC_ASSIGN_OR_RETURN(
      auto received, comm.Broadcast({schema_bytes->data(), static_cast<size_t>(schema_bytes->size())}, root));
  DEEPRC_ASSIGN_OR_RETURN(auto schema, DeserializeSchema(received));
  DEEPRC_ASSIGN_OR_RETURN(auto empty, arrow::Table::MakeEmpty(schema));
  std::vector<table::Table> partitions(comm.size(), table::Table(empty));
  if (comm.rank() == root) std::fill(partitions.begin(), partitions.end(), table);
  DEEPRC_ASSIGN_OR_RETURN(table::Table all, AllToAllTables(comm, partitions, schema));
  // Every rank received the root's table once and empty tables from the rest.
  return all;
}

}  // namespace deeprc::net
