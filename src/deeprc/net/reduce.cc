#include "deeprc/net/reduce.h"

#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/visit_type_inline.h>

#include <algorithm>

namespace deeprc::net {
namespace {

template <typename T>
void ReduceTyped(T* accumulator, const T* value, int64_t count, ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      for (int64_t i = 0; i < count; ++i) accumulator[i] += value[i];
      return;
    case ReduceOp::kProd:
      for (int64_t i = 0; i < count; ++i) accumulator[i] *= value[i];
      return;
    case ReduceOp::kMin:
      for (int64_t i = 0; i < count; ++i) accumulator[i] = std::min(accumulator[i], value[i]);
      return;
    case ReduceOp::kMax:
      for (int64_t i = 0; i < count; ++i) accumulator[i] = std::max(accumulator[i], value[i]);
      return;
  }
}

struct ReduceVisitor {
  void* accumulator;
  const void* value;
  int64_t count;
  ReduceOp op;

  template <typename Type>
  Status Visit(const Type&) {
    if constexpr (arrow::is_integer_type<Type>::value || arrow::is_floating_type<Type>::value) {
      using CType = typename Type::c_type;
      if constexpr (std::is_same_v<Type, arrow::HalfFloatType>) {
        return Status::NotImplemented("AllReduce of float16");
      } else {
        ReduceTyped(static_cast<CType*>(accumulator), static_cast<const CType*>(value), count, op);
        return Status::OK();
      }
    } else {
      return Status::NotImplemented("AllReduce of ", Type::type_name(), ": only integers and floating point");
    }
  }
};

}  // namespace

Status CheckReducible(const arrow::DataType& type) {
  if ((arrow::is_integer(type.id()) || arrow::is_floating(type.id())) &&
      type.id() != arrow::Type::HALF_FLOAT) {
    return Status::OK();
  }
  return Status::NotImplemented("AllReduce of ", type.ToString(), ": only integers and floating point");
}

Status ReduceInto(void* accumulator, const void* value, int64_t count, const arrow::DataType& type,
                  ReduceOp op) {
  ReduceVisitor visitor{accumulator, value, count, op};
  return arrow::VisitTypeInline(type, &visitor);
}

}  // namespace deeprc::net
