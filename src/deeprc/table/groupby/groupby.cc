#include "deeprc/table/groupby/groupby.h"

#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/compute/api.h>
#include <arrow/util/thread_pool.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <optional>
#include <unordered_set>

#include "deeprc/core/enum_names.h"
#include "deeprc/table/groupby/grouped_accumulators.h"
#include "deeprc/table/groupby/grouped_quantile.h"
#include "deeprc/table/groupby/integer_group_ids.h"
#include "deeprc/table/groupby/row_grouping.h"
#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {
namespace {

namespace cp = arrow::compute;

bool IsExact(AggregateKind kind) {
  return kind == AggregateKind::kMedian || kind == AggregateKind::kQuantile;
}

bool IsNumber(const arrow::DataType& type) {
  return arrow::is_integer(type.id()) || arrow::is_floating(type.id()) || arrow::is_decimal(type.id());
}

// The error a user sees for an aggregation its column's type does not have, rather than
// Acero's "no kernel matching input types".
Status CheckType(const Aggregation& aggregation, const arrow::DataType& type) {
  const char* needs = nullptr;
  switch (aggregation.kind) {
    case AggregateKind::kSum:
    case AggregateKind::kMean:
      if (!IsNumber(type) && type.id() != arrow::Type::BOOL) needs = "a numeric or boolean column";
      break;
    case AggregateKind::kVar:
    case AggregateKind::kStd:
      if (!IsNumber(type)) needs = "a numeric column";
      break;
    case AggregateKind::kMedian:
    case AggregateKind::kQuantile:
      if (!arrow::is_integer(type.id()) && !arrow::is_floating(type.id()))
        needs = "an integer or float column";
      break;
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (arrow::is_nested(type.id())) needs = "a column of orderable values";
      break;
    case AggregateKind::kCount:
    case AggregateKind::kNunique:
      break;
  }
  if (needs == nullptr) return Status::OK();
  return Status::TypeError("groupby: cannot take the ", AggregateKindName(aggregation.kind), " of column '",
                           aggregation.column, "' (", type.ToString(),
                           "): ", AggregateKindName(aggregation.kind), " needs ", needs);
}

// Acero's hash aggregate function and options for an aggregation that is not exact.
cp::Aggregate AceroAggregate(const Aggregation& aggregation, std::string target, std::string name) {
  using cp::CountOptions;
  using cp::ScalarAggregateOptions;
  using cp::VarianceOptions;
  const auto skip_nulls = std::make_shared<ScalarAggregateOptions>(/*skip_nulls=*/true, /*min_count=*/1);
  const auto only_valid = std::make_shared<CountOptions>(CountOptions::ONLY_VALID);
  const auto variance = std::make_shared<VarianceOptions>(aggregation.ddof);
  switch (aggregation.kind) {
    case AggregateKind::kSum:
      return {"hash_sum", skip_nulls, std::move(target), std::move(name)};
    case AggregateKind::kCount:
      return {"hash_count", only_valid, std::move(target), std::move(name)};
    case AggregateKind::kMean:
      return {"hash_mean", skip_nulls, std::move(target), std::move(name)};
    case AggregateKind::kMin:
      return {"hash_min", skip_nulls, std::move(target), std::move(name)};
    case AggregateKind::kMax:
      return {"hash_max", skip_nulls, std::move(target), std::move(name)};
    case AggregateKind::kVar:
      return {"hash_variance", variance, std::move(target), std::move(name)};
    case AggregateKind::kStd:
      return {"hash_stddev", variance, std::move(target), std::move(name)};
    case AggregateKind::kNunique:
    default:
      return {"hash_count_distinct", only_valid, std::move(target), std::move(name)};
  }
}

// The fewest digits that read back as `value`: 0.9, not 0.900000.
std::string ShortestDecimal(double value) {
  char digits[32];
  auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  return std::string(digits, end);
}

std::string ValueName(int column) { return "v" + std::to_string(column); }
std::string KeyName(size_t key) { return "k" + std::to_string(key); }
std::string AggregateName(size_t aggregation) { return "a" + std::to_string(aggregation); }
constexpr char kGroupIdName[] = "g";

// Runs Acero's aggregate node over `columns` (named as above) grouped by `keys`.
Result<std::shared_ptr<arrow::Table>> RunAcero(std::vector<std::shared_ptr<arrow::Field>> fields,
                                               std::vector<std::shared_ptr<arrow::ChunkedArray>> columns,
                                               int64_t num_rows, std::vector<cp::Aggregate> aggregates,
                                               std::vector<arrow::FieldRef> keys) {
  auto source = arrow::Table::Make(arrow::schema(std::move(fields)), std::move(columns), num_rows);
  arrow::acero::Declaration plan = arrow::acero::Declaration::Sequence({
      {"table_source", arrow::acero::TableSourceNodeOptions(std::move(source))},
      {"aggregate", arrow::acero::AggregateNodeOptions(std::move(aggregates), std::move(keys))},
  });
  // Acero runs on Arrow's CPU pool only when that has more than one thread, so that a caller who
  // set it to one (the benchmarks, a rank that owns one core) gets one thread and sums that
  // are the same on every run.
  const bool use_threads = arrow::GetCpuThreadPoolCapacity() > 1;
  return WithContext(arrow::acero::DeclarationToTable(std::move(plan), use_threads), "groupby: ");
}

Result<std::shared_ptr<arrow::ChunkedArray>> ColumnByName(const arrow::Table& table,
                                                          const std::string& name) {
  auto column = table.GetColumnByName(name);
  if (column == nullptr) return Status::UnknownError("groupby: Acero's output has no column ", name);
  return column;
}

Result<std::shared_ptr<arrow::ChunkedArray>> Take(const arrow::Datum& values, const arrow::Datum& indices) {
  DEEPRC_ASSIGN_OR_RETURN(arrow::Datum taken, cp::Take(values, indices));
  if (taken.is_array()) return std::make_shared<arrow::ChunkedArray>(taken.make_array());
  return taken.chunked_array();
}

}  // namespace

