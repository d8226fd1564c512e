#include "deeprc/agent/raptor/function_registry.h"

#include <dlfcn.h>

#include <cstdio>
#include <set>

namespace deeprc::raptor {

FunctionRegistry& FunctionRegistry::Global() {
  static FunctionRegistry* registry = new FunctionRegistry();  // never destroyed: used at exit
  return *registry;
}

Status FunctionRegistry::Register(const std::string& name, TaskFunction function) {
  if (name.empty()) return Status::Invalid("function task: a registered function needs a name");
  if (!function) return Status::Invalid("function task '", name, "': the callable is empty");
  std::lock_guard lock(mutex_);
  if (!functions_.emplace(name, std::move(function)).second) {
    return Status::AlreadyExists("function task '", name, "' is registered twice");
  }
  return Status::OK();
}

Result<TaskFunction> FunctionRegistry::Find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = functions_.find(name);
  if (it != functions_.end()) return it->second;
  std::string known;
  for (const auto& [registered, unused] : functions_) known += (known.empty() ? "" : ", ") + registered;
  return Status::KeyError("no function task named '", name, "' (registered: ", known.empty() ? "none" : known,
                          ")");
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, unused] : functions_) names.push_back(name);
  return names;
}

Status LoadFunctionLibrary(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard lock(mutex);
  if (loaded.count(path)) return Status::OK();
  // Never closed: the registry holds pointers into the library.
  if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    return Status::IOError("function library ", path, ": ", dlerror());
  }
  loaded.insert(path);
  return Status::OK();
}

namespace internal {
bool RegisterAtLoad(const char* name, TaskFunction function) {
  Status status = FunctionRegistry::Global().Register(name, std::move(function));
  if (!status.ok()) std::fprintf(stderr, "deeprc: %s\n", status.ToString().c_str());
  return status.ok();
}
}  // namespace internal

}  // namespace deeprc::raptor
