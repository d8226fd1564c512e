#include "deeprc/table/join/join.h"

#include <arrow/compute/exec.h>
#include <arrow/util/checked_cast.h>

#include <cmath>
#include <limits>
#include <map>

#include "deeprc/core/enum_names.h"
#include "deeprc/table/join/join_internal.h"
#include "deeprc/table/join/key_types.h"
#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {

Result<JoinType> ParseJoinType(std::string_view name) {
  if (name == "inner") return JoinType::kInner;
  if (name == "left") return JoinType::kLeft;
  if (name == "right") return JoinType::kRight;
  if (name == "outer" || name == "full" || name == "full_outer") return JoinType::kFullOuter;
  return Status::Invalid("unknown join type '", name, "'; use inner, left, right or outer");
}

Result<JoinAlgorithm> ParseJoinAlgorithm(std::string_view name) {
  if (name == "hash") return JoinAlgorithm::kHash;
  if (name == "sort" || name == "sort_merge") return JoinAlgorithm::kSortMerge;
  return Status::Invalid("unknown join algorithm '", name, "'; use hash or sort");
}

std::string_view ToString(JoinType type) {
  static constexpr EnumName<JoinType> kNames[] = {{JoinType::kInner, "inner"},
                                                  {JoinType::kLeft, "left"},
                                                  {JoinType::kRight, "right"},
                                                  {JoinType::kFullOuter, "outer"}};
  return NameOf(kNames, type);
}

std::string_view ToString(JoinAlgorithm algorithm) {
  return algorithm == JoinAlgorithm::kHash ? "hash" : "sort";
}