std::string_view AggregateKindName(AggregateKind kind) {
  static constexpr EnumName<AggregateKind> kNames[] = {
      {AggregateKind::kSum, "sum"},         {AggregateKind::kCount, "count"},
      {AggregateKind::kMean, "mean"},       {AggregateKind::kMin, "min"},
      {AggregateKind::kMax, "max"},         {AggregateKind::kVar, "var"},
      {AggregateKind::kStd, "std"},         {AggregateKind::kNunique, "nunique"},
      {AggregateKind::kMedian, "median"},   {AggregateKind::kQuantile, "quantile"}};
  return NameOf(kNames, kind);
}

std::string AggregationOutputName(const Aggregation& aggregation) {
  if (aggregation.kind != AggregateKind::kQuantile) {
    return aggregation.column + "_" + std::string(AggregateKindName(aggregation.kind));
  }
  return aggregation.column + "_q" + ShortestDecimal(aggregation.quantile);
}

Result<Aggregation> ParseAggregation(std::string_view spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == spec.size()) {
    return Status::Invalid(
        "aggregation '", spec,
        "' is not column:kind (kind: sum, count, mean, min, max, var, std, nunique, median, "
        "quantile=Q)");
  }
  Aggregation aggregation;
  aggregation.column = std::string(spec.substr(0, colon));
  std::string_view kind = spec.substr(colon + 1);
  static const std::map<std::string_view, AggregateKind, std::less<>> kKinds = {
      {"sum", AggregateKind::kSum},         {"count", AggregateKind::kCount},
      {"mean", AggregateKind::kMean},       {"avg", AggregateKind::kMean},
      {"min", AggregateKind::kMin},         {"max", AggregateKind::kMax},
      {"var", AggregateKind::kVar},         {"variance", AggregateKind::kVar},
      {"std", AggregateKind::kStd},         {"stddev", AggregateKind::kStd},
      {"nunique", AggregateKind::kNunique}, {"count_distinct", AggregateKind::kNunique},
      {"median", AggregateKind::kMedian},
  };
  if (auto it = kKinds.find(kind); it != kKinds.end()) {
    aggregation.kind = it->second;
    return aggregation;
  }
  constexpr std::string_view kQuantile = "quantile=";
  if (kind.substr(0, kQuantile.size()) == kQuantile) {
    std::string_view number = kind.substr(kQuantile.size());
    double q = -1;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), q);
    if (error != std::errc() || end != number.data() + number.size() || !(q >= 0 && q <= 1)) {
      return Status::Invalid("aggregation '", spec, "': the quantile must be a number in [0, 1], not '",
                             number, "'");
    }
    aggregation.kind = AggregateKind::kQuantile;
    aggregation.quantile = q;
    return aggregation;
  }
  return Status::Invalid("aggregation '", spec, "': unknown kind '", kind,
                         "' (sum, count, mean, min, max, var, std, nunique, median, quantile=Q)");
}

