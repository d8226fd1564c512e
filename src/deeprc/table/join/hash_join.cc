// The hash join: Arrow Acero's HashJoinNode. Acero matches on the normalized key columns and
// carries the payload columns it supports; the others (null-typed, nested) are gathered
// afterwards through a row-number column.
#include <arrow/acero/exec_plan.h>
#include <arrow/acero/options.h>
#include <arrow/compute/api_vector.h>

#include "deeprc/table/join/join_internal.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::table::join_internal {
namespace {

// What Acero's hash join can carry as a payload column (HashJoinSchema::IsTypeSupported).
bool AceroCarries(const arrow::DataType& type) {
  const auto id = type.id();
  if (id == arrow::Type::NA || id == arrow::Type::DICTIONARY || id == arrow::Type::EXTENSION) return false;
  return arrow::is_fixed_width(id) || arrow::is_binary_like(id) || arrow::is_large_binary_like(id);
}

// One side of the join as Acero sees it: uniquely named columns, so that the two sides never
// clash and the output can be mapped back by position.
struct AceroSide {
  std::shared_ptr<arrow::Table> input;
  std::vector<arrow::FieldRef> keys;
  std::vector<arrow::FieldRef> output;
  std::vector<int> carried;   // input columns Acero outputs, in output order
  std::vector<int> gathered;  // input columns taken afterwards by row number
};

Result<AceroSide> PrepareSide(const Table& table, const std::vector<int>& key_indices,
                              const std::vector<std::shared_ptr<arrow::DataType>>& key_types,
                              const std::string& prefix, const std::string& table_name) {
  AceroSide side;
  arrow::FieldVector fields;
  arrow::ChunkedArrayVector columns;
  for (int i = 0; i < table.num_columns(); ++i) {
    const auto& column = table.arrow()->column(i);
    if (AceroCarries(*column->type())) {
      const std::string name = prefix + std::to_string(i);
      fields.push_back(arrow::field(name, column->type()));
      columns.push_back(column);
      side.output.emplace_back(name);
      side.carried.push_back(i);
    } else {
      side.gathered.push_back(i);
    }
  }
  DEEPRC_ASSIGN_OR_RETURN(auto keys, MatchableKeys(table, key_indices, key_types, table_name));
  for (size_t k = 0; k < keys.size(); ++k) {
    // A key that needed no cast or normalization is the carried column itself: Acero then
    // holds it once, not as a key and again as a payload.
    const int column = key_indices[k];
    if (keys[k] == table.arrow()->column(column) && AceroCarries(*keys[k]->type())) {
      side.keys.emplace_back(prefix + std::to_string(column));
      continue;
    }
    const std::string name = prefix + "key" + std::to_string(k);
    fields.push_back(arrow::field(name, keys[k]->type()));
    columns.push_back(std::move(keys[k]));
    side.keys.emplace_back(name);
  }
  if (!side.gathered.empty()) {
    arrow::Int64Builder builder;
    DEEPRC_RETURN_NOT_OK(builder.Reserve(table.num_rows()));
    for (int64_t row = 0; row < table.num_rows(); ++row) builder.UnsafeAppend(row);
    DEEPRC_ASSIGN_OR_RETURN(auto rows, builder.Finish());
    const std::string name = prefix + "row";
    fields.push_back(arrow::field(name, arrow::int64()));
    columns.push_back(std::make_shared<arrow::ChunkedArray>(std::move(rows)));
    side.output.emplace_back(name);
  }
  side.input = arrow::Table::Make(arrow::schema(std::move(fields)), std::move(columns), table.num_rows());
  return side;
}

arrow::acero::JoinType AceroJoinType(JoinType type) {
  switch (type) {
    case JoinType::kInner:
      return arrow::acero::JoinType::INNER;
    case JoinType::kLeft:
      return arrow::acero::JoinType::LEFT_OUTER;
    case JoinType::kRight:
      return arrow::acero::JoinType::RIGHT_OUTER;
    case JoinType::kFullOuter:
      return arrow::acero::JoinType::FULL_OUTER;
  }
  return arrow::acero::JoinType::INNER;
}

// Scatters Acero's output columns of one side back to that side's column positions.
Status CollectSide(const Table& table, const AceroSide& side, const arrow::Table& joined, int first_output,
                   std::vector<std::shared_ptr<arrow::ChunkedArray>>* columns) {
  columns->assign(table.num_columns(), nullptr);
  for (size_t c = 0; c < side.carried.size(); ++c) {
    (*columns)[side.carried[c]] = joined.column(first_output + static_cast<int>(c));
  }
  if (side.gathered.empty()) return Status::OK();
  DEEPRC_ASSIGN_OR_RETURN(auto subset, table.arrow()->SelectColumns(side.gathered));
  const auto& rows = joined.column(first_output + static_cast<int>(side.carried.size()));
  std::shared_ptr<arrow::Array> row_array;
  if (rows->num_chunks() == 0) {
    DEEPRC_ASSIGN_OR_RETURN(row_array, arrow::MakeEmptyArray(arrow::int64()));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(row_array, arrow::Concatenate(rows->chunks()));
  }
  DEEPRC_ASSIGN_OR_RETURN(auto taken, TakeRows(Table(subset), *row_array));
  for (size_t g = 0; g < side.gathered.size(); ++g) {
    (*columns)[side.gathered[g]] = taken.arrow()->column(static_cast<int>(g));
  }
  return Status::OK();
}

}  // namespace

Result<Table> HashJoin(const Table& left, const Table& right, const JoinPlan& plan,
                       const JoinOptions& options) {
  DEEPRC_ASSIGN_OR_RETURN(auto left_side,
                          PrepareSide(left, plan.left_keys, plan.key_types, "l", options.left_name));
  DEEPRC_ASSIGN_OR_RETURN(auto right_side,
                          PrepareSide(right, plan.right_keys, plan.key_types, "r", options.right_name));

  // Key equality is EQ (not IS), so null keys never match: the SQL semantics join.h documents.
  arrow::acero::HashJoinNodeOptions join_options(AceroJoinType(plan.type), left_side.keys, right_side.keys,
                                                 left_side.output, right_side.output);
  arrow::acero::Declaration declaration(
      "hashjoin",
      {arrow::acero::Declaration("table_source", arrow::acero::TableSourceNodeOptions(left_side.input)),
       arrow::acero::Declaration("table_source", arrow::acero::TableSourceNodeOptions(right_side.input))},
      std::move(join_options));
  // One thread: deeprc parallelizes across ranks, and a deterministic output order eases debugging.
  auto joined = arrow::acero::DeclarationToTable(std::move(declaration), /*use_threads=*/false);
  if (!joined.ok()) return WithContext(joined.status(), "hash join: ");

  std::vector<std::shared_ptr<arrow::ChunkedArray>> left_columns, right_columns;
  DEEPRC_RETURN_NOT_OK(CollectSide(left, left_side, **joined, 0, &left_columns));
  DEEPRC_RETURN_NOT_OK(
      CollectSide(right, right_side, **joined, static_cast<int>(left_side.output.size()), &right_columns));
  return AssembleOutput(plan, std::move(left_columns), std::move(right_columns));
}

}  // namespace deeprc::table::join_internal
