// Element-wise reduction of numeric buffers on this process: the arithmetic behind AllReduce for
// backends that have no native collective (UCX), and a reference for tests.
#pragma once

#include <arrow/type_fwd.h>

#include "deeprc/net/communicator.h"

namespace deeprc::net {

// accumulator[i] = op(accumulator[i], value[i]) for i < count, both of `type`.
Status ReduceInto(void* accumulator, const void* value, int64_t count, const arrow::DataType& type,
                  ReduceOp op);

// Fails for types AllReduce does not support (anything but integers and floating point).
Status CheckReducible(const arrow::DataType& type);

}  // namespace deeprc::net
