#include "deeprc/net/nccl/nccl_communicator.h"

#include <arrow/buffer.h>
#include <arrow/type.h>

#include <cstring>
#include <vector>

#include "deeprc/net/nccl/nccl_library.h"
#include "deeprc/net/progress.h"
#include "deeprc/net/reduce.h"

namespace deeprc::net {
namespace {

Result<ncclDataType_t> NcclType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
      return ncclInt8;
    case arrow::Type::UINT8:
      return ncclUint8;
    case arrow::Type::INT32:
      return ncclInt32;
    case arrow::Type::UINT32:
      return ncclUint32;
    case arrow::Type::INT64:
      return ncclInt64;
    case arrow::Type::UINT64:
      return ncclUint64;
    case arrow::Type::HALF_FLOAT:
      return ncclFloat16;
    case arrow::Type::FLOAT:
      return ncclFloat32;
    case arrow::Type::DOUBLE:
      return ncclFloat64;
    default:
      return Status::NotImplemented("NCCL reduces no ", type.ToString(), " values");
  }
}

ncclRedOp_t NcclOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return ncclSum;
    case ReduceOp::kProd:
      return ncclProd;
    case ReduceOp::kMin:
      return ncclMin;
    case ReduceOp::kMax:
      return ncclMax;
  }
  return ncclSum;
}

}  // namespace

class NcclCommunicator::Impl {
 public:
  explicit Impl(const NcclLibrary& nccl) : nccl_(nccl) {}
  ~Impl() {
    if (comm_ != nullptr) nccl_.CommDestroy(comm_);  // null after an abort
    if (stream_ != nullptr) nccl_.StreamDestroy(stream_);
    if (staging_ != nullptr) nccl_.Free(staging_);
  }

  Status Init(Communicator& bootstrap, int device) {
    // Every rank says whether its GPU is ready before any waits for the others in NCCL: a rank
    // without one fails all of them at once instead of leaving them waiting in ncclCommInitRank.
    const Status ready = UseDevice(device);
    DEEPRC_ASSIGN_OR_RETURN(int64_t all_ready,
                            bootstrap.AllReduceScalar(int64_t{ready.ok()}, ReduceOp::kMin));
    DEEPRC_RETURN_NOT_OK(ready);
    if (!all_ready) return Status::IOError("NCCL communicator: another rank has no usable GPU");
    ncclUniqueId id;
    if (bootstrap.rank() == 0) DEEPRC_RETURN_NOT_OK(nccl_.Check(nccl_.GetUniqueId(&id), "ncclGetUniqueId"));
    DEEPRC_ASSIGN_OR_RETURN(
        auto shared, bootstrap.Broadcast({reinterpret_cast<const uint8_t*>(&id), sizeof(id)}, /*root=*/0));
    if (shared->size() != static_cast<int64_t>(sizeof(id))) {
      return Status::IOError("NCCL communicator: the unique id arrived with ", shared->size(), " bytes");
    }
    std::memcpy(&id, shared->data(), sizeof(id));
    return nccl_.Check(nccl_.CommInitRank(&comm_, bootstrap.size(), id, bootstrap.rank()),
                       "ncclCommInitRank");
  }

  Status UseDevice(int device) {
    int devices = 0;
    DEEPRC_RETURN_NOT_OK(nccl_.Check(nccl_.GetDeviceCount(&devices), "cudaGetDeviceCount"));
    if (device < 0 || device >= devices) {
      return Status::Invalid("NCCL communicator: no CUDA device ", device, " (this process sees ", devices,
                             ")");
    }
    DEEPRC_RETURN_NOT_OK(nccl_.Check(nccl_.SetDevice(device), "cudaSetDevice"));
    return nccl_.Check(nccl_.StreamCreate(&stream_), "cudaStreamCreate");
  }

