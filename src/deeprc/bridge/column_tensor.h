// The zero-copy step of the data bridge: an Arrow column seen as a torch::Tensor over the same
// memory. A copy happens only where the column's type or its nulls force one, and it is counted.
#pragma once

#include <arrow/type_fwd.h>
#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "deeprc/core/status.h"

namespace deeprc::bridge {

// What the bridge shared and what it had to copy; tests and benchmarks read it to prove zero copy.
struct CopyCounter {
  std::atomic<int64_t> columns_shared{0};
  std::atomic<int64_t> columns_copied{0};
  std::atomic<int64_t> bytes_copied{0};
};

// A 1-D tensor over column `column` of `table`. A single-chunk column of a fixed-width numeric
// type without nulls is shared: the tensor's data pointer is the Arrow buffer's address and the
// tensor keeps the column alive. Several chunks, nulls (become NaN in a float32 copy) or bool force
// a copy, recorded in `counter` when given. Other types (strings, timestamps) are an error naming
// the column.
Result<torch::Tensor> ColumnAsTensor(const std::shared_ptr<arrow::Table>& table, int column,
                                     CopyCounter* counter = nullptr);

}  // namespace deeprc::bridge
