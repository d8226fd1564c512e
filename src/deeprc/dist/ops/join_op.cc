// join: SQL joins on key columns; across ranks both sides are shuffled on the keys first.
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/ops/parts.h"
#include "deeprc/table/join/join.h"

namespace deeprc::dist::ops {
namespace {

TableOperator JoinOperator() {
  TableOperator op;
  op.name = "join";
  op.doc = {
      "Join two tables on key columns (SQL semantics)",
      "A null key matches nothing (not even another null). Keys of compatible types (int32 and int64,\n"
      "string and large_string, ...) are compared in a common type. The output has the left columns then\n"
      "the right ones; a key with the same name on both sides appears once (the left value, or the right\n"
      "one for rows only the right table has). Other names on both sides take the suffixes.\n"};
  op.arity = Arity::kBinary;
  op.inputs = {{"left", "--left", "Left input file"}, {"right", "--right", "Right input file"}};
  op.options = {
      {.key = "on",
       .type = OptionType::kStrings,
       .help = "Key columns of both tables, comma-separated",
       .excludes = {"left_on", "right_on"}},
      {.key = "left_on",
       .type = OptionType::kStrings,
       .help = "Key columns of the left table (with --right-on)",
       .needs = {"right_on"}},
      {.key = "right_on",
       .type = OptionType::kStrings,
       .help = "Key columns of the right table (with --left-on)",
       .needs = {"left_on"}},
      {.key = "how", .help = "inner, left, right or outer", .default_value = "inner"},
      {.key = "algorithm", .help = "hash (Arrow Acero) or sort (sort-merge)", .default_value = "hash"},
      {.key = "suffixes",
       .type = OptionType::kStrings,
       .help = "Suffixes for names both tables have: LEFT,RIGHT",
       .default_value = {"_x", "_y"},
       .count = 2},
  };
  op.names_its_inputs = true;
  op.bind = [](const OperatorOptions& options,
               const std::vector<std::string>& names) -> Result<BoundOperator> {
    table::JoinOptions join;
    join.left_keys = options.Has("on") ? options.Strings("on") : options.Strings("left_on");
    join.right_keys = options.Has("on") ? options.Strings("on") : options.Strings("right_on");
    if (join.left_keys.empty())
      return Status::Invalid("join: give the key columns with on, or left_on and right_on");
    if (join.left_keys.size() != join.right_keys.size()) {
      return options.Invalid("right_on", "must name as many columns as left_on");
    }
    DEEPRC_ASSIGN_OR_RETURN(join.type,
                            WithContext(table::ParseJoinType(options.String("how")), options.Context("how")));
    DEEPRC_ASSIGN_OR_RETURN(
        join.algorithm,
        WithContext(table::ParseJoinAlgorithm(options.String("algorithm")), options.Context("algorithm")));
    const auto suffixes = options.Strings("suffixes");
    join.left_suffix = suffixes.at(0);
    join.right_suffix = suffixes.at(1);
    if (names.size() > 0 && !names[0].empty()) join.left_name = names[0];
    if (names.size() > 1 && !names[1].empty()) join.right_name = names[1];
    return BoundOperator{[join](const std::vector<table::Table>& t) { return table::Join(t[0], t[1], join); },
                         [join](net::Communicator& comm, const std::vector<table::Table>& t) {
                           return DistributedJoin(comm, t[0], t[1], join);
                         }};
  };
  return op;
}

}  // namespace

Status AddJoinOperator(OperatorRegistry& registry) { return registry.Add(JoinOperator()); }

}  // namespace deeprc::dist::ops