  // Device memory of at least `bytes`, kept between calls.
  Result<uint8_t*> Staging(int64_t bytes) {
    if (bytes > staging_bytes_) {
      if (staging_ != nullptr) nccl_.Free(staging_);
      staging_ = nullptr;
      DEEPRC_RETURN_NOT_OK(
          nccl_.Check(nccl_.Malloc(reinterpret_cast<void**>(&staging_), bytes), "cudaMalloc"));
      staging_bytes_ = bytes;
    }
    return staging_;
  }

  // Waits for the work queued on the stream: polls with back-off, ends at `timeout` by aborting
  // the communicator (a peer that is gone never completes a collective).
  Status Wait(const char* what, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (Backoff backoff;; backoff.Pause()) {
      const cudaError_t state = nccl_.StreamQuery(stream_);
      if (state == cudaSuccess) return Status::OK();
      if (state != cudaErrorNotReady) return nccl_.Check(state, what);
      ncclResult_t async = ncclSuccess;
      DEEPRC_RETURN_NOT_OK(nccl_.Check(nccl_.CommGetAsyncError(comm_, &async), "ncclCommGetAsyncError"));
      DEEPRC_RETURN_NOT_OK(nccl_.Check(async, what));
      if (Clock::now() >= deadline) {
        nccl_.CommAbort(comm_);
        comm_ = nullptr;
        return Status::IOError("NCCL communicator: ", what, " did not finish within ", timeout.count(),
                               " ms (communicator aborted)");
      }
    }
  }

  Status Usable() const {
    return comm_ != nullptr ? Status::OK() : Status::Invalid("NCCL communicator: aborted after a timeout");
  }

  Status AllReduce(void* device_data, int64_t count, const arrow::DataType& type, ReduceOp op,
                   std::chrono::milliseconds timeout) {
    DEEPRC_RETURN_NOT_OK(Usable());
    DEEPRC_ASSIGN_OR_RETURN(ncclDataType_t nccl_type, NcclType(type));
    DEEPRC_RETURN_NOT_OK(nccl_.Check(nccl_.AllReduce(device_data, device_data, static_cast<size_t>(count),
                                                     nccl_type, NcclOp(op), comm_, stream_),
                                     "ncclAllReduce"));
    return Wait("ncclAllReduce", timeout);
  }

  const NcclLibrary& nccl_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  uint8_t* staging_ = nullptr;
  int64_t staging_bytes_ = 0;
};

Result<std::shared_ptr<NcclCommunicator>> NcclCommunicator::Over(Communicator& bootstrap, int device) {
  DEEPRC_ASSIGN_OR_RETURN(const NcclLibrary* nccl, NcclLibrary::Get());
  auto impl = std::make_unique<Impl>(*nccl);
  DEEPRC_RETURN_NOT_OK(impl->Init(bootstrap, device));
  auto comm = std::shared_ptr<NcclCommunicator>(
      new NcclCommunicator(bootstrap.rank(), bootstrap.size(), std::move(impl)));
  comm->set_timeout(bootstrap.timeout());
  return comm;
}

Result<std::shared_ptr<Communicator>> NcclOver(Communicator& bootstrap, int device) {
  DEEPRC_ASSIGN_OR_RETURN(auto comm, NcclCommunicator::Over(bootstrap, device));
  return comm;
}

NcclCommunicator::NcclCommunicator(int rank, int size, std::unique_ptr<Impl> impl)
    : rank_(rank), size_(size), impl_(std::move(impl)) {}

NcclCommunicator::~NcclCommunicator() = default;

Status NcclCommunicator::AllReduceOnDevice(void* device_data, int64_t count, const arrow::DataType& type,
                                           ReduceOp op) {
  return impl_->AllReduce(device_data, count, type, op, timeout());
}

