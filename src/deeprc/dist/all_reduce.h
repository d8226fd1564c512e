// AllReduce over table columns: a whole column reduced to one value across all ranks, or the
// same-length columns of every rank reduced element by element.
#pragma once

#include <arrow/api.h>

#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// sum / min / max / prod of every non-null value of the numeric `column` on every rank; integers
// reduce as int64, floating point as double. Null when no rank has a value.
Result<std::shared_ptr<arrow::Scalar>> AllReduceScalar(net::Communicator& comm, const table::Table& table,
                                                       const std::string& column, net::ReduceOp op);

// Element-wise reduction of the numeric `column`, which has the same length and no nulls on
// every rank; the result has the column's type.
Result<std::shared_ptr<arrow::Array>> AllReduceColumn(net::Communicator& comm, const table::Table& table,
                                                      const std::string& column, net::ReduceOp op);

}  // namespace deeprc::dist
