#include "deeprc/table/ops/select.h"

#include <arrow/compute/api.h>

#include <string>

#include "deeprc/table/kernel/compute.h"

namespace deeprc::table {
namespace {

namespace cp = arrow::compute;

bool IsComparison(const std::string& function) {
  return function == "equal" || function == "not_equal" || function == "less" || function == "less_equal" ||
         function == "greater" || function == "greater_equal";
}

// Arrow would add an int8 column and the literal 1 in int8 and fail at 127 + 1; a predicate
// reads like SQL, where integer arithmetic happens in a wide type.
bool IsIntegerArithmetic(const std::string& function) {
  return function == "add_checked" || function == "subtract_checked" || function == "multiply_checked" ||
         function == "negate_checked";
}

bool IsTemporal(const arrow::DataType& type) {
  return type.id() == arrow::Type::DATE32 || type.id() == arrow::Type::DATE64 ||
         type.id() == arrow::Type::TIMESTAMP;
}

// A string literal as a value of the temporal column it is compared with.
Result<std::shared_ptr<arrow::Scalar>> ParseTemporal(const arrow::Scalar& literal,
                                                     const std::shared_ptr<arrow::DataType>& type,
                                                     const std::string& column) {
  const auto& text = static_cast<const arrow::StringScalar&>(literal).value->ToString();
  auto cast = cp::Cast(literal.GetSharedPtr(), type);
  if (!cast.ok() && type->id() == arrow::Type::TIMESTAMP) {
    // A zoned timestamp column stores UTC; a literal without an offset is read as UTC too.
    const auto& timestamp_type = static_cast<const arrow::TimestampType&>(*type);
    auto naive = cp::Cast(literal.GetSharedPtr(), arrow::timestamp(timestamp_type.unit()));
    if (naive.ok()) {
      const auto& value = static_cast<const arrow::TimestampScalar&>(*naive->scalar());
      return std::make_shared<arrow::TimestampScalar>(value.value, type);
    }
  }
  if (!cast.ok()) {
    return Status::Invalid("'", text, "' is not a ", type->ToString(), " value, as column '", column,
                           "' needs: ", cast.status().message());
  }
  return cast->scalar();
}

bool IsIntegerLiteral(const arrow::Scalar& literal) {
  return literal.type->id() == arrow::Type::INT64 || literal.type->id() == arrow::Type::UINT64;
}

// An integer literal as the narrowest decimal that holds it. Arrow takes it as decimal(19, 0)
// (int64's width): its cast refuses decimal(5, 2) whatever the value, and decimal(19, 0) with a
// decimal(p, s) asks for more precision than a decimal column of any use has room for
// ("Precision is not great enough").
std::shared_ptr<arrow::Scalar> NarrowDecimal(const arrow::Scalar& integer) {
  arrow::Decimal128 value;
  uint64_t magnitude = 0;
  if (integer.type->id() == arrow::Type::UINT64) {
    magnitude = static_cast<const arrow::UInt64Scalar&>(integer).value;
    value = arrow::Decimal128(0, magnitude);
  } else {
    const int64_t signed_value = static_cast<const arrow::Int64Scalar&>(integer).value;
    magnitude = signed_value < 0 ? ~static_cast<uint64_t>(signed_value) + 1 : static_cast<uint64_t>(signed_value);
    value = arrow::Decimal128(signed_value);
  }
  int32_t precision = 1;
  for (; magnitude >= 10; magnitude /= 10) ++precision;
  return std::make_shared<arrow::Decimal128Scalar>(value, arrow::decimal128(precision, 0));
}

// An integer literal in a decimal column's own type, or an error when it does not fit there.
Result<std::shared_ptr<arrow::Scalar>> InDecimalType(const arrow::Scalar& integer,
                                                     const std::shared_ptr<arrow::DataType>& type) {
  DEEPRC_ASSIGN_OR_RETURN(auto cast, cp::Cast(NarrowDecimal(integer), type, cp::CastOptions::Safe()));
  return cast.scalar();
}

bool IsNegative(const arrow::Scalar& integer) {
  return integer.type->id() == arrow::Type::INT64 &&
         static_cast<const arrow::Int64Scalar&>(integer).value < 0;
}

// The comparison with the operands swapped: `1 < x` is `x > 1`.
std::string Mirrored(const std::string& function) {
  if (function == "less") return "greater";
  if (function == "greater") return "less";
  if (function == "less_equal") return "greater_equal";
  if (function == "greater_equal") return "less_equal";
  return function;
}

// `column <function> literal` where the literal lies outside the integer column's range: the
// answer is the same for every non-null value, and null for null ones, as `column == column`
// (true) or `column != column` (false) give. Comparing in a common type instead would make
// Arrow cast the column, which fails on uint64 values past 2^63.
cp::Expression OutOfRangeComparison(const std::string& function, const cp::Expression& column,
                                    bool below_range) {
  bool holds = function == "not_equal";
  if (function == "greater" || function == "greater_equal") holds = below_range;
  if (function == "less" || function == "less_equal") holds = !below_range;
  return cp::call(holds ? "equal" : "not_equal", {column, column});
}

}  // namespace

namespace internal {

// Widens integers narrower than 64 bits to int64 in arithmetic, and rewrites the literal of
// `column <op> literal` into the column's type where Arrow would not:
// strings compared with dates and timestamps (Arrow has no such kernel), and integers compared
// with integer columns of another type (Arrow would compare a uint64 column with an int64
// literal in int64, failing on values past 2^63).
Result<cp::Expression> CoerceLiterals(const cp::Expression& expression, const arrow::Schema& schema) {
  const cp::Expression::Call* call = expression.call();
  if (call == nullptr) return expression;
  std::vector<cp::Expression> arguments;
  for (const auto& argument : call->arguments) {
    DEEPRC_ASSIGN_OR_RETURN(auto coerced, CoerceLiterals(argument, schema));
    arguments.push_back(std::move(coerced));
  }
  if (IsIntegerArithmetic(call->function_name)) {
    bool decimal = false;
    for (auto& argument : arguments) {
      auto bound = argument.Bind(schema);
      if (!bound.ok()) continue;  // Bind of the whole predicate reports it
      const auto& type = *bound->type();
      decimal = decimal || arrow::is_decimal(type.id());
      if (arrow::is_integer(type.id()) && type.bit_width() < 64) {
        argument = cp::call("cast", {std::move(argument)}, cp::CastOptions::Safe(arrow::int64()));
      }
    }
    for (auto& argument : arguments) {
      if (!decimal || !argument.literal() || !argument.literal()->is_scalar()) continue;
      const auto& literal = *argument.literal()->scalar();
      if (!literal.is_valid || !IsIntegerLiteral(literal)) continue;
      argument = cp::literal(NarrowDecimal(literal));
    }
  }
  if (IsComparison(call->function_name) && arguments.size() == 2) {
    for (int side = 0; side < 2; ++side) {
      // The function as if the column were on the left.
      const std::string function = side == 0 ? call->function_name : Mirrored(call->function_name);
      const cp::Expression& column = arguments[side];
      cp::Expression& other = arguments[1 - side];
      if (!other.literal() || !other.literal()->is_scalar()) continue;
      const auto& literal = *other.literal()->scalar();
      if (column.field_ref() == nullptr) {
        // A computed decimal (`d * 2 > 4`) meets the literal in the narrowest decimal that holds it.
        auto bound = column.Bind(schema);
        if (bound.ok() && arrow::is_decimal(bound->type()->id()) && literal.is_valid && IsIntegerLiteral(literal)) {
          other = cp::literal(NarrowDecimal(literal));
        }
        continue;
      }
      auto field = column.field_ref()->GetOneOrNone(schema);
      if (!field.ok() || *field == nullptr || !literal.is_valid) continue;
      const auto& type = (*field)->type();
      if (literal.type->id() == arrow::Type::STRING && IsTemporal(*type)) {
        DEEPRC_ASSIGN_OR_RETURN(auto value, ParseTemporal(literal, type, (*field)->name()));
        other = cp::literal(std::move(value));
      } else if (IsIntegerLiteral(literal) && (arrow::is_integer(type->id()) || arrow::is_decimal(type->id())) &&
                 !literal.type->Equals(*type)) {
        // In the column's own type the comparison needs no cast of the column at all; for a
        // decimal column Arrow's common type would need more precision than the column has.
        auto cast = arrow::is_decimal(type->id())
                        ? InDecimalType(literal, type)
                        : cp::Cast(literal.GetSharedPtr(), type, cp::CastOptions::Safe()).Map(
                              [](const arrow::Datum& datum) { return datum.scalar(); });
        if (cast.ok()) {
          other = cp::literal(*cast);
        } else {
          return OutOfRangeComparison(function, column, IsNegative(literal));
        }
      }
    }
  }
  return cp::call(call->function_name, std::move(arguments), call->options);
}

Status CheckDepth(const cp::Expression& expression, const std::string& context) {
  // Iterative: the point is to refuse a tree too deep for recursion before anything recurses.
  std::vector<std::pair<const cp::Expression*, int>> pending = {{&expression, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > kMaxEvaluatedDepth) {
      return Status::Invalid(context, "the expression nests more than ", kMaxEvaluatedDepth,
                             " levels deep, more than Arrow's evaluation by recursion is allowed");
    }
    if (const auto* call = node->call()) {
      for (const auto& argument : call->arguments) pending.emplace_back(&argument, depth + 1);
    }
  }
  return Status::OK();
}

}  // namespace internal

Result<Table> Select(const Table& table, const cp::Expression& predicate) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  DEEPRC_RETURN_NOT_OK(internal::CheckDepth(predicate, "select: "));
  // Checked here rather than left to Bind, whose error does not list the table's columns.
  for (const auto& ref : cp::FieldsInExpression(predicate)) {
    if (const std::string* name = ref.name()) {
      DEEPRC_RETURN_NOT_OK(WithContext(table.ColumnIndex(*name).status(), "select: "));
    }
  }
  const auto& schema = table.schema();
  DEEPRC_ASSIGN_OR_RETURN(auto coerced,
                          WithContext(internal::CoerceLiterals(predicate, *schema), "select: "));
  DEEPRC_ASSIGN_OR_RETURN(auto bound, WithContext(coerced.Bind(*schema), "select: cannot evaluate ",
                                                  predicate.ToString(), " on this table: "));
  const auto type_id = bound.type()->id();
  if (type_id != arrow::Type::BOOL && type_id != arrow::Type::NA) {
    return Status::TypeError("select: the predicate ", predicate.ToString(), " gives ",
                             bound.type()->ToString(), " values, not true/false");
  }

  arrow::RecordBatchVector kept;
  arrow::TableBatchReader reader(*table.arrow());
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    DEEPRC_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (batch == nullptr) break;
    if (batch->num_rows() == 0) continue;
    DEEPRC_ASSIGN_OR_RETURN(arrow::Datum mask,
                            WithContext(cp::ExecuteScalarExpression(bound, cp::ExecBatch(*batch)),
                                        "select: ", predicate.ToString(), ": "));
    if (mask.is_scalar()) {
      // A predicate without columns, such as `true` or `1 == null`, keeps all rows or none.
      const auto& scalar = *mask.scalar();
      if (scalar.is_valid && static_cast<const arrow::BooleanScalar&>(scalar).value) kept.push_back(batch);
      continue;
    }
    // FilterOptions' default drops the rows whose mask is null: SQL's WHERE.
    DEEPRC_ASSIGN_OR_RETURN(arrow::Datum filtered, cp::Filter(batch, mask));
    if (filtered.record_batch()->num_rows() > 0) kept.push_back(filtered.record_batch());
  }
  return Table::FromRecordBatches(schema, kept);
}

}  // namespace deeprc::table