Result<std::vector<Aggregation>> ParseAggregations(const std::vector<std::string>& specs, int ddof) {
  std::vector<Aggregation> aggregations;
  for (const auto& spec : specs) {
    DEEPRC_ASSIGN_OR_RETURN(Aggregation aggregation, ParseAggregation(spec));
    aggregation.ddof = ddof;
    aggregations.push_back(std::move(aggregation));
  }
  return aggregations;
}

namespace {

// Checks the arguments of GroupBy and finds the key columns and the column of each aggregation.
Status Resolve(const Table& table, const std::vector<std::string>& keys,
               const std::vector<Aggregation>& aggregations, std::vector<int>* key_indices_out,
               std::vector<int>* value_indices_out) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (keys.empty()) return Status::Invalid("groupby: no key column given");
  std::unordered_set<std::string> output_names;
  for (const auto& key : keys) {
    if (!output_names.insert(key).second) return Status::Invalid("groupby: key '", key, "' is listed twice");
  }
  DEEPRC_ASSIGN_OR_RETURN(auto key_indices, WithContext(table.ColumnIndices(keys), "groupby: key: "));

  std::vector<int> value_indices;  // per aggregation
  for (const auto& aggregation : aggregations) {
    DEEPRC_ASSIGN_OR_RETURN(int index,
                            WithContext(table.ColumnIndex(aggregation.column), "groupby: aggregation ",
                                        AggregationOutputName(aggregation), ": "));
    DEEPRC_RETURN_NOT_OK(CheckType(aggregation, *table.schema()->field(index)->type()));
    if (aggregation.kind == AggregateKind::kQuantile &&
        !(aggregation.quantile >= 0 && aggregation.quantile <= 1)) {
      return Status::Invalid("groupby: quantile ", ShortestDecimal(aggregation.quantile), " of column '",
                             aggregation.column, "' is not in [0, 1]");
    }
    if ((aggregation.kind == AggregateKind::kVar || aggregation.kind == AggregateKind::kStd) &&
        aggregation.ddof < 0) {
      return Status::Invalid("groupby: ddof ", aggregation.ddof, " of column '", aggregation.column,
                             "' is negative");
    }
    const std::string name = AggregationOutputName(aggregation);
    if (!output_names.insert(name).second) {
      return Status::Invalid("groupby: two output columns would be named '", name, "'");
    }
    value_indices.push_back(index);
  }
  *key_indices_out = std::move(key_indices);
  *value_indices_out = std::move(value_indices);
  return Status::OK();
}

