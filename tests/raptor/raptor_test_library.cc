// A function library for the raptor tests: loaded by the workers with dlopen when a task names it,
// which runs this DEEPRC_TASK registration (resolved against the worker program's registry).
#include "deeprc/agent/raptor/function_registry.h"

namespace {

deeprc::Result<nlohmann::json> FromLibrary(deeprc::raptor::TaskContext& context) {
  DEEPRC_ASSIGN_OR_RETURN(int64_t size,
                          context.comm().AllReduceScalar(int64_t{1}, deeprc::net::ReduceOp::kSum));
  return nlohmann::json{{"size", size}, {"rank", context.rank()}};
}

}  // namespace

DEEPRC_TASK("test.from_library", FromLibrary);
