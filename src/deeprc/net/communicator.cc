#include "deeprc/net/communicator.h"

#include <arrow/buffer.h>
#include <arrow/type.h>

#include <cstring>

namespace deeprc::net {
namespace {

Result<std::shared_ptr<arrow::Buffer>> Allocate(int64_t size) {
  DEEPRC_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Buffer> buffer, arrow::AllocateBuffer(size));
  return buffer;
}

}  // namespace

Result<std::vector<std::shared_ptr<arrow::Buffer>>> Communicator::AllToAll(
    std::span<const std::span<const uint8_t>> send) {
  const int n = size();
  if (static_cast<int>(send.size()) != n) {
    return Status::Invalid("AllToAll needs one buffer per rank: got ", send.size(), " for ", n, " ranks");
  }
  // Sizes first, so every receive is posted with its exact length.
  std::vector<int64_t> send_sizes(n), recv_sizes(n);
  std::vector<SendSpec> sends;
  std::vector<RecvSpec> recvs;
  for (int peer = 0; peer < n; ++peer) {
    send_sizes[peer] = static_cast<int64_t>(send[peer].size());
    sends.push_back({peer, &send_sizes[peer], sizeof(int64_t)});
    recvs.push_back({peer, &recv_sizes[peer], sizeof(int64_t)});
  }
  DEEPRC_RETURN_NOT_OK(Exchange(sends, recvs));

  std::vector<std::shared_ptr<arrow::Buffer>> received(n);
  sends.clear();
  recvs.clear();
  for (int peer = 0; peer < n; ++peer) {
    DEEPRC_ASSIGN_OR_RETURN(received[peer], Allocate(recv_sizes[peer]));
    if (send_sizes[peer] > 0) sends.push_back({peer, send[peer].data(), send_sizes[peer]});
    if (recv_sizes[peer] > 0) recvs.push_back({peer, received[peer]->mutable_data(), recv_sizes[peer]});
  }
  DEEPRC_RETURN_NOT_OK(Exchange(sends, recvs));
  return received;
}

Status Communicator::DeliverToSelf(std::span<const SendSpec> all_sends, std::span<const RecvSpec> all_recvs,
                                   std::vector<SendSpec>* sends, std::vector<RecvSpec>* recvs) const {
  const int me = rank();
  std::vector<const SendSpec*> to_self;
  for (const auto& send : all_sends) {
    if (send.peer == me) {
      to_self.push_back(&send);
    } else {
      sends->push_back(send);
    }
  }
  size_t next = 0;
  for (const auto& recv : all_recvs) {
    if (recv.peer != me) {
      recvs->push_back(recv);
      continue;
    }
    if (next == to_self.size() || to_self[next]->size != recv.size) {
      return Status::Invalid("rank ", me, ": a receive from itself of ", recv.size,
                             " bytes has no matching send of the same size");
    }
    std::memcpy(recv.data, to_self[next++]->data, static_cast<size_t>(recv.size));
  }
  if (next != to_self.size())
    return Status::Invalid("rank ", me, ": a send to itself has no matching receive");
  return Status::OK();
}

Result<std::vector<std::shared_ptr<arrow::Buffer>>> Communicator::AllGather(std::span<const uint8_t> mine) {
  std::vector<std::span<const uint8_t>> send(size(), mine);
  return AllToAll(send);
}

Result<std::shared_ptr<arrow::Buffer>> Communicator::Broadcast(std::span<const uint8_t> data, int root) {
  if (root < 0 || root >= size())
    return Status::Invalid("Broadcast root ", root, " is not a rank of ", size());
  std::vector<std::span<const uint8_t>> send(size());
  if (rank() == root) std::fill(send.begin(), send.end(), data);
  DEEPRC_ASSIGN_OR_RETURN(auto received, AllToAll(send));
  return received[root];
}

Result<std::vector<std::shared_ptr<arrow::Buffer>>> Communicator::Gather(std::span<const uint8_t> mine,
                                                                         int root) {
  if (root < 0 || root >= size()) return Status::Invalid("Gather root ", root, " is not a rank of ", size());
  std::vector<std::span<const uint8_t>> send(size());
  send[root] = mine;
  DEEPRC_ASSIGN_OR_RETURN(auto received, AllToAll(send));
  if (rank() != root) received.clear();
  return received;
}

Result<int64_t> Communicator::AllReduceScalar(int64_t value, ReduceOp op) {
  DEEPRC_RETURN_NOT_OK(AllReduce(&value, 1, *arrow::int64(), op));
  return value;
}

Result<double> Communicator::AllReduceScalar(double value, ReduceOp op) {
  DEEPRC_RETURN_NOT_OK(AllReduce(&value, 1, *arrow::float64(), op));
  return value;
}

}  // namespace deeprc::net