// The general path: Acero's hash aggregation, with RowGrouper and GroupedQuantiles for exact
// quantiles, then a sort of the groups. Any keys, any aggregation.
Result<Table> GeneralGroupBy(const Table& table, const std::vector<std::string>& keys,
                             const std::vector<int>& key_indices,
                             const std::vector<Aggregation>& aggregations,
                             const std::vector<int>& value_indices) {
  const bool any_exact =
      std::any_of(aggregations.begin(), aggregations.end(),
                  [](const Aggregation& aggregation) { return IsExact(aggregation.kind); });
  // Acero's input: the value columns that non-exact aggregations read, each once.
  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  std::vector<cp::Aggregate> acero_aggregates;
  std::unordered_set<int> value_columns_added;
  for (size_t i = 0; i < aggregations.size(); ++i) {
    if (IsExact(aggregations[i].kind)) continue;
    const int index = value_indices[i];
    if (value_columns_added.insert(index).second) {
      fields.push_back(arrow::field(ValueName(index), table.schema()->field(index)->type()));
      columns.push_back(table.arrow()->column(index));
    }
    acero_aggregates.push_back(AceroAggregate(aggregations[i], ValueName(index), AggregateName(i)));
  }

  // Every output column, aligned with the rows of `acero_output` (or, without Acero, with the
  // group ids 0..n-1).
  std::vector<std::shared_ptr<arrow::ChunkedArray>> key_columns(keys.size());
  std::vector<std::shared_ptr<arrow::ChunkedArray>> aggregate_columns(aggregations.size());
  std::shared_ptr<arrow::Table> acero_output;

  if (!any_exact && !acero_aggregates.empty()) {
    // The common case: one pass of Acero's hash aggregation grouped by the keys themselves.
    std::vector<arrow::FieldRef> key_refs;
    for (size_t k = 0; k < keys.size(); ++k) {
      fields.push_back(arrow::field(KeyName(k), table.schema()->field(key_indices[k])->type()));
      columns.push_back(table.arrow()->column(key_indices[k]));
      key_refs.emplace_back(KeyName(k));
    }
    DEEPRC_ASSIGN_OR_RETURN(acero_output, RunAcero(std::move(fields), std::move(columns), table.num_rows(),
                                                   std::move(acero_aggregates), std::move(key_refs)));
    for (size_t k = 0; k < keys.size(); ++k) {
      DEEPRC_ASSIGN_OR_RETURN(key_columns[k], ColumnByName(*acero_output, KeyName(k)));
    }
  } else {
    // Exact quantiles need each row's group, so the keys are grouped here once; Acero then
    // groups by the dense group id, which is cheaper to hash than the keys.
    auto key_table = SelectKeyColumns(table, key_indices);
    std::vector<std::shared_ptr<arrow::DataType>> key_types;
    for (const auto& field : key_table->schema()->fields()) key_types.push_back(field->type());
    DEEPRC_ASSIGN_OR_RETURN(auto grouper, RowGrouper::Make(key_types));
    DEEPRC_ASSIGN_OR_RETURN(auto group_ids, WithContext(grouper.Consume(*key_table), "groupby: "));
    const uint32_t num_groups = grouper.num_groups();
    DEEPRC_ASSIGN_OR_RETURN(auto uniques, grouper.Uniques());

    std::shared_ptr<arrow::ChunkedArray> output_groups;
    if (!acero_aggregates.empty()) {
      arrow::UInt32Builder builder;
      DEEPRC_RETURN_NOT_OK(builder.AppendValues(group_ids));
      DEEPRC_ASSIGN_OR_RETURN(auto ids_array, builder.Finish());
      fields.push_back(arrow::field(kGroupIdName, arrow::uint32()));
      columns.push_back(std::make_shared<arrow::ChunkedArray>(ids_array));
      DEEPRC_ASSIGN_OR_RETURN(acero_output,
                              RunAcero(std::move(fields), std::move(columns), table.num_rows(),
                                       std::move(acero_aggregates), {arrow::FieldRef(kGroupIdName)}));
      DEEPRC_ASSIGN_OR_RETURN(output_groups, ColumnByName(*acero_output, kGroupIdName));
    } else {
      std::vector<uint32_t> identity(num_groups);
      std::iota(identity.begin(), identity.end(), 0);
      arrow::UInt32Builder builder;
      DEEPRC_RETURN_NOT_OK(builder.AppendValues(identity));
      DEEPRC_ASSIGN_OR_RETURN(auto identity_array, builder.Finish());
      output_groups = std::make_shared<arrow::ChunkedArray>(identity_array);
    }
    for (size_t k = 0; k < keys.size(); ++k) {
      DEEPRC_ASSIGN_OR_RETURN(key_columns[k], Take(uniques[k], output_groups));
    }
    // The exact quantiles of one column are computed together: they share one bucketing.
    std::map<int, std::vector<size_t>> exact_by_column;
    for (size_t i = 0; i < aggregations.size(); ++i) {
      if (IsExact(aggregations[i].kind)) exact_by_column[value_indices[i]].push_back(i);
    }
    for (const auto& [column, members] : exact_by_column) {
      std::vector<double> quantiles;
      for (size_t i : members) {
        quantiles.push_back(aggregations[i].kind == AggregateKind::kMedian ? 0.5 : aggregations[i].quantile);
      }
      DEEPRC_ASSIGN_OR_RETURN(
          auto per_group, GroupedQuantiles(table.arrow()->column(column), group_ids, num_groups, quantiles));
      for (size_t m = 0; m < members.size(); ++m) {
        DEEPRC_ASSIGN_OR_RETURN(aggregate_columns[members[m]], Take(per_group[m], output_groups));
      }
    }
  }
  for (size_t i = 0; i < aggregations.size(); ++i) {
    if (IsExact(aggregations[i].kind)) continue;
    DEEPRC_ASSIGN_OR_RETURN(aggregate_columns[i], ColumnByName(*acero_output, AggregateName(i)));
  }

  std::vector<std::shared_ptr<arrow::Field>> output_fields;
  std::vector<std::shared_ptr<arrow::ChunkedArray>> output_columns;
  for (size_t k = 0; k < keys.size(); ++k) {
    output_fields.push_back(table.schema()->field(key_indices[k]));
    output_columns.push_back(key_columns[k]);
  }
  for (size_t i = 0; i < aggregations.size(); ++i) {
    output_fields.push_back(
        arrow::field(AggregationOutputName(aggregations[i]), aggregate_columns[i]->type()));
    output_columns.push_back(aggregate_columns[i]);
  }
  const int64_t num_groups = key_columns[0]->length();
  auto unsorted =
      arrow::Table::Make(arrow::schema(std::move(output_fields)), std::move(output_columns), num_groups);

  // Hash aggregation emits groups in an order that depends on threads; sorting makes it stable.
  std::vector<cp::SortKey> sort_keys;
  for (const auto& key : keys) sort_keys.emplace_back(key, cp::SortOrder::Ascending);
  cp::SortOptions sort_options(std::move(sort_keys), cp::NullPlacement::AtEnd);
  DEEPRC_ASSIGN_OR_RETURN(auto order, cp::SortIndices(arrow::Datum(unsorted), sort_options));
  DEEPRC_ASSIGN_OR_RETURN(arrow::Datum sorted, cp::Take(unsorted, order));
  return Table(sorted.table());
}

