#include "deeprc/dist/operator_registry.h"

#include <cstdio>
#include <cstdlib>

#include "deeprc/core/nearest_name.h"

namespace deeprc::dist {

std::vector<std::string> TableOperator::OptionKeys() const {
  std::vector<std::string> keys;
  for (const auto& option : options) keys.push_back(option.key);
  return keys;
}

Result<OperatorOptions> TableOperator::ParseOptions(const nlohmann::json& values,
                                                    const OptionNaming& naming) const {
  return dist::ParseOptions(name, options, values, naming);
}

Result<BoundOperator> TableOperator::Bind(const nlohmann::json& values, const OptionNaming& naming,
                                          const std::vector<std::string>& input_names) const {
  DEEPRC_ASSIGN_OR_RETURN(auto parsed, ParseOptions(values, naming));
  return bind(parsed, input_names);
}

const OperatorRegistry& OperatorRegistry::Default() {
  // Built on first use, not by static initializers, so no linker can drop a family.
  static const OperatorRegistry registry = [] {
    OperatorRegistry r;
    for (auto add : {&ops::AddRelationalOperators, &ops::AddOrderOperators, &ops::AddJoinOperator,
                     &ops::AddSetOperators, &ops::AddGroupByOperator, &ops::AddPlacementOperators}) {
      // Only a programming error (a name taken twice) fails here; the registry test catches it.
      if (Status status = add(r); !status.ok()) {
        std::fprintf(stderr, "deeprc: %s\n", status.ToString().c_str());
        std::abort();
      }
    }
    return r;
  }();
  return registry;
}

Status OperatorRegistry::Add(TableOperator op) {
  if (op.name.empty() || !op.bind)
    return Status::Invalid("a table operator needs a name and a bind function");
  if (operators_.count(op.name)) return Status::Invalid("table operator '", op.name, "' is registered twice");
  std::string name = op.name;
  operators_.emplace(std::move(name), std::make_unique<TableOperator>(std::move(op)));
  return Status::OK();
}

const TableOperator* OperatorRegistry::Find(const std::string& name) const {
  auto found = operators_.find(name);
  return found == operators_.end() ? nullptr : found->second.get();
}

Result<const TableOperator*> OperatorRegistry::Lookup(const std::string& name) const {
  if (const TableOperator* op = Find(name)) return op;
  const auto names = Names();
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  const std::string nearest = NearestName(name, names);
  return Status::Invalid("unknown table operator '", name, "'",
                         nearest.empty() ? "" : " (did you mean '" + nearest + "'?)", " (expected: ", known,
                         ")");
}

std::vector<std::string> OperatorRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, op] : operators_) names.push_back(name);
  return names;
}

}  // namespace deeprc::dist
