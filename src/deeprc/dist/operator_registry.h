// One registry of table operators by name, after Arrow's compute FunctionRegistry: each operator
// declares its inputs and options once and gives a local and a distributed function, and
// `deeprc table`, the table.* function tasks and pipeline table stages are lookups into it.
#pragma once
//
// What is not an operator here, and why: a pipeline's `read` (where a stage's table comes from,
// not a function of one); `deeprc table convert` (a format change: read and write); `table equals`
// and the table.equals task (a verdict, not a table); `table partition` (N files from one table:
// across ranks the same split is the shuffle operator); `deeprc data generate-calendar` (the
// calendar operator with a generator's spelling).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "deeprc/dist/operator_options.h"
#include "deeprc/net/communicator.h"
#include "deeprc/table/table.h"

namespace deeprc::dist {

// How many tables an operator takes: one, two, or any number of at least one.
enum class Arity { kUnary, kBinary, kVarargs };

// One input of an operator: its function-task argument ("input", "left"), and its command-line
// spelling (a positional name, "first", or an option, "--left") with its help.
struct InputDoc {
  std::string key;
  std::string flag;
  std::string help;
};

// What `--help` and the docs say: one line, then the details (semantics, nulls, output columns).
struct OperatorDoc {
  std::string summary;
  std::string description;
};

using LocalFunction = std::function<Result<table::Table>(const std::vector<table::Table>& inputs)>;
// On this rank's share of each input, over the ranks of `comm`; returns this rank's part.
using DistributedFunction =
    std::function<Result<table::Table>(net::Communicator& comm, const std::vector<table::Table>& shares)>;

// An operator with its options parsed (predicates, sort keys, aggregations): what runs.
struct BoundOperator {
  LocalFunction local;
  DistributedFunction distributed;  // null for an operator with no distributed form (tail, concat)
};

struct TableOperator {
  std::string name;
  OperatorDoc doc;
  Arity arity = Arity::kUnary;
  std::vector<InputDoc> inputs;  // kVarargs: one entry, for the list of all inputs
  std::vector<OptionDoc> options;
  // The option a pipeline operation's plain value sets (`sort: date` sets by); "" for none.
  std::string shorthand;
  bool distributed = true;  // whether Bind gives a distributed function
  // Whether the operator's errors name its inputs itself (join, concat), so front ends need not
  // put the input file names before them.
  bool names_its_inputs = false;
  // Parses what the options leave unparsed (an expression, sort keys, aggregations) and binds the
  // functions; `input_names` name the inputs in errors (file or table names; may be empty).
  std::function<Result<BoundOperator>(const OperatorOptions& options,
                                      const std::vector<std::string>& input_names)>
      bind;

  std::vector<std::string> OptionKeys() const;
  // ParseOptions over this operator's declarations.
  Result<OperatorOptions> ParseOptions(const nlohmann::json& values, const OptionNaming& naming) const;
  // ParseOptions then bind.
  Result<BoundOperator> Bind(const nlohmann::json& values, const OptionNaming& naming,
                             const std::vector<std::string>& input_names = {}) const;
};

class OperatorRegistry {
 public:
  // Every operator of dist/ops, registered on first use.
  static const OperatorRegistry& Default();

  // Fails when the name is taken, or the operator declares no bind function.
  Status Add(TableOperator op);
  // nullptr when there is none.
  const TableOperator* Find(const std::string& name) const;
  // An error naming the operators, with the nearest name for a typo.
  Result<const TableOperator*> Lookup(const std::string& name) const;
  // In alphabetical order.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::unique_ptr<TableOperator>> operators_;
};

// The families of dist/ops, each in its own file; they fail only on a name registered twice.
namespace ops {
Status AddRelationalOperators(OperatorRegistry& registry);  // select, project, drop, derive, calendar
Status AddOrderOperators(OperatorRegistry& registry);       // sort, head, tail, concat
Status AddJoinOperator(OperatorRegistry& registry);         // join
Status AddSetOperators(OperatorRegistry& registry);         // unique, union, intersect, subtract
Status AddGroupByOperator(OperatorRegistry& registry);      // groupby
Status AddPlacementOperators(OperatorRegistry& registry);   // shuffle, repartition
}  // namespace ops

}  // namespace deeprc::dist
