// NCCL and the CUDA runtime, loaded when the first NCCL communicator is built. libnccl is ~200 MB:
// linking it would make every deeprc process (and every worker of a CPU-only pool) load it at
// start; loading it on demand also lets a binary built where CUDA exists run where it does not,
// with an error that says which library or device is missing.
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "deeprc/core/status.h"

namespace deeprc::net {

struct NcclLibrary {
  // CUDA runtime.
  decltype(&cudaGetDeviceCount) GetDeviceCount;
  decltype(&cudaSetDevice) SetDevice;
  cudaError_t (*Malloc)(void**, size_t);  // cudaMalloc: overloaded in C++, named by its C signature
  decltype(&cudaFree) Free;
  decltype(&cudaMemcpy) Memcpy;
  decltype(&cudaStreamCreate) StreamCreate;
  decltype(&cudaStreamDestroy) StreamDestroy;
  decltype(&cudaStreamQuery) StreamQuery;
  decltype(&cudaGetErrorString) CudaErrorString;
  // NCCL.
  decltype(&ncclGetUniqueId) GetUniqueId;
  decltype(&ncclCommInitRank) CommInitRank;
  decltype(&ncclCommDestroy) CommDestroy;
  decltype(&ncclCommAbort) CommAbort;
  decltype(&ncclCommGetAsyncError) CommGetAsyncError;
  decltype(&ncclAllReduce) AllReduce;
  decltype(&ncclSend) Send;
  decltype(&ncclRecv) Recv;
  decltype(&ncclGroupStart) GroupStart;
  decltype(&ncclGroupEnd) GroupEnd;
  decltype(&ncclGetErrorString) NcclErrorString;

  // Loads both once per process (thread-safe); the error names the library that is missing.
  static Result<const NcclLibrary*> Get();

  Status Check(cudaError_t code, const char* what) const;
  Status Check(ncclResult_t code, const char* what) const;
};

}  // namespace deeprc::net
