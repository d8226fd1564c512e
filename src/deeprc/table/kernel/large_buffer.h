// Memory for the large scratch and output arrays of the sort and join kernels.
//
// A kernel over 10M rows touches hundreds of MB of fresh memory, and on the VMs deeprc runs on a
// 4 KiB page fault costs ~2 us: measured, page faults took a third of a 10M-row sort. Arrays of
// 2 MiB or more therefore come 2 MiB-aligned with transparent huge pages requested (madvise), so
// they fault 512 times less often and their random accesses miss the TLB less. Smaller ones come
// from Arrow's memory pool.
#pragma once

#include <arrow/buffer.h>

#include <memory>

#include "deeprc/core/status.h"

namespace deeprc::table {

// An uninitialized, mutable buffer of `size` bytes (64-byte aligned at least), freed with its
// last reference; usable as an Arrow array's buffer.
Result<std::shared_ptr<arrow::Buffer>> AllocateLargeBuffer(int64_t size);

// A typed view of an uninitialized large buffer, for scratch arrays that never leave a kernel.
template <typename T>
class LargeArray {
 public:
  LargeArray() = default;
  static Result<LargeArray> Make(int64_t length) {
    LargeArray array;
    DEEPRC_ASSIGN_OR_RETURN(array.buffer_, AllocateLargeBuffer(length * static_cast<int64_t>(sizeof(T))));
    array.length_ = length;
    return array;
  }
  T* data() { return reinterpret_cast<T*>(buffer_->mutable_data()); }
  const T* data() const { return reinterpret_cast<const T*>(buffer_->data()); }
  T& operator[](int64_t i) { return data()[i]; }
  const T& operator[](int64_t i) const { return data()[i]; }
  int64_t length() const { return length_; }
  const std::shared_ptr<arrow::Buffer>& buffer() const { return buffer_; }
  // Frees the memory now (before the kernel's next large allocation).
  void Reset() {
    buffer_.reset();
    length_ = 0;
  }

 private:
  std::shared_ptr<arrow::Buffer> buffer_;
  int64_t length_ = 0;
};

}  // namespace deeprc::table
