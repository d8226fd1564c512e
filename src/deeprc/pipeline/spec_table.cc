#include "deeprc/pipeline/spec_kinds.h"

#include "deeprc/core/nearest_name.h"
#include "deeprc/dist/operator_registry.h"

namespace deeprc::pipeline::spec_kinds {
namespace {

// An option's YAML value as the JSON its declaration takes.
Result<nlohmann::json> OptionValue(const YAML::Node& node, const std::string& path,
                                   const dist::OptionDoc& option, const StageReading& reading) {
  switch (option.type) {
    case dist::OptionType::kString:
      return reading.reader.String(node, path).Map([](std::string s) {
        return nlohmann::json(std::move(s));
      });
    case dist::OptionType::kStrings:
      return reading.reader.Strings(node, path, kSplit).Map([](auto v) {
        return nlohmann::json(std::move(v));
      });
    case dist::OptionType::kInt:
      return reading.reader.Integer(node, path, option.min).Map([](int64_t v) { return nlohmann::json(v); });
    case dist::OptionType::kNumber:
      return reading.reader.Number(node, path).Map([](double v) { return nlohmann::json(v); });
    case dist::OptionType::kBool:
      return reading.reader.Bool(node, path).Map([](bool v) { return nlohmann::json(v); });
    case dist::OptionType::kPairs: {
      DEEPRC_ASSIGN_OR_RETURN(auto pairs, reading.reader.StringPairs(node, path));
      nlohmann::json json = nlohmann::json::array();
      for (auto& [name, value] : pairs) json.push_back({name, value});
      return json;
    }
  }
  return reading.reader.Error(node, path, "an option of an unknown type");
}

// `- read: TABLE`, or `- OPERATOR: VALUE` where VALUE is the operator's options as a map (with
// `with: TABLE` for the other inputs of a join or set operator), or the value of its shorthand
// option (`sort: date`, `head: 10`, `derive: {x: a + 1}`).
Result<TableOp> ReadOp(const YAML::Node& item, const std::string& path, int ranks, StageReading& reading) {
  if (!item.IsMap() || item.size() != 1) {
    return reading.reader.Error(item, path,
                                "an operation is a map of one key, e.g. `- read: ett` or `- sort: date`");
  }
  const YAML::Node key = item.begin()->first;
  const YAML::Node value = item.begin()->second;
  TableOp op;
  op.name = key.Scalar();
  op.where = reading.reader.Where(key, path);
  const std::string at = path + "." + op.name;
  auto add_tables = [&](const YAML::Node& node, const std::string& node_path) -> Status {
    DEEPRC_ASSIGN_OR_RETURN(auto tables, reading.reader.Strings(node, node_path, kSplit));
    for (auto& table : tables) {
      reading.table_refs.emplace_back(table, reading.reader.Where(node, node_path));
      op.tables.push_back(std::move(table));
    }
    return Status::OK();
  };
  if (op.name == "read") {
    DEEPRC_ASSIGN_OR_RETURN(auto table, reading.reader.String(value, at));
    reading.table_refs.emplace_back(table, reading.reader.Where(value, at));
    op.tables = {std::move(table)};
    return op;
  }
  const auto& registry = dist::OperatorRegistry::Default();
  const dist::TableOperator* def = registry.Find(op.name);
  if (!def) {
    std::vector<std::string> names = registry.Names();
    names.insert(names.begin(), "read");
    std::string expected;
    for (const auto& name : names) expected += (expected.empty() ? "" : ", ") + name;
    const std::string nearest = NearestName(op.name, names);
    return reading.reader.Error(key, path, "unknown table operation '", op.name, "'",
                                nearest.empty() ? "" : " (did you mean '" + nearest + "'?)",
                                " (expected: ", expected, ")");
  }
  const bool several = def->arity != dist::Arity::kUnary;
  const dist::OptionDoc* shorthand = nullptr;
  for (const auto& option : def->options) {
    if (option.key == def->shorthand) shorthand = &option;
  }
  if (value.IsMap() && !(shorthand && shorthand->type == dist::OptionType::kPairs)) {
    std::vector<std::string> allowed = def->OptionKeys();
    if (several) allowed.push_back("with");
    DEEPRC_RETURN_NOT_OK(reading.reader.CheckKeys(value, at, allowed, op.name));
    for (const auto& entry : value) {
      const std::string name = entry.first.Scalar();
      if (name == "with") {
        DEEPRC_RETURN_NOT_OK(add_tables(entry.second, at + ".with"));
        continue;
      }
      for (const auto& option : def->options) {
        if (option.key != name) continue;
        DEEPRC_ASSIGN_OR_RETURN(op.options[name],
                                OptionValue(entry.second, at + "." + name, option, reading));
      }
    }
  } else if (op.name == "unique" && value.IsScalar() &&
             (value.Scalar() == "true" || value.Scalar() == "all")) {
    // `unique: all`: whole rows.
  } else if (shorthand) {
    DEEPRC_ASSIGN_OR_RETURN(op.options[shorthand->key], OptionValue(value, at, *shorthand, reading));
  } else if (several) {
    DEEPRC_RETURN_NOT_OK(add_tables(value, at));  // `union: other`
  } else if (!value.IsNull()) {
    return reading.reader.Error(value, at, op.name, " takes no value (its options, if any, as a map)");
  }
  if (def->arity == dist::Arity::kBinary && op.tables.size() != 1) {
    return reading.reader.Error(value, at, op.name, " needs 'with': the right table");
  }
  if (def->arity == dist::Arity::kVarargs && op.tables.empty()) {
    return reading.reader.Error(value, at, op.name, " needs 'with': the tables that follow this one");
  }
  // Checked now, so a bad value is an error naming its line, not a failed task.
  const std::string name = op.name, short_key = def->shorthand;
  const dist::OptionNaming naming{[name, short_key](const std::string& k) {
                                    return k == short_key ? name + ": " : name + ": " + k + ": ";
                                  },
                                  [name](const std::string& k) { return name + " needs '" + k + "'"; }};
  std::vector<std::string> input_names = {""};
  input_names.insert(input_names.end(), op.tables.begin(), op.tables.end());
  auto bound = def->Bind(op.options, naming, input_names);
  if (!bound.ok()) return reading.reader.Error(value, at, bound.status().message());
  if (ranks > 1 && !def->distributed) {
    return reading.reader.Error(key, path, op.name, " has no distributed form, and the stage runs on ", ranks,
                                " ranks");
  }
  return op;
}

}  // namespace

Status ReadTableStage(const YAML::Node& node, const std::string& path, StageSpec& stage,
                      StageReading& reading) {
  TableStageSpec& table = stage.detail.emplace<TableStageSpec>();
  DEEPRC_RETURN_NOT_OK(reading.ReadBackend(node, path, stage));
  const YAML::Node ops = node["ops"];
  if (!ops || !ops.IsSequence() || ops.size() == 0) {
    return reading.reader.Error(ops ? ops : node, path + ".ops", "table stage '", stage.name,
                                "' needs 'ops': a list of operations, the first a read");
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    DEEPRC_ASSIGN_OR_RETURN(auto op,
                            ReadOp(ops[i], path + ".ops." + std::to_string(i), stage.ranks, reading));
    if (i == 0 && op.name != "read") {
      return reading.reader.Error(ops[i], path + ".ops.0", "the first operation of table stage '", stage.name,
                                  "' must be a read, not ", op.name);
    }
    table.ops.push_back(std::move(op));
  }
  return Status::OK();
}
}  // namespace deeprc::pipeline::spec_kinds
