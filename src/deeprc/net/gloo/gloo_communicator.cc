#include "deeprc/net/gloo/gloo_communicator.h"

#include <arrow/buffer.h>
#include <arrow/type.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/common/error.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/unbound_buffer.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include "deeprc/net/progress.h"
#include "deeprc/net/reduce.h"

namespace deeprc::net {
namespace {

// Slots below this are left to Gloo's own collectives, which number theirs from 0 upwards.
constexpr uint64_t kExchangeSlotBase = uint64_t{1} << 40;

// A gloo::Context whose pairs are connected from addresses exchanged over another communicator,
// as gloo's own MPI context does, so Gloo runs under mpirun or srun without a shared directory.
//
// No rank returns from Connect before every rank has finished connecting: the ranks agree over
// the bootstrap communicator first. Without it, a rank done with its pairs (e.g. a no-op task)
// destroyed its context while a peer was still in its connect loop; the peer's Gloo event loop
// read the closed connection ("Connection closed by peer") on a pair it had just connected, and
// Gloo's Pair::connect checks the pair's error before its state, so the peer's bootstrap failed
// and it never connected its remaining pairs: a rank on the listening side of one of those waited
// for a connect that never came (Gloo's first-connect wait is 5x the pair's timeout, 300 s).
class BootstrappedContext : public gloo::Context {
 public:
  BootstrappedContext(int rank, int size) : gloo::Context(rank, size) {}

