// noop: a function task that does nothing but say where it ran — a pool's smoke test, and what
// bench/functions/pilot_overheads.py runs to measure the runtime's own overheads through a pilot.
#include <nlohmann/json.hpp>

#include "deeprc/agent/raptor/function_registry.h"

namespace deeprc::tasks {
namespace {

Result<nlohmann::json> NoopTask(raptor::TaskContext& context) {
  return nlohmann::json{{"rank", context.rank()}, {"size", context.size()}, {"worker", context.world_rank()}};
}

}  // namespace

DEEPRC_TASK("noop", NoopTask);

}  // namespace deeprc::tasks
