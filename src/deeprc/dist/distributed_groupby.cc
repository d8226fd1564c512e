#include "deeprc/dist/distributed_groupby.h"

#include <arrow/compute/api.h>

#include <algorithm>

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/dist/shuffle.h"

namespace deeprc::dist {
namespace {

namespace cp = arrow::compute;
using arrow::Datum;

bool IsDecomposable(table::AggregateKind kind) {
  switch (kind) {
    case table::AggregateKind::kNunique:
    case table::AggregateKind::kMedian:
    case table::AggregateKind::kQuantile:
      return false;
    default:
      return true;
  }
}

// Keys plus the columns the aggregations read: all a rank must ship when rows themselves move.
Result<table::Table> ProjectNeeded(const table::Table& table, const std::vector<std::string>& keys,
                                   const std::vector<table::Aggregation>& aggregations) {
  std::vector<std::string> names = keys;
  for (const auto& aggregation : aggregations) {
    if (std::find(names.begin(), names.end(), aggregation.column) == names.end())
      names.push_back(aggregation.column);
  }
  DEEPRC_ASSIGN_OR_RETURN(auto indices, table.ColumnIndices(names));
  DEEPRC_ASSIGN_OR_RETURN(auto projected, table.arrow()->SelectColumns(indices));
  return table::Table(std::move(projected));
}

// The partial state of one aggregation on one rank, and how the final step combines it. Column
// names are positional ("__p<i>") so that clashing user names cannot collide.
struct PartialPlan {
  std::vector<table::Aggregation> partials;  // computed by the local pre-aggregation
  std::vector<table::Aggregation> finals;    // over the shuffled partials
};

table::Aggregation Make(std::string column, table::AggregateKind kind, int ddof = 1) {
  table::Aggregation aggregation;
  aggregation.column = std::move(column);
  aggregation.kind = kind;
  aggregation.ddof = ddof;
  return aggregation;
}

Result<Datum> Call(const std::string& function, const std::vector<Datum>& args) {
  return cp::CallFunction(function, args);
}

Result<Datum> ToDouble(const Datum& value) { return cp::Cast(value, arrow::float64()); }

std::shared_ptr<arrow::ChunkedArray> AsChunked(const Datum& value) {
  if (value.is_array()) return std::make_shared<arrow::ChunkedArray>(value.make_array());
  return value.chunked_array();
}

}  // namespace

Result<table::Table> DistributedGroupBy(net::Communicator& comm, const table::Table& table,
                                        const std::vector<std::string>& keys,
                                        const std::vector<table::Aggregation>& aggregations) {
  // Agreed first, so the partial tables below (derived from it alone) match across ranks too.
  DEEPRC_ASSIGN_OR_RETURN(table::Table agreed, AgreeOnSchema(comm, table));
  DEEPRC_ASSIGN_OR_RETURN(table::Table needed, ProjectNeeded(agreed, keys, aggregations));
  const bool decomposable = std::all_of(aggregations.begin(), aggregations.end(),
                                        [](const table::Aggregation& a) { return IsDecomposable(a.kind); });
  if (!decomposable || comm.size() == 1) {
    DEEPRC_ASSIGN_OR_RETURN(table::Table share, ShuffleAgreed(comm, needed, keys));
    return table::GroupBy(share, keys, aggregations);
  }

  // Step 1: per aggregation, the partial columns each rank computes.
  //   sum -> sum; count -> count; min/max -> min/max; mean -> sum, count;
  //   var/std -> count n, mean m, population variance v (so M2 = v * n).
  std::vector<table::Aggregation> partials;
  std::vector<std::vector<int>> partial_of(aggregations.size());
  for (size_t a = 0; a < aggregations.size(); ++a) {
    const auto& aggregation = aggregations[a];
    // Aggregations share partials (v:sum and v:mean both need the sum of v).
    auto add = [&](table::AggregateKind kind, int ddof = 1) {
      auto same = std::find_if(partials.begin(), partials.end(), [&](const table::Aggregation& p) {
        return p.column == aggregation.column && p.kind == kind && p.ddof == ddof;
      });
      partial_of[a].push_back(static_cast<int>(same - partials.begin()));
      if (same == partials.end()) partials.push_back(Make(aggregation.column, kind, ddof));
    };
    switch (aggregation.kind) {
      case table::AggregateKind::kMean:
        add(table::AggregateKind::kSum);
        add(table::AggregateKind::kCount);
        break;
      case table::AggregateKind::kVar:
      case table::AggregateKind::kStd:
        add(table::AggregateKind::kCount);
        add(table::AggregateKind::kMean);
        add(table::AggregateKind::kVar, /*ddof=*/0);
        break;
      default:
        add(aggregation.kind);
    }
  }
  DEEPRC_ASSIGN_OR_RETURN(table::Table local, table::GroupBy(needed, keys, partials));

  // Step 2: name partial columns by position and, for var/std, turn (n, m, v) into the additive
  // moments n, n*m and M2 + n*m^2 (= sum of squares), which the final step sums exactly.
  const int num_keys = static_cast<int>(keys.size());
  std::vector<std::shared_ptr<arrow::Field>> fields(local.schema()->fields().begin(),
                                                    local.schema()->fields().begin() + num_keys);
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns(local.arrow()->columns().begin(),
                                                            local.arrow()->columns().begin() + num_keys);
  std::vector<std::string> partial_names(partials.size());
  for (size_t p = 0; p < partials.size(); ++p) partial_names[p] = "__p" + std::to_string(p);
  for (size_t p = 0; p < partials.size(); ++p) {
    fields.push_back(arrow::field(partial_names[p], local.schema()->field(num_keys + p)->type()));
    columns.push_back(local.arrow()->column(num_keys + p));
  }
  std::vector<bool> moments_done(partials.size(), false);  // var and std of a column share them
  for (size_t a = 0; a < aggregations.size(); ++a) {
    if (aggregations[a].kind != table::AggregateKind::kVar &&
        aggregations[a].kind != table::AggregateKind::kStd)
      continue;
    const auto& p = partial_of[a];
    if (moments_done[p[1]]) continue;
    moments_done[p[1]] = true;
    DEEPRC_ASSIGN_OR_RETURN(Datum n, ToDouble(columns[num_keys + p[0]]));
    const Datum zero(std::make_shared<arrow::DoubleScalar>(0.0));
    DEEPRC_ASSIGN_OR_RETURN(Datum m, Call("coalesce", {columns[num_keys + p[1]], zero}));
    DEEPRC_ASSIGN_OR_RETURN(Datum v, Call("coalesce", {columns[num_keys + p[2]], zero}));
    DEEPRC_ASSIGN_OR_RETURN(Datum nm, Call("multiply", {n, m}));
    DEEPRC_ASSIGN_OR_RETURN(Datum m2, Call("multiply", {v, n}));
    DEEPRC_ASSIGN_OR_RETURN(Datum nmm, Call("multiply", {nm, m}));
    DEEPRC_ASSIGN_OR_RETURN(Datum squares, Call("add", {m2, nmm}));
    // Reuse the mean and variance slots for n*m and the sum of squares.
    columns[num_keys + p[1]] = AsChunked(nm);
    fields[num_keys + p[1]] = arrow::field(partial_names[p[1]], arrow::float64());
    columns[num_keys + p[2]] = AsChunked(squares);
    fields[num_keys + p[2]] = arrow::field(partial_names[p[2]], arrow::float64());
  }
  table::Table partial_table(arrow::Table::Make(arrow::schema(fields), columns, local.num_rows()));

  // Step 3: every group's partials meet on one rank and are combined.
  DEEPRC_ASSIGN_OR_RETURN(table::Table share, ShuffleAgreed(comm, partial_table, keys));
  std::vector<table::Aggregation> finals;
  for (size_t p = 0; p < partials.size(); ++p) {
    const table::AggregateKind kind = partials[p].kind;
    const bool keeps_kind = kind == table::AggregateKind::kMin || kind == table::AggregateKind::kMax;
    finals.push_back(Make(partial_names[p], keeps_kind ? kind : table::AggregateKind::kSum));
  }
  DEEPRC_ASSIGN_OR_RETURN(table::Table combined, table::GroupBy(share, keys, finals));

  // Step 4: the output columns, with the local GroupBy's names and types.
  fields.assign(combined.schema()->fields().begin(), combined.schema()->fields().begin() + num_keys);
  columns.assign(combined.arrow()->columns().begin(), combined.arrow()->columns().begin() + num_keys);
  auto final_column = [&](int p) { return combined.arrow()->column(num_keys + p); };
  for (size_t a = 0; a < aggregations.size(); ++a) {
    const auto& aggregation = aggregations[a];
    const auto& p = partial_of[a];
    Datum result;
    switch (aggregation.kind) {
      case table::AggregateKind::kMean: {
        DEEPRC_ASSIGN_OR_RETURN(Datum sum, ToDouble(final_column(p[0])));
        DEEPRC_ASSIGN_OR_RETURN(Datum count, ToDouble(final_column(p[1])));
        DEEPRC_ASSIGN_OR_RETURN(Datum empty, Call("equal", {count, Datum(0.0)}));
        DEEPRC_ASSIGN_OR_RETURN(Datum mean, Call("divide", {sum, count}));
        DEEPRC_ASSIGN_OR_RETURN(
            result, Call("if_else", {empty, Datum(std::make_shared<arrow::DoubleScalar>()), mean}));
        break;
      }
      case table::AggregateKind::kVar:
      case table::AggregateKind::kStd: {
        // var = (S2 - S1^2 / n) / (n - ddof), null when n <= ddof.
        DEEPRC_ASSIGN_OR_RETURN(Datum n, ToDouble(final_column(p[0])));
        DEEPRC_ASSIGN_OR_RETURN(Datum s1, Call("coalesce", {final_column(p[1]), Datum(0.0)}));
        DEEPRC_ASSIGN_OR_RETURN(Datum s2, Call("coalesce", {final_column(p[2]), Datum(0.0)}));
        DEEPRC_ASSIGN_OR_RETURN(Datum s1s1, Call("multiply", {s1, s1}));
        DEEPRC_ASSIGN_OR_RETURN(Datum correction, Call("divide", {s1s1, n}));
        DEEPRC_ASSIGN_OR_RETURN(Datum m2, Call("subtract", {s2, correction}));
        DEEPRC_ASSIGN_OR_RETURN(m2, Call("max_element_wise", {m2, Datum(0.0)}));  // rounding below zero
        DEEPRC_ASSIGN_OR_RETURN(Datum divisor,
                                Call("subtract", {n, Datum(static_cast<double>(aggregation.ddof))}));
        DEEPRC_ASSIGN_OR_RETURN(Datum too_few, Call("less_equal", {divisor, Datum(0.0)}));
        DEEPRC_ASSIGN_OR_RETURN(Datum variance, Call("divide", {m2, divisor}));
        if (aggregation.kind == table::AggregateKind::kStd) {
          DEEPRC_ASSIGN_OR_RETURN(variance, Call("sqrt", {variance}));
        }
        DEEPRC_ASSIGN_OR_RETURN(
            result, Call("if_else", {too_few, Datum(std::make_shared<arrow::DoubleScalar>()), variance}));
        break;
      }
      default:
        result = final_column(p[0]);
    }
    // Match the local operator's type exactly (e.g. count stays int64 after summing counts).
    const auto expected_type = local.schema()->field(num_keys + p[0])->type();
    if (aggregation.kind != table::AggregateKind::kMean && aggregation.kind != table::AggregateKind::kVar &&
        aggregation.kind != table::AggregateKind::kStd && !result.type()->Equals(*expected_type)) {
      DEEPRC_ASSIGN_OR_RETURN(result, cp::Cast(result, expected_type));
    }
    fields.push_back(arrow::field(table::AggregationOutputName(aggregation), result.type()));
    columns.push_back(AsChunked(result));
  }
  return table::Table(arrow::Table::Make(arrow::schema(fields), columns, combined.num_rows()));
}

}  // namespace deeprc::dist