// The fast path for integer-like keys (see integer_group_ids.h) whose aggregations are all
// accumulatable (see grouped_accumulators.h) or exact quantiles; nullopt where it does not apply.
Result<std::optional<Table>> IntegerKeyGroupBy(const Table& table, const std::vector<int>& key_indices,
                                               const std::vector<Aggregation>& aggregations,
                                               const std::vector<int>& value_indices) {
  std::vector<std::shared_ptr<arrow::ChunkedArray>> key_columns;
  for (int index : key_indices) {
    key_columns.push_back(table.arrow()->column(index));
    if (!IsIntegerKeyType(*key_columns.back()->type())) return std::nullopt;
  }
  for (size_t i = 0; i < aggregations.size(); ++i) {
    if (!IsExact(aggregations[i].kind) &&
        !IsAccumulatable(aggregations[i].kind, *table.schema()->field(value_indices[i])->type())) {
      return std::nullopt;
    }
  }
  // The aggregations of one column are computed together: one pass for all accumulators, one
  // bucketing for all quantiles.
  std::map<int, std::vector<size_t>> accumulated_by_column, exact_by_column;
  for (size_t i = 0; i < aggregations.size(); ++i) {
    auto& by_column = IsExact(aggregations[i].kind) ? exact_by_column : accumulated_by_column;
    by_column[value_indices[i]].push_back(i);
  }
  std::vector<std::vector<Aggregation>> accumulated(accumulated_by_column.size());
  bool keep_group_ids = !exact_by_column.empty();
  size_t a = 0;
  for (const auto& [column, members] : accumulated_by_column) {
    for (size_t i : members) accumulated[a].push_back(aggregations[i]);
    keep_group_ids = keep_group_ids || NeedsAllGroupIds(accumulated[a]);
    ++a;
  }
  // The accumulators take each block of group ids as the grouping computes it.
  std::vector<std::unique_ptr<GroupedAccumulator>> accumulators;
  GroupIdSink sink;
  sink.start = [&](uint32_t num_ids) -> Status {
    size_t c = 0;
    for (const auto& entry : accumulated_by_column) {
      DEEPRC_ASSIGN_OR_RETURN(auto accumulator, MakeGroupedAccumulator(table.arrow()->column(entry.first),
                                                                       num_ids, accumulated[c++]));
      accumulators.push_back(std::move(accumulator));
    }
    return Status::OK();
  };
  sink.consume = [&](int64_t begin, int64_t end, const uint32_t* ids) {
    for (auto& accumulator : accumulators) accumulator->Add(begin, end, ids);
  };
  DEEPRC_ASSIGN_OR_RETURN(auto grouping,
                          GroupIntegerKeys(key_columns, table.num_rows(), sink, keep_group_ids));
  if (!grouping) return std::nullopt;

  std::vector<std::shared_ptr<arrow::Array>> aggregate_columns(aggregations.size());
  a = 0;
  for (const auto& [column, members] : accumulated_by_column) {
    DEEPRC_ASSIGN_OR_RETURN(auto arrays, accumulators[a++]->Finish(grouping->group_ids, grouping->order));
    for (size_t m = 0; m < members.size(); ++m) aggregate_columns[members[m]] = arrays[m];
  }
  if (!exact_by_column.empty()) {
    arrow::UInt32Builder builder;
    DEEPRC_RETURN_NOT_OK(builder.AppendValues(grouping->order));
    DEEPRC_ASSIGN_OR_RETURN(auto order, builder.Finish());
    for (const auto& [column, members] : exact_by_column) {
      std::vector<double> quantiles;
      for (size_t i : members) {
        quantiles.push_back(aggregations[i].kind == AggregateKind::kMedian ? 0.5 : aggregations[i].quantile);
      }
      DEEPRC_ASSIGN_OR_RETURN(
          auto per_id,
          GroupedQuantiles(table.arrow()->column(column), grouping->group_ids, grouping->num_ids, quantiles));
      for (size_t m = 0; m < members.size(); ++m) {
        DEEPRC_ASSIGN_OR_RETURN(arrow::Datum taken, cp::Take(per_id[m], order));
        aggregate_columns[members[m]] = taken.make_array();
      }
    }
  }

  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (size_t k = 0; k < key_indices.size(); ++k) {
    fields.push_back(table.schema()->field(key_indices[k]));
    columns.push_back(grouping->keys[k]);
  }
  for (size_t i = 0; i < aggregations.size(); ++i) {
    fields.push_back(arrow::field(AggregationOutputName(aggregations[i]), aggregate_columns[i]->type()));
    columns.push_back(aggregate_columns[i]);
  }
  return Table(arrow::Table::Make(arrow::schema(std::move(fields)), std::move(columns),
                                  static_cast<int64_t>(grouping->order.size())));
}

}  // namespace

Result<Table> GroupBy(const Table& table, const std::vector<std::string>& keys,
                      const std::vector<Aggregation>& aggregations) {
  std::vector<int> key_indices, value_indices;
  DEEPRC_RETURN_NOT_OK(Resolve(table, keys, aggregations, &key_indices, &value_indices));
  DEEPRC_ASSIGN_OR_RETURN(auto fast, IntegerKeyGroupBy(table, key_indices, aggregations, value_indices));
  if (fast) return *std::move(fast);
  return GeneralGroupBy(table, keys, key_indices, aggregations, value_indices);
}

namespace internal {

Result<Table> GroupByWithoutFastPath(const Table& table, const std::vector<std::string>& keys,
                                     const std::vector<Aggregation>& aggregations) {
  std::vector<int> key_indices, value_indices;
  DEEPRC_RETURN_NOT_OK(Resolve(table, keys, aggregations, &key_indices, &value_indices));
  return GeneralGroupBy(table, keys, key_indices, aggregations, value_indices);
}

}  // namespace internal

}  // namespace deeprc::table