namespace join_internal {
namespace {

using arrow::internal::checked_cast;

std::shared_ptr<arrow::DataType> DecodedType(const std::shared_ptr<arrow::DataType>& type) {
  if (type->id() != arrow::Type::DICTIONARY) return type;
  return checked_cast<const arrow::DictionaryType&>(*type).value_type();
}

template <typename ArrowType>
Result<std::shared_ptr<arrow::Array>> NormalizeFloats(const std::shared_ptr<arrow::Array>& chunk) {
  using CType = typename ArrowType::c_type;
  const auto& array = checked_cast<const arrow::NumericArray<ArrowType>&>(*chunk);
  // The new values keep the chunk's offset, so its validity bitmap can be shared as it is.
  const int64_t offset = array.offset();
  DEEPRC_ASSIGN_OR_RETURN(auto buffer, arrow::AllocateBuffer((offset + array.length()) * sizeof(CType)));
  auto* out = reinterpret_cast<CType*>(buffer->mutable_data()) + offset;
  const CType* in = array.raw_values();
  for (int64_t i = 0; i < array.length(); ++i) {
    const CType v = in[i];
    // v + 0 turns -0.0 into 0.0; one NaN for all NaNs.
    out[i] = std::isnan(v) ? std::numeric_limits<CType>::quiet_NaN() : v + CType(0);
  }
  auto data = array.data()->Copy();
  data->buffers[1] = std::move(buffer);
  return arrow::MakeArray(std::move(data));
}

}  // namespace

Result<JoinPlan> PlanJoin(const Table& left, const Table& right, const JoinOptions& options) {
  if (options.left_keys.empty()) return Status::Invalid("join needs at least one key column");
  if (options.left_keys.size() != options.right_keys.size()) {
    return Status::Invalid("join needs as many left keys as right keys, got ", options.left_keys.size(),
                           " and ", options.right_keys.size());
  }
  JoinPlan plan;
  plan.type = options.type;
  DEEPRC_ASSIGN_OR_RETURN(plan.left_keys,
                          WithContext(left.ColumnIndices(options.left_keys), options.left_name, ": "));
  DEEPRC_ASSIGN_OR_RETURN(plan.right_keys,
                          WithContext(right.ColumnIndices(options.right_keys), options.right_name, ": "));

  plan.right_coalesced_into.assign(right.num_columns(), -1);
  plan.left_coalesced_type.assign(left.num_columns(), nullptr);
  for (size_t k = 0; k < plan.left_keys.size(); ++k) {
    const auto& left_field = left.schema()->field(plan.left_keys[k]);
    const auto& right_field = right.schema()->field(plan.right_keys[k]);
    auto common = CommonKeyType(DecodedType(left_field->type()), DecodedType(right_field->type()));
    if (!common.ok()) {
      return Status::TypeError("cannot join ", options.left_name, " column '", left_field->name(), "' (",
                               left_field->type()->ToString(), ") with ", options.right_name, " column '",
                               right_field->name(), "' (", right_field->type()->ToString(),
                               "): the types are not compatible");
    }
    plan.key_types.push_back(*common);
    if (left_field->name() == right_field->name()) {
      plan.right_coalesced_into[plan.right_keys[k]] = plan.left_keys[k];
      plan.left_coalesced_type[plan.left_keys[k]] = *common;
    }
  }

  // Names: a name on both sides (other than a coalesced key) takes the suffixes, as in pandas.
  std::map<std::string, int> left_count, right_count;
  for (const auto& field : left.schema()->fields()) ++left_count[field->name()];
  for (int i = 0; i < right.num_columns(); ++i) {
    if (plan.right_coalesced_into[i] < 0) ++right_count[right.schema()->field(i)->name()];
  }
  for (const auto& field : left.schema()->fields()) {
    const bool clash = right_count.count(field->name()) > 0;
    plan.output_names.push_back(clash ? field->name() + options.left_suffix : field->name());
  }
  for (int i = 0; i < right.num_columns(); ++i) {
    if (plan.right_coalesced_into[i] >= 0) continue;
    const auto& name = right.schema()->field(i)->name();
    const bool clash = left_count.count(name) > 0;
    plan.output_names.push_back(clash ? name + options.right_suffix : name);
  }
  std::map<std::string, int> output_count;
  for (const auto& name : plan.output_names) ++output_count[name];
  for (const auto& [name, count] : output_count) {
    // Duplicates within one input are the input's business; only those the join creates are errors.
    if (count > 1 && count > left_count[name] + right_count[name]) {
      return Status::Invalid("join output would have column '", name, "' twice; choose other suffixes than '",
                             options.left_suffix, "' and '", options.right_suffix, "'");
    }
  }
  return plan;
}

Result<std::vector<std::shared_ptr<arrow::ChunkedArray>>> MatchableKeys(
    const Table& table, const std::vector<int>& keys,
    const std::vector<std::shared_ptr<arrow::DataType>>& types, const std::string& table_name) {
  std::vector<std::shared_ptr<arrow::ChunkedArray>> result;
  for (size_t k = 0; k < keys.size(); ++k) {
    const auto& name = table.schema()->field(keys[k])->name();
    auto column = table.arrow()->column(keys[k]);
    if (types[k]->id() == arrow::Type::NA) {
      DEEPRC_ASSIGN_OR_RETURN(auto nulls, arrow::MakeArrayOfNull(arrow::int8(), column->length()));
      result.push_back(std::make_shared<arrow::ChunkedArray>(std::move(nulls)));
      continue;
    }
    DEEPRC_ASSIGN_OR_RETURN(column, WithContext(CastKeyColumn(column, types[k], name), table_name, ": "));
    if (arrow::is_floating(types[k]->id())) {
      arrow::ArrayVector chunks;
      for (const auto& chunk : column->chunks()) {
        if (types[k]->id() == arrow::Type::FLOAT) {
          DEEPRC_ASSIGN_OR_RETURN(auto normalized, NormalizeFloats<arrow::FloatType>(chunk));
          chunks.push_back(std::move(normalized));
        } else {
          DEEPRC_ASSIGN_OR_RETURN(auto normalized, NormalizeFloats<arrow::DoubleType>(chunk));
          chunks.push_back(std::move(normalized));
        }
      }
      DEEPRC_ASSIGN_OR_RETURN(column, arrow::ChunkedArray::Make(std::move(chunks), types[k]));
    }
    result.push_back(std::move(column));
  }
  return result;
}

Result<Table> AssembleOutput(const JoinPlan& plan,
                             std::vector<std::shared_ptr<arrow::ChunkedArray>> left_columns,
                             std::vector<std::shared_ptr<arrow::ChunkedArray>> right_columns) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  std::vector<std::shared_ptr<arrow::ChunkedArray>> right_of_left(left_columns.size());
  for (size_t i = 0; i < right_columns.size(); ++i) {
    if (plan.right_coalesced_into[i] >= 0) right_of_left[plan.right_coalesced_into[i]] = right_columns[i];
  }
  arrow::FieldVector fields;
  arrow::ChunkedArrayVector columns;
  size_t name = 0;
  for (size_t i = 0; i < left_columns.size(); ++i) {
    auto column = std::move(left_columns[i]);
    const auto& type = plan.left_coalesced_type[i];
    if (type != nullptr && type->id() != arrow::Type::NA) {
      if (!plan.KeepsUnmatchedLeft() && !arrow::is_floating(type->id())) {
        // Inner and right joins: every row has a right key, equal to its left key where there is
        // one (only float keys can differ, as -0.0 and 0.0). The right column is often the
        // cheaper one: a join's probe side comes out in order, even uncopied (TakeRows).
        DEEPRC_ASSIGN_OR_RETURN(column, CastKeyColumn(right_of_left[i], type, plan.output_names[name]));
        fields.push_back(arrow::field(plan.output_names[name++], column->type()));
        columns.push_back(std::move(column));
        continue;
      }
      DEEPRC_ASSIGN_OR_RETURN(column, CastKeyColumn(column, type, plan.output_names[name]));
      // Only rows without a left partner need the right value; inner and left joins have none.
      if (plan.KeepsUnmatchedRight()) {
        DEEPRC_ASSIGN_OR_RETURN(auto right, CastKeyColumn(right_of_left[i], type, plan.output_names[name]));
        DEEPRC_ASSIGN_OR_RETURN(auto coalesced, arrow::compute::CallFunction("coalesce", {column, right}));
        column = coalesced.chunked_array();
      }
    }
    fields.push_back(arrow::field(plan.output_names[name++], column->type()));
    columns.push_back(std::move(column));
  }
  for (size_t i = 0; i < right_columns.size(); ++i) {
    if (plan.right_coalesced_into[i] >= 0) continue;
    fields.push_back(arrow::field(plan.output_names[name++], right_columns[i]->type()));
    columns.push_back(std::move(right_columns[i]));
  }
  const int64_t num_rows = columns.empty() ? 0 : columns.front()->length();
  return Table(arrow::Table::Make(arrow::schema(std::move(fields)), std::move(columns), num_rows));
}

}  // namespace join_internal

Result<Table> Join(const Table& left, const Table& right, const JoinOptions& options) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(auto plan, join_internal::PlanJoin(left, right, options));
  switch (options.algorithm) {
    case JoinAlgorithm::kHash:
      if (join_internal::IntegerJoinSupports(left, right, plan)) {
        return join_internal::IntegerHashJoin(left, right, plan, options);
      }
      return join_internal::HashJoin(left, right, plan, options);
    case JoinAlgorithm::kSortMerge:
      return join_internal::SortMergeJoin(left, right, plan, options);
  }
  return Status::Invalid("unknown join algorithm");
}

}  // namespace deeprc::table
