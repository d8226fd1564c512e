#include "deeprc/table/kernel/large_buffer.h"

#include <sys/mman.h>

#include <cstdlib>

namespace deeprc::table {
namespace {

constexpr int64_t kHugePage = int64_t{1} << 21;

// A buffer over memory from aligned_alloc, released with free.
class AlignedBuffer final : public arrow::MutableBuffer {
 public:
  AlignedBuffer(uint8_t* data, int64_t size) : arrow::MutableBuffer(data, size) {}
  ~AlignedBuffer() override { std::free(mutable_data()); }
};

}  // namespace

Result<std::shared_ptr<arrow::Buffer>> AllocateLargeBuffer(int64_t size) {
  if (size < 0) return Status::Invalid("negative buffer size ", size);
  if (size < kHugePage) {
    DEEPRC_ASSIGN_OR_RETURN(std::shared_ptr<arrow::Buffer> buffer, arrow::AllocateBuffer(size));
    return buffer;
  }
  const int64_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
  void* data = std::aligned_alloc(kHugePage, static_cast<size_t>(rounded));
  if (data == nullptr) return Status::OutOfMemory("cannot allocate ", size, " bytes");
  // Only a hint: without transparent huge pages the memory is simply ordinary pages.
  ::madvise(data, static_cast<size_t>(rounded), MADV_HUGEPAGE);
  return std::make_shared<AlignedBuffer>(static_cast<uint8_t*>(data), size);
}

}  // namespace deeprc::table
