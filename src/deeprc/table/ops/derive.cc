#include "deeprc/table/ops/derive.h"

#include <arrow/compute/api.h>

#include "deeprc/table/kernel/compute.h"
#include "deeprc/table/ops/select.h"

namespace deeprc::table {

namespace cp = arrow::compute;

Result<Table> Derive(const Table& table, const std::string& name, const cp::Expression& expression) {
  DEEPRC_RETURN_NOT_OK(EnsureComputeInitialized());
  if (name.empty()) return Status::Invalid("derive: the new column needs a name");
  DEEPRC_RETURN_NOT_OK(internal::CheckDepth(expression, "derive " + name + ": "));
  const std::string context = "derive " + name + " = " + expression.ToString() + ": ";
  for (const auto& ref : cp::FieldsInExpression(expression)) {
    if (const std::string* column = ref.name()) {
      DEEPRC_RETURN_NOT_OK(WithContext(table.ColumnIndex(*column).status(), context));
    }
  }
  const auto& schema = table.schema();
  DEEPRC_ASSIGN_OR_RETURN(auto coerced, WithContext(internal::CoerceLiterals(expression, *schema), context));
  DEEPRC_ASSIGN_OR_RETURN(auto bound, WithContext(coerced.Bind(*schema), context));

  arrow::ArrayVector chunks;
  arrow::TableBatchReader reader(*table.arrow());
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    DEEPRC_RETURN_NOT_OK(reader.ReadNext(&batch));
    if (batch == nullptr) break;
    DEEPRC_ASSIGN_OR_RETURN(arrow::Datum value,
                            WithContext(cp::ExecuteScalarExpression(bound, cp::ExecBatch(*batch)), context));
    if (value.is_scalar()) {
      DEEPRC_ASSIGN_OR_RETURN(auto array, arrow::MakeArrayFromScalar(*value.scalar(), batch->num_rows()));
      chunks.push_back(std::move(array));
    } else {
      chunks.push_back(value.make_array());
    }
  }
  auto column = std::make_shared<arrow::ChunkedArray>(chunks, bound.type()->GetSharedPtr());
  auto field = arrow::field(name, bound.type()->GetSharedPtr());
  const int existing = schema->GetFieldIndex(name);
  std::shared_ptr<arrow::Table> result;
  if (existing >= 0) {
    DEEPRC_ASSIGN_OR_RETURN(result, table.arrow()->SetColumn(existing, field, column));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(result, table.arrow()->AddColumn(table.num_columns(), field, column));
  }
  return Table(std::move(result));
}

}  // namespace deeprc::table
