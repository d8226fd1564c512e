#include "deeprc/net/nccl/nccl_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace deeprc::net {
namespace {

// The libraries this build was compiled against (CMake passes their paths), then their sonames.
#ifndef DEEPRC_CUDART_LIBRARY
#define DEEPRC_CUDART_LIBRARY "libcudart.so"
#endif
#ifndef DEEPRC_NCCL_LIBRARY
#define DEEPRC_NCCL_LIBRARY "libnccl.so.2"
#endif

Result<void*> Open(const char* path) {
  void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return Status::IOError("NCCL communicator: cannot load ", path, ": ", ::dlerror(),
                           " (an NCCL task needs the CUDA runtime and NCCL where it runs)");
  }
  return handle;
}

template <typename Function>
Status Bind(void* handle, const char* name, Function* out) {
  void* symbol = ::dlsym(handle, name);
  if (symbol == nullptr) return Status::IOError("NCCL communicator: no symbol ", name, ": ", ::dlerror());
  *out = reinterpret_cast<Function>(symbol);
  return Status::OK();
}

Result<NcclLibrary> Load() {
  NcclLibrary library{};
  DEEPRC_ASSIGN_OR_RETURN(void* cudart, Open(DEEPRC_CUDART_LIBRARY));
  DEEPRC_ASSIGN_OR_RETURN(void* nccl, Open(DEEPRC_NCCL_LIBRARY));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaGetDeviceCount", &library.GetDeviceCount));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaSetDevice", &library.SetDevice));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaMalloc", &library.Malloc));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaFree", &library.Free));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaMemcpy", &library.Memcpy));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaStreamCreate", &library.StreamCreate));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaStreamDestroy", &library.StreamDestroy));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaStreamQuery", &library.StreamQuery));
  DEEPRC_RETURN_NOT_OK(Bind(cudart, "cudaGetErrorString", &library.CudaErrorString));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclGetUniqueId", &library.GetUniqueId));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclCommInitRank", &library.CommInitRank));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclCommDestroy", &library.CommDestroy));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclCommAbort", &library.CommAbort));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclCommGetAsyncError", &library.CommGetAsyncError));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclAllReduce", &library.AllReduce));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclSend", &library.Send));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclRecv", &library.Recv));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclGroupStart", &library.GroupStart));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclGroupEnd", &library.GroupEnd));
  DEEPRC_RETURN_NOT_OK(Bind(nccl, "ncclGetErrorString", &library.NcclErrorString));
  return library;
}

}  // namespace

Result<const NcclLibrary*> NcclLibrary::Get() {
  // Loaded once; a failure is remembered too (the libraries will not appear later).
  static const Result<NcclLibrary> loaded = Load();
  if (!loaded.ok()) return loaded.status();
  return &*loaded;
}

Status NcclLibrary::Check(cudaError_t code, const char* what) const {
  if (code == cudaSuccess) return Status::OK();
  return Status::IOError("NCCL communicator: ", what, ": ", CudaErrorString(code));
}

Status NcclLibrary::Check(ncclResult_t code, const char* what) const {
  if (code == ncclSuccess) return Status::OK();
  return Status::IOError("NCCL communicator: ", what, ": ", NcclErrorString(code));
}

}  // namespace deeprc::net
