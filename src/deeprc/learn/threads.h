// One pool of compute threads per process: LibTorch's intra-op threads and the BLAS under it sized
// together from the cores a task owns, so that ranks and tasks sharing a node do not oversubscribe it.
#pragma once

namespace deeprc::learn {

// Sets LibTorch's intra-op threads and OpenBLAS's threads to `threads` (<= 0: every core this
// process may run on). Returns the number used.
int UseThreads(int threads);

}  // namespace deeprc::learn
