#include "deeprc/cli/table_operator_commands.h"

#include <iostream>
#include <map>
#include <memory>

#include "deeprc/cli/number_checks.h"
#include "deeprc/dist/operator_registry.h"
#include "deeprc/dist/run_on_shares.h"
#include "deeprc/net/launcher.h"
#include "deeprc/net/table_channel.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/io/preview.h"

namespace deeprc::cli {
namespace {

// The long spelling of an option: "--rows" of "-n,--rows"; "--left-on" of left_on.
std::string LongFlag(const dist::OptionDoc& option) {
  if (!option.flag.empty()) {
    const auto at = option.flag.find("--");
    return at == std::string::npos ? option.flag : option.flag.substr(at, option.flag.find(',', at) - at);
  }
  std::string flag = "--" + option.key;
  for (auto& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// What one command line gave: the values CLI11 fills, by option key.
struct Values {
  std::map<std::string, std::string> strings;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, int64_t> ints;
  std::map<std::string, double> numbers;
  std::map<std::string, bool> flags;
  std::map<std::string, CLI::Option*> given;
  std::vector<std::string> inputs;  // one per input, or all of them for an operator of any number
  std::string output;
  int ranks = 1;
  std::string backend = "mpi";
  bool gather = false;
};

void AddOption(CLI::App* command, const dist::OptionDoc& option, Values& values) {
  const std::string flag = option.flag.empty() ? LongFlag(option) : option.flag;
  CLI::Option* added = nullptr;
  switch (option.type) {
    case dist::OptionType::kString: {
      auto& value = values.strings[option.key];
      if (option.default_value.is_string()) value = option.default_value.get<std::string>();
      added = command->add_option(flag, value, option.help);
      break;
    }
    case dist::OptionType::kStrings: {
      auto& value = values.lists[option.key];
      if (option.default_value.is_array()) value = option.default_value.get<std::vector<std::string>>();
      // "a,b" and repeated options alike (split in ToJson, where an empty item is refused: CLI11's
      // delimiter drops it); no extra arguments, so a positional input after it stays one.
      added = command->add_option(flag, value, option.help)->allow_extra_args(false);
      break;
    }
    case dist::OptionType::kPairs:
      added = command->add_option(flag, values.lists[option.key], option.help)->allow_extra_args(false);
      break;
    case dist::OptionType::kInt: {
      auto& value = values.ints[option.key];
      if (option.default_value.is_number_integer()) value = option.default_value.get<int64_t>();
      added = command->add_option(flag, value, option.help);
      if (option.min > std::numeric_limits<int64_t>::lowest()) added->check(WholeNumber(option.min));
      break;
    }
    case dist::OptionType::kNumber: {
      auto& value = values.numbers[option.key];
      if (option.default_value.is_number()) value = option.default_value.get<double>();
      added = command->add_option(flag, value, option.help);
      break;
    }
    case dist::OptionType::kBool:
      added = command->add_flag(flag, values.flags[option.key], option.help);
      break;
  }
  if (option.required) added->required();
  if (!option.default_value.is_null()) added->capture_default_str();
  values.given[option.key] = added;
}

// The options given on the command line as the operator's JSON options.
Result<nlohmann::json> ToJson(const dist::TableOperator& op, const Values& values) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& option : op.options) {
    if (values.given.at(option.key)->count() == 0) continue;
    const std::string flag = LongFlag(option);
    switch (option.type) {
      case dist::OptionType::kString:
        json[option.key] = values.strings.at(option.key);
        break;
      case dist::OptionType::kStrings: {
        std::vector<std::string> items;
        for (const auto& list : values.lists.at(option.key)) {
          for (size_t start = 0;;) {
            const size_t comma = list.find(',', start);
            std::string item =
                Trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            // An empty item is an error rather than a column named "".
            if (item.empty()) return Status::Invalid(flag, ": empty name in '", list, "'");
            items.push_back(std::move(item));
            if (comma == std::string::npos) break;
            start = comma + 1;
          }
        }
        json[option.key] = items;
        break;
      }
      case dist::OptionType::kPairs: {
        nlohmann::json pairs = nlohmann::json::array();
        for (const auto& item : values.lists.at(option.key)) {
          const auto equals = item.find('=');
          if (equals == std::string::npos || Trim(item.substr(0, equals)).empty()) {
            return Status::Invalid(flag, ": '", item, "' is not NAME=EXPRESSION");
          }
          pairs.push_back({Trim(item.substr(0, equals)), item.substr(equals + 1)});
        }
        json[option.key] = pairs;
        break;
      }
      case dist::OptionType::kInt:
        json[option.key] = values.ints.at(option.key);
        break;
      case dist::OptionType::kNumber:
        json[option.key] = values.numbers.at(option.key);
        break;
      case dist::OptionType::kBool:
        json[option.key] = values.flags.at(option.key);
        break;
    }
  }
  return json;
}

dist::OptionNaming CliNaming(const dist::TableOperator& op) {
  std::map<std::string, std::string> flags;
  for (const auto& option : op.options) flags[option.key] = LongFlag(option);
  return {[flags](const std::string& key) { return flags.at(key) + ": "; },
          [flags](const std::string& key) { return flags.at(key) + " is required"; }};
}

// Writes the result where --out says; without --out prints its shape and first and last rows,
// as pyarrow and Polars do: a million rows on a terminal help no one.
Status Emit(const table::Table& table, const std::string& output) {
  if (!output.empty()) return table::WriteTable(table, output);
  std::cout << table::FormatPreview(table) << std::flush;
  return Status::OK();
}

// One rank of a distributed run (under mpirun, srun or --ranks): its share in, its part out.
Status RunRank(const dist::TableOperator& op, const dist::BoundOperator& bound, const Values& values) {
  if (values.output.empty() && !values.gather)
    return Status::Invalid("a distributed run needs --out, or --gather to print");
  DEEPRC_ASSIGN_OR_RETURN(auto comm, net::MakeCommunicator(values.backend));
  const std::string rank = "rank " + std::to_string(comm->rank()) + "/" + std::to_string(comm->size()) + ": ";
  DEEPRC_ASSIGN_OR_RETURN(
      auto result,
      WithContext(dist::RunOnShares(*comm, op, bound, values.inputs, values.output, values.gather), rank));
  if (!values.output.empty()) return Status::OK();
  DEEPRC_ASSIGN_OR_RETURN(auto all, net::GatherTables(*comm, result.part, 0));
  return comm->rank() == 0 ? Emit(all, "") : Status::OK();
}

Status Run(const dist::TableOperator& op, const Values& values, const CommandResult& result) {
  DEEPRC_ASSIGN_OR_RETURN(auto options, ToJson(op, values));
  DEEPRC_ASSIGN_OR_RETURN(auto bound, op.Bind(options, CliNaming(op), values.inputs));
  if (op.distributed && net::InsideParallelJob()) return RunRank(op, bound, values);
  if (op.distributed && values.ranks > 1) {
    DEEPRC_ASSIGN_OR_RETURN(int code, net::LaunchRanks(values.ranks, values.backend, result.argv));
    result.exit_code = code;
    return Status::OK();
  }
  DEEPRC_ASSIGN_OR_RETURN(auto table, dist::RunOnFiles(op, bound, values.inputs));
  return Emit(table, values.output);
}

void AddOperatorCommand(CLI::App& table, CommandResult& result, const dist::TableOperator& op) {
  auto* command = table.add_subcommand(op.name, op.doc.summary);
  auto values = std::make_shared<Values>();
  if (op.arity == dist::Arity::kVarargs) {
    command->add_option(op.inputs.at(0).flag, values->inputs, op.inputs.at(0).help)->required();
  } else {
    values->inputs.resize(op.inputs.size());
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      command->add_option(op.inputs[i].flag, values->inputs[i], op.inputs[i].help)->required();
    }
  }
  for (const auto& option : op.options) AddOption(command, option, *values);
  for (const auto& option : op.options) {
    for (const auto& other : option.excludes) values->given.at(option.key)->excludes(values->given.at(other));
    for (const auto& other : option.needs) values->given.at(option.key)->needs(values->given.at(other));
  }
  command->add_option("-o,--out", values->output,
                      "Output file, format by extension; without it the shape and first rows are printed");
  std::string footer = op.doc.description;
  if (op.distributed) {
    command
        ->add_option("--ranks", values->ranks,
                     "Run on N ranks on this machine (under mpirun or srun: the job's ranks)")
        ->check(WholeNumber(1, net::kMaxLocalRanks))
        ->capture_default_str();
    command->add_option("--backend", values->backend, "Communication between ranks: mpi, gloo or ucx")
        ->check(CLI::IsMember({"mpi", "gloo", "ucx"}))
        ->capture_default_str();
    command->add_flag(
        "--gather", values->gather,
        "Gather the result into --out on rank 0; otherwise each rank writes its part to --out with "
        "{rank} replaced (or .<rank> before the extension)");
    footer +=
        "\nDistributed: with --ranks N (or under mpirun/srun) each rank reads its share of every input:"
        "\nthe file with {rank} replaced when the name has {rank}, else a contiguous part of the one file"
        "\n(its row groups for Parquet).\n";
  }
  if (!footer.empty()) command->footer(footer);
  command->callback([&result, &op, values] { result.status = Run(op, *values, result); });
}

}  // namespace

void AddTableOperatorCommands(CLI::App& table, CommandResult& result) {
  const auto& registry = dist::OperatorRegistry::Default();
  for (const auto& name : registry.Names()) AddOperatorCommand(table, result, *registry.Find(name));
}

}  // namespace deeprc::cli
