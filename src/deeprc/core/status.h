// The one error convention of deeprc: arrow::Status and arrow::Result<T> in every layer.
// Messages carry their context (file, row, column, rank, task) so a user can act on them.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <utility>

namespace deeprc {

using arrow::Result;
using arrow::Status;

}  // namespace deeprc

#define DEEPRC_RETURN_NOT_OK(expr) ARROW_RETURN_NOT_OK(expr)
#define DEEPRC_ASSIGN_OR_RETURN(lhs, rexpr) ARROW_ASSIGN_OR_RAISE(lhs, rexpr)

namespace deeprc {

// The same error with context in front ("file.csv: ..."); an OK status passes through.
template <typename... Context>
Status WithContext(const Status& status, Context&&... context) {
  if (status.ok()) return status;
  return status.WithMessage(std::forward<Context>(context)..., status.message());
}

template <typename T, typename... Context>
Result<T> WithContext(Result<T> result, Context&&... context) {
  if (result.ok()) return result;
  return WithContext(result.status(), std::forward<Context>(context)...);
}

}  // namespace deeprc
