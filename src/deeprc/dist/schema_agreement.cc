#include "deeprc/dist/schema_agreement.h"

#include <arrow/compute/api.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/api.h>

#include <set>
#include <string>
#include <vector>

#include "deeprc/dist/agreed_status.h"
#include "deeprc/table/kernel/compute.h"

namespace deeprc::dist {
namespace {

using SchemaVector = std::vector<std::shared_ptr<arrow::Schema>>;

// Every rank's schema, in rank order, through Arrow's IPC encoding of a schema.
Result<SchemaVector> AllSchemas(net::Communicator& comm, const arrow::Schema& mine) {
  DEEPRC_ASSIGN_OR_RETURN(auto bytes, arrow::ipc::SerializeSchema(mine));
  DEEPRC_ASSIGN_OR_RETURN(auto all, comm.AllGather({bytes->data(), static_cast<size_t>(bytes->size())}));
  SchemaVector schemas;
  for (size_t rank = 0; rank < all.size(); ++rank) {
    arrow::io::BufferReader reader(all[rank]);
    DEEPRC_ASSIGN_OR_RETURN(auto schema,
                            WithContext(arrow::ipc::ReadSchema(&reader, /*dictionary_memo=*/nullptr),
                                        "the schema sent by rank ", rank, ": "));
    schemas.push_back(std::move(schema));
  }
  return schemas;
}

std::string ColumnList(const arrow::Schema& schema) {
  std::string list;
  for (const auto& field : schema.fields()) list += (list.empty() ? "" : ", ") + field->name();
  return list;
}

// Same names on every rank, each once: the conformed table looks columns up by name.
Status CheckNames(const SchemaVector& schemas) {
  for (size_t rank = 0; rank < schemas.size(); ++rank) {
    std::set<std::string> seen;
    for (const auto& field : schemas[rank]->fields()) {
      if (!seen.insert(field->name()).second) {
        return Status::Invalid("rank ", rank, " has two columns named '", field->name(),
                               "', so its columns cannot be matched with the other ranks' by name");
      }
    }
  }
  const arrow::Schema& first = *schemas[0];
  for (size_t rank = 1; rank < schemas.size(); ++rank) {
    const arrow::Schema& other = *schemas[rank];
    for (const auto& field : first.fields()) {
      if (other.GetFieldIndex(field->name()) < 0) {
        return Status::Invalid("rank ", rank, " has no column '", field->name(), "', which rank 0 has (rank ",
                               rank, "'s columns: ", ColumnList(other), "; rank 0's: ", ColumnList(first),
                               ")");
      }
    }
    for (const auto& field : other.fields()) {
      if (first.GetFieldIndex(field->name()) < 0) {
        return Status::Invalid("rank ", rank, " has a column '", field->name(),
                               "' that rank 0 does not have (rank ", rank, "'s columns: ", ColumnList(other),
                               "; rank 0's: ", ColumnList(first), ")");
      }
    }
  }
  return Status::OK();
}

// The schema every rank conforms to, computed from the gathered schemas alone, so every rank
// reaches the same schema or the same error.
Result<std::shared_ptr<arrow::Schema>> AgreedSchema(const SchemaVector& schemas) {
  DEEPRC_RETURN_NOT_OK(CheckNames(schemas));
  const auto options = arrow::Field::MergeOptions::Permissive();
  arrow::FieldVector fields;
  for (const auto& field : schemas[0]->fields()) {
    std::shared_ptr<arrow::Field> merged = field;
    for (size_t rank = 1; rank < schemas.size(); ++rank) {
      const auto other = schemas[rank]->GetFieldByName(field->name());
      auto next = merged->MergeWith(*other, options);
      if (next.ok()) {
        merged = *std::move(next);
        continue;
      }
      // Name the first rank whose own type cannot be unified with this rank's; when each could
      // on its own, name the type unified over the ranks before this one.
      std::string earlier = "on ranks 0-" + std::to_string(rank - 1);
      std::shared_ptr<arrow::DataType> earlier_type = merged->type();
      for (size_t candidate = 0; candidate < rank; ++candidate) {
        const auto own = schemas[candidate]->GetFieldByName(field->name());
        if (!own->MergeWith(*other, options).ok()) {
          earlier = "on rank " + std::to_string(candidate);
          earlier_type = own->type();
          break;
        }
      }
      return Status::TypeError("column '", field->name(), "' is ", earlier_type->ToString(), " ", earlier,
                               " and ", other->type()->ToString(), " on rank ", rank,
                               ", which Arrow cannot unify into one type (", next.status().message(), ")");
    }
    fields.push_back(std::move(merged));
  }
  return arrow::schema(std::move(fields), schemas[0]->metadata());
}

// This rank's columns in the agreed order, cast to the agreed types (a safe cast: a value that
// would change, such as an int64 above 2^53 cast to double, is an error, not a rounding).
Result<table::Table> Conform(const table::Table& table, const std::shared_ptr<arrow::Schema>& agreed) {
  DEEPRC_RETURN_NOT_OK(table::EnsureComputeInitialized());
  std::vector<std::shared_ptr<arrow::ChunkedArray>> columns;
  for (const auto& field : agreed->fields()) {
    auto column = table.arrow()->column(table.schema()->GetFieldIndex(field->name()));
    if (!column->type()->Equals(*field->type())) {
      DEEPRC_ASSIGN_OR_RETURN(
          auto cast,
          WithContext(arrow::compute::Cast(column, field->type()), "column '", field->name(), "' cast from ",
                      column->type()->ToString(), " to ", field->type()->ToString(), ": "));
      column = cast.chunked_array();
    }
    columns.push_back(std::move(column));
  }
  return table::Table(arrow::Table::Make(agreed, std::move(columns), table.num_rows()));
}

}  // namespace

Result<table::Table> AgreeOnSchema(net::Communicator& comm, const table::Table& table,
                                   std::string_view what) {
  if (comm.size() == 1) return table;
  DEEPRC_ASSIGN_OR_RETURN(SchemaVector schemas, AllSchemas(comm, *table.schema()));
  bool all_equal = true;
  for (const auto& schema : schemas)
    all_equal = all_equal && schema->Equals(*schemas[0], /*check_metadata=*/false);
  if (all_equal) return table;

  const std::string context = std::string(what) + ": the ranks' schemas differ: ";
  DEEPRC_ASSIGN_OR_RETURN(auto agreed, WithContext(AgreedSchema(schemas), context));
  // Every rank knows the agreed schema, but a cast can fail on one rank only: all learn of it.
  auto conformed = Conform(table, agreed);
  DEEPRC_RETURN_NOT_OK(WithContext(AgreeOnStatus(comm, conformed.status()), context));
  return conformed;
}

}  // namespace deeprc::dist
