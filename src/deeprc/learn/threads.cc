#include "deeprc/learn/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>

#include <algorithm>

namespace deeprc::learn {

int UseThreads(int threads) {
  if (threads <= 0) {
    cpu_set_t allowed;
    threads = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 ? CPU_COUNT(&allowed) : 1;
  }
  threads = std::max(1, threads);
  at::set_num_threads(threads);
  // OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads, before main; its setter is looked up
  // at run time because the BLAS behind LibTorch is whichever alternative Debian selected.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
  return threads;
}

}  // namespace deeprc::learn
