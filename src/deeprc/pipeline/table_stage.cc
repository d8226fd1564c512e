#include "deeprc/pipeline/table_stage.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "deeprc/dist/distributed_groupby.h"
#include "deeprc/dist/distributed_join.h"
#include "deeprc/dist/distributed_set_ops.h"
#include "deeprc/dist/distributed_sort.h"
#include "deeprc/dist/partitioned_io.h"
#include "deeprc/dist/repartition.h"
#include "deeprc/net/launcher.h"
#include "deeprc/table/groupby/groupby.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/join/join.h"
#include "deeprc/table/ops/calendar.h"
#include "deeprc/table/ops/derive.h"
#include "deeprc/table/ops/expression_parser.h"
#include "deeprc/table/ops/project.h"
#include "deeprc/table/ops/select.h"
#include "deeprc/table/ops/slice.h"
#include "deeprc/table/ops/unique.h"
#include "deeprc/table/sort/sort.h"

namespace deeprc::pipeline {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Result<std::vector<std::string>> Remaining(const table::Table& table,
                                           const std::vector<std::string>& dropped) {
  for (const auto& name : dropped)
    DEEPRC_RETURN_NOT_OK(WithContext(table.ColumnIndex(name).status(), "drop: "));
  std::vector<std::string> kept;
  for (const auto& name : table.ColumnNames()) {
    if (std::find(dropped.begin(), dropped.end(), name) == dropped.end()) kept.push_back(name);
  }
  return kept;
}

// One stage's operations over either the whole table or this rank's share of it.
class TableStageRun {
 public:
  TableStageRun(const PipelineSpec& spec, const SessionLayout& layout,
                std::shared_ptr<net::Communicator> comm)
      : spec_(spec), layout_(layout), comm_(std::move(comm)) {}

  Result<table::Table> Read(const std::string& name) const {
    const std::string path = TablePath(spec_, layout_, name);
    if (comm_) return dist::ReadShare(*comm_, path);
    return table::ReadTable(path);
  }

  Result<table::Table> Apply(const TableOp& op, table::Table current) const {
    switch (op.kind) {
      case TableOp::Kind::kRead:
        return Read(op.table);
      case TableOp::Kind::kJoin: {
        DEEPRC_ASSIGN_OR_RETURN(auto right, Read(op.table));
        DEEPRC_ASSIGN_OR_RETURN(auto type, table::ParseJoinType(op.how));
        table::JoinOptions options;
        options.left_keys = op.columns;
        options.right_keys = op.right_columns;
        options.type = type;
        options.right_name = op.table;
        if (comm_) return dist::DistributedJoin(*comm_, current, right, options);
        return table::Join(current, right, options);
      }
      case TableOp::Kind::kSelect: {
        DEEPRC_ASSIGN_OR_RETURN(auto predicate, table::ParseExpression(op.expression));
        return table::Select(current, predicate);
      }
      case TableOp::Kind::kProject:
        return table::Project(current, op.columns);
      case TableOp::Kind::kDrop: {
        DEEPRC_ASSIGN_OR_RETURN(auto kept, Remaining(current, op.columns));
        return table::Project(current, kept);
      }
      case TableOp::Kind::kSort: {
        DEEPRC_ASSIGN_OR_RETURN(auto keys, table::ParseSortKeys(op.columns));
        if (comm_) return dist::DistributedSort(*comm_, current, keys);
        return table::Sort(current, keys);
      }
      case TableOp::Kind::kGroupBy: {
        DEEPRC_ASSIGN_OR_RETURN(auto aggregations, table::ParseAggregations(op.aggregations));
        if (comm_) return dist::DistributedGroupBy(*comm_, current, op.columns, aggregations);
        return table::GroupBy(current, op.columns, aggregations);
      }
      case TableOp::Kind::kUnique:
        if (comm_) return dist::DistributedUnique(*comm_, current, op.columns);
        return table::Unique(current, op.columns);
      case TableOp::Kind::kHead:
        if (comm_) return dist::DistributedHead(*comm_, current, op.n);
        return table::Head(current, op.n);
      case TableOp::Kind::kCalendar: {
        DEEPRC_ASSIGN_OR_RETURN(auto calendar, table::CalendarTable(current, op.columns[0]));
        if (!comm_) return calendar;
        // Each share's calendar may repeat another's times: make them distinct and ordered globally.
        DEEPRC_ASSIGN_OR_RETURN(calendar, dist::DistributedUnique(*comm_, calendar, {op.columns[0]}));
        return dist::DistributedSort(*comm_, calendar, {table::SortKey{op.columns[0], true}});
      }
      case TableOp::Kind::kDerive:
        for (const auto& [column, text] : op.derive) {
          DEEPRC_ASSIGN_OR_RETURN(auto expression, table::ParseExpression(text));
          DEEPRC_ASSIGN_OR_RETURN(current, table::Derive(current, column, expression));
        }
        return current;
    }
    return Status::NotImplemented("table operation ", op.name);
  }

 private:
  const PipelineSpec& spec_;
  const SessionLayout& layout_;
  std::shared_ptr<net::Communicator> comm_;
};

}  // namespace

Status RunTableStage(const PipelineSpec& spec, const SessionLayout& layout, const StageSpec& stage) {
  std::shared_ptr<net::Communicator> comm;
  if (net::InsideParallelJob()) {
    DEEPRC_ASSIGN_OR_RETURN(comm, net::MakeCommunicator(stage.backend));
  }
  const bool root = !comm || comm->rank() == 0;
  const std::string who =
      comm ? "rank " + std::to_string(comm->rank()) + "/" + std::to_string(comm->size()) + ": "
           : std::string();
  TableStageRun run(spec, layout, comm);
  table::Table current;
  for (const auto& op : stage.ops) {
    const auto started = Clock::now();
    auto next = run.Apply(op, std::move(current));
    if (!next.ok())
      return WithContext(next.status(), op.where, ": ", who, "stage '", stage.name, "', ", op.name, ": ");
    current = std::move(*next);
    std::fprintf(stderr, "%s%s %-8s %10lld rows x %3d columns  %8.3f s\n", who.c_str(), stage.name.c_str(),
                 op.name.c_str(), static_cast<long long>(current.num_rows()), current.num_columns(),
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
  const fs::path output = layout.TableFile(stage.name);
  std::error_code error;
  fs::create_directories(output.parent_path(), error);
  // Table writes are atomic (core/atomic_file.h): a stage killed while writing leaves no output
  // that a resumed run could mistake for a finished one.
  if (comm) {
    DEEPRC_RETURN_NOT_OK(WithContext(dist::WriteShares(*comm, current, output.string(), /*gather=*/true), who));
  } else {
    DEEPRC_RETURN_NOT_OK(table::WriteTable(current, output.string()));
  }
  if (root) {
    std::printf("%s: %lld rows x %d columns -> %s\n", stage.name.c_str(),
                static_cast<long long>(current.num_rows()), current.num_columns(), output.string().c_str());
  }
  return Status::OK();
}

}  // namespace deeprc::pipeline
