#include "deeprc/dist/all_reduce.h"

#include <arrow/compute/api.h>

#include <limits>

#include "deeprc/dist/schema_agreement.h"
#include "deeprc/table/kernel/compute.h"

namespace deeprc::dist {
namespace {

const char* LocalFunction(net::ReduceOp op) {
  switch (op) {
    case net::ReduceOp::kSum:
      return "sum";
    case net::ReduceOp::kMin:
      return "min";
    case net::ReduceOp::kMax:
      return "max";
    case net::ReduceOp::kProd:
      return "product";
  }
  return "sum";
}

// The value a rank without data contributes: it leaves every other rank's value unchanged.
template <typename T>
T Identity(net::ReduceOp op) {
  switch (op) {
    case net::ReduceOp::kSum:
      return 0;
    case net::ReduceOp::kProd:
      return 1;
    case net::ReduceOp::kMin:
      return std::numeric_limits<T>::max();
    case net::ReduceOp::kMax:
      return std::numeric_limits<T>::lowest();
  }
  return 0;
}

template <typename T, typename ScalarType>
Result<std::shared_ptr<arrow::Scalar>> Reduce(net::Communicator& comm, const arrow::Scalar& local,
                                              net::ReduceOp op,
                                              const std::shared_ptr<arrow::DataType>& type) {
  DEEPRC_ASSIGN_OR_RETURN(auto cast, local.CastTo(type));
  T value = cast->is_valid ? static_cast<const ScalarType&>(*cast).value : Identity<T>(op);
  int64_t has_value = cast->is_valid ? 1 : 0;
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(&value, 1, *type, op));
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(&has_value, 1, *arrow::int64(), net::ReduceOp::kMax));
  if (has_value == 0) return arrow::MakeNullScalar(type);
  return std::make_shared<ScalarType>(value);
}

}  // namespace

Result<std::shared_ptr<arrow::Scalar>> AllReduceScalar(net::Communicator& comm, const table::Table& input,
                                                       const std::string& column, net::ReduceOp op) {
  // The column's type picks the reduction's type: every rank must reduce the same one.
  DEEPRC_ASSIGN_OR_RETURN(table::Table table, AgreeOnSchema(comm, input));
  DEEPRC_RETURN_NOT_OK(table::EnsureComputeInitialized());
  DEEPRC_ASSIGN_OR_RETURN(auto values, table.Column(column));
  const auto& type = *values->type();
  if (!arrow::is_integer(type.id()) && !arrow::is_floating(type.id())) {
    return Status::TypeError("AllReduce of column '", column, "' of type ", type.ToString(), ": not numeric");
  }
  DEEPRC_ASSIGN_OR_RETURN(arrow::Datum local, arrow::compute::CallFunction(LocalFunction(op), {values}));
  if (arrow::is_integer(type.id()))
    return Reduce<int64_t, arrow::Int64Scalar>(comm, *local.scalar(), op, arrow::int64());
  return Reduce<double, arrow::DoubleScalar>(comm, *local.scalar(), op, arrow::float64());
}

Result<std::shared_ptr<arrow::Array>> AllReduceColumn(net::Communicator& comm, const table::Table& input,
                                                      const std::string& column, net::ReduceOp op) {
  // The elements are reduced as raw values of the column's type: one type on every rank.
  DEEPRC_ASSIGN_OR_RETURN(table::Table table, AgreeOnSchema(comm, input));
  DEEPRC_ASSIGN_OR_RETURN(auto values, table.Column(column));
  if (values->null_count() > 0) return Status::Invalid("AllReduceColumn: column '", column, "' has nulls");
  DEEPRC_ASSIGN_OR_RETURN(int64_t max_length, comm.AllReduceScalar(values->length(), net::ReduceOp::kMax));
  DEEPRC_ASSIGN_OR_RETURN(int64_t min_length, comm.AllReduceScalar(values->length(), net::ReduceOp::kMin));
  if (max_length != min_length) {
    return Status::Invalid("AllReduceColumn: column '", column, "' has between ", min_length, " and ",
                           max_length, " rows across ranks; it must have the same length everywhere");
  }
  if (values->num_chunks() == 0) return arrow::MakeEmptyArray(values->type());
  // Concatenate always writes fresh buffers: the reduction happens in place, and the table's
  // buffers are shared (or read-only).
  DEEPRC_ASSIGN_OR_RETURN(auto copy, arrow::Concatenate(values->chunks()));
  const auto& data = copy->data();
  void* start = data->buffers[1]->mutable_data() + data->offset * values->type()->byte_width();
  DEEPRC_RETURN_NOT_OK(comm.AllReduce(start, data->length, *values->type(), op));
  return copy;
}

}  // namespace deeprc::dist
