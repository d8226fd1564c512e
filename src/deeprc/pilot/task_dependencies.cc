#include "deeprc/pilot/task_dependencies.h"

#include <unordered_map>

namespace deeprc::pilot {
namespace {

// Both kinds of edge wait for the named task to end: a cycle may mix them.
std::vector<const std::string*> Edges(const TaskDescription& task) {
  std::vector<const std::string*> edges;
  for (const auto& uid : task.after) edges.push_back(&uid);
  for (const auto& uid : task.after_ended) edges.push_back(&uid);
  return edges;
}

}  // namespace

Status CheckDependencies(const std::vector<TaskDescription>& batch,
                         const std::function<bool(const std::string&)>& known) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < batch.size(); ++i) index.emplace(batch[i].uid, i);
  for (const auto& task : batch) {
    for (const auto* field : {&task.after, &task.after_ended}) {
      const char* key = field == &task.after ? "after" : "after_ended";
      for (const auto& dependency : *field) {
        if (dependency == task.uid) {
          return Status::Invalid("task '", task.uid, "' names itself in '", key, "': it would wait for ever");
        }
        if (!index.count(dependency) && !known(dependency)) {
          return Status::Invalid("task '", task.uid, "': '", key, "' names unknown task '", dependency,
                                 "' (neither submitted before nor in this submission)");
        }
      }
    }
  }
  // Depth-first search over the batch's own edges, without recursion: a chain of 100,000 tasks
  // must not overflow the stack. A task met again while still on the path closes a cycle.
  enum class Mark { kNew, kOnPath, kFinished };
  std::vector<Mark> marks(batch.size(), Mark::kNew);
  std::vector<std::vector<const std::string*>> edges;
  edges.reserve(batch.size());
  for (const auto& task : batch) edges.push_back(Edges(task));
  struct Frame {
    size_t task, next_edge;
  };
  std::vector<Frame> path;
  for (size_t root = 0; root < batch.size(); ++root) {
    if (marks[root] != Mark::kNew) continue;
    path.push_back({root, 0});
    marks[root] = Mark::kOnPath;
    while (!path.empty()) {
      Frame& frame = path.back();
      const auto& after = edges[frame.task];
      if (frame.next_edge == after.size()) {
        marks[frame.task] = Mark::kFinished;
        path.pop_back();
        continue;
      }
      auto found = index.find(*after[frame.next_edge++]);
      if (found == index.end()) continue;  // submitted before: cannot lead back into the batch
      const size_t next = found->second;
      if (marks[next] == Mark::kFinished) continue;
      if (marks[next] == Mark::kOnPath) {
        std::string cycle;
        bool on = false, through_after = false, through_ended = false;
        for (const auto& step : path) {
          on |= step.task == next;
          if (!on) continue;
          cycle += batch[step.task].uid + " -> ";
          // The edge this step took is the one before next_edge; after_ended's follow after's.
          const bool ended = step.next_edge > batch[step.task].after.size();
          through_after |= !ended;
          through_ended |= ended;
        }
        const char* through = !through_ended  ? "'after'"
                              : through_after ? "'after' and 'after_ended'"
                                              : "'after_ended'";
        return Status::Invalid("tasks wait for each other in a cycle through ", through,
                               ", so none of them could ever start: ", cycle, batch[next].uid,
                               " (each waits for the next)");
      }
      marks[next] = Mark::kOnPath;
      path.push_back({next, 0});
    }
  }
  return Status::OK();
}

}  // namespace deeprc::pilot
