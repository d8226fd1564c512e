#include "deeprc/net/mpi/mpi_communicator.h"

#include <arrow/type.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "deeprc/net/progress.h"
#include "deeprc/net/reduce.h"

namespace deeprc::net {
namespace {

// MPI counts are ints: larger messages travel as several of at most this many bytes.
constexpr int64_t kMaxMessageBytes = int64_t{1} << 30;
constexpr int kExchangeTag = 7301;

Status CheckMpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return Status::OK();
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return Status::IOError(call, " failed: ", std::string(text, length));
}

Result<MPI_Datatype> ToMpiType(const arrow::DataType& type) {
  switch (type.id()) {
    case arrow::Type::INT8:
      return MPI_INT8_T;
    case arrow::Type::INT16:
      return MPI_INT16_T;
    case arrow::Type::INT32:
      return MPI_INT32_T;
    case arrow::Type::INT64:
      return MPI_INT64_T;
    case arrow::Type::UINT8:
      return MPI_UINT8_T;
    case arrow::Type::UINT16:
      return MPI_UINT16_T;
    case arrow::Type::UINT32:
      return MPI_UINT32_T;
    case arrow::Type::UINT64:
      return MPI_UINT64_T;
    case arrow::Type::FLOAT:
      return MPI_FLOAT;
    case arrow::Type::DOUBLE:
      return MPI_DOUBLE;
    default:
      return Status::NotImplemented("AllReduce of ", type.ToString(), ": only integers and floating point");
  }
}

MPI_Op ToMpiOp(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return MPI_SUM;
    case ReduceOp::kMin:
      return MPI_MIN;
    case ReduceOp::kMax:
      return MPI_MAX;
    case ReduceOp::kProd:
      return MPI_PROD;
  }
  return MPI_SUM;
}

bool skip_finalize = false;

void FinalizeAtExit() {
  if (skip_finalize) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace

void SkipFinalizeAtExit() { skip_finalize = true; }

MpiCommunicator::MpiCommunicator(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Result<std::shared_ptr<MpiCommunicator>> MpiCommunicator::World() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    DEEPRC_RETURN_NOT_OK(
        CheckMpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread"));
    std::atexit(FinalizeAtExit);
  }
  return Wrap(MPI_COMM_WORLD);
}

Result<std::shared_ptr<MpiCommunicator>> MpiCommunicator::Wrap(MPI_Comm comm) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return Status::Invalid("MpiCommunicator::Wrap: MPI is not initialized");
  // Errors come back as codes we turn into Status, instead of aborting the job.
  DEEPRC_RETURN_NOT_OK(CheckMpi(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler"));
  return std::shared_ptr<MpiCommunicator>(new MpiCommunicator(comm));
}

Status MpiCommunicator::WaitAll(std::vector<MPI_Request>& requests, const std::vector<int>& peers,
                                const char* what) {
  const auto deadline = Clock::now() + timeout();
  std::vector<int> done_indices(requests.size());
  int remaining = static_cast<int>(requests.size());
  DEEPRC_ASSIGN_OR_RETURN(
      bool finished, PollUntil(deadline, [&]() -> Result<bool> {
        if (remaining == 0) return true;
        int count = 0;
        DEEPRC_RETURN_NOT_OK(CheckMpi(MPI_Testsome(static_cast<int>(requests.size()), requests.data(), &count,
                                                   done_indices.data(), MPI_STATUSES_IGNORE),
                                      what));
        if (count != MPI_UNDEFINED) remaining -= count;
        return remaining == 0;
      }));
  if (finished) return Status::OK();
  std::set<int> stalled;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i] != MPI_REQUEST_NULL) stalled.insert(peers[i]);
  }
  // Collectives (peer -1) cannot tell which rank is missing; transfers can.
  std::string names;
  for (int peer : stalled) {
    names += names.empty() ? "" : ", ";
    names +=
        peer < 0 ? "one or more of the " + std::to_string(size_) + " ranks" : "rank " + std::to_string(peer);
  }
  return Status::IOError("rank ", rank_, ": ", what, " timed out after ", timeout().count(),
                         " ms waiting for ", names, " (lost or not answering)");
}

Status MpiCommunicator::Exchange(std::span<const SendSpec> sends, std::span<const RecvSpec> recvs) {
  std::vector<MPI_Request> requests;
  std::vector<int> peers;
  // Receives first, so matching sends find them posted.
  for (const auto& recv : recvs) {
    for (int64_t offset = 0; offset < recv.size || (recv.size == 0 && offset == 0);
         offset += kMaxMessageBytes) {
      const int bytes = static_cast<int>(std::min(kMaxMessageBytes, recv.size - offset));
      requests.emplace_back();
      peers.push_back(recv.peer);
      DEEPRC_RETURN_NOT_OK(CheckMpi(MPI_Irecv(static_cast<uint8_t*>(recv.data) + offset, bytes, MPI_BYTE,
                                              recv.peer, kExchangeTag, comm_, &requests.back()),
                                    "MPI_Irecv"));
      if (recv.size == 0) break;
    }
  }
  for (const auto& send : sends) {
    for (int64_t offset = 0; offset < send.size || (send.size == 0 && offset == 0);
         offset += kMaxMessageBytes) {
      const int bytes = static_cast<int>(std::min(kMaxMessageBytes, send.size - offset));
      requests.emplace_back();
      peers.push_back(send.peer);
      DEEPRC_RETURN_NOT_OK(CheckMpi(MPI_Isend(static_cast<const uint8_t*>(send.data) + offset, bytes,
                                              MPI_BYTE, send.peer, kExchangeTag, comm_, &requests.back()),
                                    "MPI_Isend"));
      if (send.size == 0) break;
    }
  }
  return WaitAll(requests, peers, "exchange");
}

Status MpiCommunicator::Barrier() {
  std::vector<MPI_Request> requests(1);
  DEEPRC_RETURN_NOT_OK(CheckMpi(MPI_Ibarrier(comm_, &requests[0]), "MPI_Ibarrier"));
  std::vector<int> everyone(1, -1);
  return WaitAll(requests, everyone, "barrier");
}

Status MpiCommunicator::AllReduce(void* data, int64_t count, const arrow::DataType& type, ReduceOp op) {
  DEEPRC_ASSIGN_OR_RETURN(MPI_Datatype mpi_type, ToMpiType(type));
  if (count > std::numeric_limits<int>::max())
    return Status::NotImplemented("AllReduce of more than 2^31 values");
  std::vector<MPI_Request> requests(1);
  DEEPRC_RETURN_NOT_OK(CheckMpi(
      MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), mpi_type, ToMpiOp(op), comm_, &requests[0]),
      "MPI_Iallreduce"));
  std::vector<int> everyone(1, -1);
  return WaitAll(requests, everyone, "all-reduce");
}

}  // namespace deeprc::net