Status NcclCommunicator::AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) {
  DEEPRC_RETURN_NOT_OK(CheckReducible(type));
  const int64_t bytes = count * (type.byte_width());
  if (bytes == 0) return Barrier();
  DEEPRC_ASSIGN_OR_RETURN(uint8_t * device, impl_->Staging(bytes));
  const NcclLibrary& nccl = impl_->nccl_;
  DEEPRC_RETURN_NOT_OK(nccl.Check(nccl.Memcpy(device, data, bytes, cudaMemcpyHostToDevice), "cudaMemcpy"));
  DEEPRC_RETURN_NOT_OK(impl_->AllReduce(device, count, type, op, timeout()));
  return nccl.Check(nccl.Memcpy(data, device, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy");
}

Status NcclCommunicator::Barrier() {
  int32_t one = 1;
  DEEPRC_ASSIGN_OR_RETURN(uint8_t * device, impl_->Staging(sizeof(one)));
  const NcclLibrary& nccl = impl_->nccl_;
  DEEPRC_RETURN_NOT_OK(
      nccl.Check(nccl.Memcpy(device, &one, sizeof(one), cudaMemcpyHostToDevice), "cudaMemcpy"));
  return impl_->AllReduce(device, 1, *arrow::int32(), ReduceOp::kSum, timeout());
}

Status NcclCommunicator::Exchange(std::span<const SendSpec> all_sends, std::span<const RecvSpec> all_recvs) {
  std::vector<SendSpec> sends;
  std::vector<RecvSpec> recvs;
  DEEPRC_RETURN_NOT_OK(DeliverToSelf(all_sends, all_recvs, &sends, &recvs));
  DEEPRC_RETURN_NOT_OK(impl_->Usable());
  // One staging area: the sends, then the receives, each at its own offset.
  int64_t bytes = 0;
  std::vector<int64_t> offsets;
  for (const auto& send : sends) offsets.push_back(std::exchange(bytes, bytes + send.size));
  for (const auto& recv : recvs) offsets.push_back(std::exchange(bytes, bytes + recv.size));
  if (bytes == 0) return Status::OK();
  DEEPRC_ASSIGN_OR_RETURN(uint8_t * device, impl_->Staging(bytes));
  const NcclLibrary& nccl = impl_->nccl_;
  for (size_t i = 0; i < sends.size(); ++i) {
    DEEPRC_RETURN_NOT_OK(
        nccl.Check(nccl.Memcpy(device + offsets[i], sends[i].data, sends[i].size, cudaMemcpyHostToDevice),
                   "cudaMemcpy"));
  }
  // The group is always closed, also after a failed post: NCCL keeps an open group per thread.
  DEEPRC_RETURN_NOT_OK(nccl.Check(nccl.GroupStart(), "ncclGroupStart"));
  Status posted = Status::OK();
  for (size_t i = 0; posted.ok() && i < sends.size(); ++i) {
    posted = nccl.Check(nccl.Send(device + offsets[i], static_cast<size_t>(sends[i].size), ncclUint8,
                                  sends[i].peer, impl_->comm_, impl_->stream_),
                        "ncclSend");
  }
  for (size_t i = 0; posted.ok() && i < recvs.size(); ++i) {
    posted = nccl.Check(nccl.Recv(device + offsets[sends.size() + i], static_cast<size_t>(recvs[i].size),
                                  ncclUint8, recvs[i].peer, impl_->comm_, impl_->stream_),
                        "ncclRecv");
  }
  const Status ended = nccl.Check(nccl.GroupEnd(), "ncclGroupEnd");
  DEEPRC_RETURN_NOT_OK(posted);
  DEEPRC_RETURN_NOT_OK(ended);
  DEEPRC_RETURN_NOT_OK(impl_->Wait("ncclSend/ncclRecv", timeout()));
  for (size_t i = 0; i < recvs.size(); ++i) {
    DEEPRC_RETURN_NOT_OK(nccl.Check(
        nccl.Memcpy(recvs[i].data, device + offsets[sends.size() + i], recvs[i].size, cudaMemcpyDeviceToHost),
        "cudaMemcpy"));
  }
  return Status::OK();
}

}  // namespace deeprc::net
