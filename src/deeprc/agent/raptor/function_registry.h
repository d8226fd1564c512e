// Function tasks by name: C++ callables registered with DEEPRC_TASK in the worker binary or in a
// shared library that a task names (loaded with dlopen, which runs its registrations).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "deeprc/agent/raptor/task_context.h"
#include "deeprc/core/status.h"

namespace deeprc::raptor {

using TaskFunction = std::function<Result<nlohmann::json>(TaskContext&)>;

class FunctionRegistry {
 public:
  // The process-wide registry that DEEPRC_TASK fills.
  static FunctionRegistry& Global();

  // Fails when `name` is empty or already registered.
  Status Register(const std::string& name, TaskFunction function);
  // The error lists the registered names.
  Result<TaskFunction> Find(const std::string& name) const;
  std::vector<std::string> Names() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, TaskFunction> functions_;
};

// Loads a shared library once per process; its DEEPRC_TASK registrations run as it loads.
Status LoadFunctionLibrary(const std::string& path);

namespace internal {
// Registers at static-initialization time; a failure is printed, since nothing can return it.
bool RegisterAtLoad(const char* name, TaskFunction function);
}  // namespace internal

}  // namespace deeprc::raptor

#define DEEPRC_TASK_CONCAT_INNER(a, b) a##b
#define DEEPRC_TASK_CONCAT(a, b) DEEPRC_TASK_CONCAT_INNER(a, b)
// DEEPRC_TASK("table.join", TableJoinTask); at namespace scope in a .cc file.
#define DEEPRC_TASK(name, fn)                                                                \
  [[maybe_unused]] static const bool DEEPRC_TASK_CONCAT(deeprc_task_registered_, __LINE__) = \
      ::deeprc::raptor::internal::RegisterAtLoad(name, fn)
