#include "deeprc/table/kernel/compute.h"

#include <arrow/compute/initialize.h>

#include <mutex>

namespace deeprc::table {

Status EnsureComputeInitialized() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] { status = arrow::compute::Initialize(); });
  return status;
}

}  // namespace deeprc::table