  Status Connect(Communicator& bootstrap, const std::shared_ptr<gloo::transport::Device>& device) {
    device_ = device;
    transportContext_ = device->createContext(rank, size);
    // A pair waits for its first connection 5x its timeout (Gloo's tcp::Pair::waitUntil); pairs
    // get a fifth of ours so that a peer that never connects fails this rank within our timeout.
    transportContext_->setTimeout(
        std::max(std::chrono::milliseconds(1), std::chrono::milliseconds(getTimeout().count() / 5)));
    // Our addresses, one per peer: [peer count][length, bytes]...
    std::vector<char> mine;
    for (int peer = 0; peer < size; ++peer) {
      std::vector<char> address;
      if (peer != rank) address = transportContext_->createPair(peer)->address().bytes();
      const uint64_t length = address.size();
      mine.insert(mine.end(), reinterpret_cast<const char*>(&length),
                  reinterpret_cast<const char*>(&length) + 8);
      mine.insert(mine.end(), address.begin(), address.end());
    }
    transportContext_->setTimeout(getTimeout());
    DEEPRC_ASSIGN_OR_RETURN(
        auto everyone, bootstrap.AllGather({reinterpret_cast<const uint8_t*>(mine.data()), mine.size()}));
    // After a failed connect the others still go ahead, so no peer waits for us in vain.
    Status connected;
    for (int peer = 0; peer < size; ++peer) {
      if (peer == rank) continue;
      // Find, in the peer's table, the address it created for us.
      const char* cursor = reinterpret_cast<const char*>(everyone[peer]->data());
      for (int entry = 0; entry < rank; ++entry) {
        uint64_t length;
        std::memcpy(&length, cursor, 8);
        cursor += 8 + length;
      }
      uint64_t length;
      std::memcpy(&length, cursor, 8);
      try {
        transportContext_->getPair(peer)->connect(std::vector<char>(cursor + 8, cursor + 8 + length));
      } catch (const std::exception& error) {
        if (connected.ok()) connected = Status::IOError("connecting to rank ", peer, ": ", error.what());
      }
    }
    // Every rank says whether it connected, so none closes its pairs while a peer is still
    // connecting, and all fail together when one did not.
    const uint8_t ok = connected.ok() ? 1 : 0;
    auto votes = bootstrap.AllGather({&ok, 1});
    DEEPRC_RETURN_NOT_OK(connected);
    DEEPRC_RETURN_NOT_OK(votes.status());
    std::string failed;
    for (int peer = 0; peer < size; ++peer) {
      if ((*votes)[peer]->data()[0] == 0) failed += (failed.empty() ? "" : ", ") + std::to_string(peer);
    }
    if (!failed.empty()) return Status::IOError("rank(s) ", failed, " could not connect");
    return Status::OK();
  }
};

Result<std::shared_ptr<gloo::transport::Device>> MakeDevice(const GlooOptions& options) {
  // Gloo writes to sockets without MSG_NOSIGNAL: once a peer dies, the next write would kill this
  // process with SIGPIPE instead of failing the transfer, and the failure could not be reported.
  std::signal(SIGPIPE, SIG_IGN);
  gloo::transport::tcp::attr attr;
  attr.hostname = options.hostname;
  return gloo::transport::tcp::CreateDevice(attr);
}

template <typename T>
void ReduceFunction(void* accumulator, const void* a, const void* b, size_t n, ReduceOp op) {
  auto* out = static_cast<T*>(accumulator);
  const auto* x = static_cast<const T*>(a);
  const auto* y = static_cast<const T*>(b);
  for (size_t i = 0; i < n; ++i) {
    switch (op) {
      case ReduceOp::kSum:
        out[i] = x[i] + y[i];
        break;
      case ReduceOp::kProd:
        out[i] = x[i] * y[i];
        break;
      case ReduceOp::kMin:
        out[i] = std::min(x[i], y[i]);
        break;
      case ReduceOp::kMax:
        out[i] = std::max(x[i], y[i]);
        break;
    }
  }
}

template <typename T>
Status GlooAllReduce(const std::shared_ptr<gloo::Context>& context, void* data, int64_t count, ReduceOp op,
                     std::chrono::milliseconds timeout) {
  gloo::AllreduceOptions options(context);
  options.setOutput(static_cast<T*>(data), static_cast<size_t>(count));
  options.setReduceFunction([op](void* accumulator, const void* a, const void* b, size_t n) {
    ReduceFunction<T>(accumulator, a, b, n, op);
  });
  options.setTimeout(timeout);
  gloo::allreduce(options);
  return Status::OK();
}

}  // namespace

GlooCommunicator::GlooCommunicator(std::shared_ptr<gloo::Context> context) : context_(std::move(context)) {}

GlooCommunicator::~GlooCommunicator() = default;

int GlooCommunicator::rank() const { return context_->rank; }
int GlooCommunicator::size() const { return context_->size; }

Result<std::shared_ptr<GlooCommunicator>> GlooCommunicator::FromFileStore(int rank, int size,
                                                                          const std::string& directory,
                                                                          const std::string& prefix,
                                                                          const GlooOptions& options) {
  try {
    DEEPRC_ASSIGN_OR_RETURN(auto device, MakeDevice(options));
    gloo::rendezvous::FileStore file_store(directory);
    gloo::rendezvous::PrefixStore store(prefix, file_store);
    auto context = std::make_shared<gloo::rendezvous::Context>(rank, size);
    context->setTimeout(options.timeout);
    context->connectFullMesh(store, device);
    auto comm = std::shared_ptr<GlooCommunicator>(new GlooCommunicator(std::move(context)));
    comm->set_timeout(options.timeout);
    return comm;
  } catch (const std::exception& error) {
    return Status::IOError("Gloo rendezvous of rank ", rank, "/", size, " in ", directory,
                           " failed: ", error.what());
  }
}

Result<std::shared_ptr<GlooCommunicator>> GlooCommunicator::Over(Communicator& bootstrap,
                                                                 const GlooOptions& options) {
  try {
    DEEPRC_ASSIGN_OR_RETURN(auto device, MakeDevice(options));
    auto context = std::make_shared<BootstrappedContext>(bootstrap.rank(), bootstrap.size());
    context->setTimeout(options.timeout);
    DEEPRC_RETURN_NOT_OK(context->Connect(bootstrap, device));
    auto comm = std::shared_ptr<GlooCommunicator>(new GlooCommunicator(std::move(context)));
    comm->set_timeout(options.timeout);
    return comm;
  } catch (const std::exception& error) {
    return Status::IOError("Gloo bootstrap over ", bootstrap.backend_name(), " on rank ", bootstrap.rank(),
                           " failed: ", error.what());
  }
}

Status GlooCommunicator::Exchange(std::span<const SendSpec> all_sends, std::span<const RecvSpec> all_recvs) {
  std::vector<SendSpec> sends;
  std::vector<RecvSpec> recvs;
  DEEPRC_RETURN_NOT_OK(DeliverToSelf(all_sends, all_recvs, &sends, &recvs));
  struct Pending {
    std::unique_ptr<gloo::transport::UnboundBuffer> buffer;
    int peer;
    bool is_send;
  };
  std::vector<Pending> pending;
  const auto deadline = Clock::now() + timeout();
  // A transfer that cannot even be posted (its peer's connection is already gone) is recorded
  // and the others go ahead, for the reason given below.
  Status first_failure;
  auto post = [&](int peer, void* data, int64_t size, bool is_send) {
    try {
      auto buffer = context_->createUnboundBuffer(data, static_cast<size_t>(size));
      if (is_send) {
        buffer->send(peer, kExchangeSlotBase + sent_to_[peer]++);
      } else {
        buffer->recv(peer, kExchangeSlotBase + received_from_[peer]++);
      }
      pending.push_back({std::move(buffer), peer, is_send});
    } catch (const std::exception& error) {
      if (first_failure.ok()) {
        first_failure = Status::IOError("rank ", rank(), ": exchange with rank ", peer,
                                        " failed (lost or not answering): ", error.what());
      }
    }
  };
  for (const auto& recv : recvs) post(recv.peer, recv.data, recv.size, /*is_send=*/false);
  // Gloo's buffers are not const, but a send only reads.
  for (const auto& send : sends) post(send.peer, const_cast<void*>(send.data), send.size, /*is_send=*/true);

  // After a transfer fails, the others still run to completion (or their own failure): a rank
  // that gave up on its live peers would leave them waiting, and they would blame it instead of
  // the rank that was actually lost. The first failure is reported.
  for (auto& transfer : pending) {
    const auto left =
        std::max(std::chrono::milliseconds(1),
                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    try {
      const bool completed =
          transfer.is_send ? transfer.buffer->waitSend(left) : transfer.buffer->waitRecv(left);
      if (!completed && first_failure.ok()) {
        first_failure =
            Status::IOError("rank ", rank(), ": transfer with rank ", transfer.peer, " was aborted");
      }
    } catch (const std::exception& error) {
      if (first_failure.ok()) {
        first_failure =
            Status::IOError("rank ", rank(), ": exchange with rank ", transfer.peer, " failed after at most ",
                            timeout().count(), " ms (lost or not answering): ", error.what());
      }
    }
  }
  DEEPRC_RETURN_NOT_OK(first_failure);
  return Status::OK();
}

Status GlooCommunicator::Barrier() {
  try {
    gloo::BarrierOptions options(context_);
    options.setTimeout(timeout());
    gloo::barrier(options);
    return Status::OK();
  } catch (const std::exception& error) {
    return Status::IOError("rank ", rank(),
                           ": Gloo barrier failed (a rank lost or not answering): ", error.what());
  }
}

Status GlooCommunicator::AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) {
  DEEPRC_RETURN_NOT_OK(CheckReducible(type));
  if (count == 0) return Status::OK();
  try {
    switch (type.id()) {
      case arrow::Type::INT8:
        return GlooAllReduce<int8_t>(context_, data, count, op, timeout());
      case arrow::Type::INT16:
        return GlooAllReduce<int16_t>(context_, data, count, op, timeout());
      case arrow::Type::INT32:
        return GlooAllReduce<int32_t>(context_, data, count, op, timeout());
      case arrow::Type::INT64:
        return GlooAllReduce<int64_t>(context_, data, count, op, timeout());
      case arrow::Type::UINT8:
        return GlooAllReduce<uint8_t>(context_, data, count, op, timeout());
      case arrow::Type::UINT16:
        return GlooAllReduce<uint16_t>(context_, data, count, op, timeout());
      case arrow::Type::UINT32:
        return GlooAllReduce<uint32_t>(context_, data, count, op, timeout());
      case arrow::Type::UINT64:
        return GlooAllReduce<uint64_t>(context_, data, count, op, timeout());
      case arrow::Type::FLOAT:
        return GlooAllReduce<float>(context_, data, count, op, timeout());
      case arrow::Type::DOUBLE:
        return GlooAllReduce<double>(context_, data, count, op, timeout());
      default:
        return CheckReducible(type);
    }
  } catch (const std::exception& error) {
    return Status::IOError("rank ", rank(),
                           ": Gloo all-reduce failed (a rank lost or not answering): ", error.what());
  }
}

}  // namespace deeprc::net
