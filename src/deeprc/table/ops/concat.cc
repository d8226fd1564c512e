#include "deeprc/table/ops/concat.h"

#include <fmt/format.h>

namespace deeprc::table {
namespace {

std::string NameOf(const std::vector<std::string>& names, size_t i) {
  if (i < names.size()) return names[i];
  return "table " + std::to_string(i + 1);
}

// Why the schemas differ, with the first column that differs; empty when they match.
std::string SchemaDifference(const arrow::Schema& first, const arrow::Schema& other,
                             const std::string& first_name, const std::string& other_name) {
  const int common = std::min(first.num_fields(), other.num_fields());
  for (int i = 0; i < common; ++i) {
    const auto& a = first.field(i);
    const auto& b = other.field(i);
    if (a->name() != b->name()) {
      return fmt::format("column {} is '{}' in {} but '{}' in {}", i + 1, b->name(), other_name, a->name(),
                         first_name);
    }
    if (!a->type()->Equals(*b->type())) {
      return fmt::format("column '{}' has type {} in {} but {} in {}", a->name(), b->type()->ToString(),
                         other_name, a->type()->ToString(), first_name);
    }
  }
  if (other.num_fields() > common) {
    return fmt::format("column '{}' of {} is not in {}", other.field(common)->name(), other_name, first_name);
  }
  if (first.num_fields() > common) {
    return fmt::format("column '{}' of {} is not in {}", first.field(common)->name(), first_name, other_name);
  }
  return "";
}

}  // namespace

Result<Table> Concat(const std::vector<Table>& tables, const std::vector<std::string>& names) {
  if (tables.empty()) return Status::Invalid("concat needs at least one table");
  const auto& first = *tables.front().schema();
  // A column is nullable in the result if it is in any input: nullability is a promise, not a type.
  std::vector<bool> nullable(first.num_fields(), false);
  for (size_t t = 0; t < tables.size(); ++t) {
    const auto& schema = *tables[t].schema();
    const std::string difference = SchemaDifference(first, schema, NameOf(names, 0), NameOf(names, t));
    if (!difference.empty()) return Status::TypeError("cannot concatenate: ", difference);
    for (int i = 0; i < schema.num_fields(); ++i) nullable[i] = nullable[i] || schema.field(i)->nullable();
  }
  arrow::FieldVector fields;
  for (int i = 0; i < first.num_fields(); ++i) fields.push_back(first.field(i)->WithNullable(nullable[i]));
  auto schema = arrow::schema(std::move(fields), first.metadata());

  std::vector<std::shared_ptr<arrow::Table>> inputs;
  inputs.reserve(tables.size());
  for (const auto& table : tables) {
    inputs.push_back(arrow::Table::Make(schema, table.arrow()->columns(), table.num_rows()));
  }
  DEEPRC_ASSIGN_OR_RETURN(auto result, arrow::ConcatenateTables(inputs));
  return Table(std::move(result));
}

}  // namespace deeprc::table
