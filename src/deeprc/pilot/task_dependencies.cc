#include "deeprc/pilot/task_dependencies.h"

#include <unordered_map>

namespace deeprc::pilot {

Status CheckDependencies(const std::vector<TaskDescription>& batch,
                         const std::function<bool(const std::string&)>& known) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < batch.size(); ++i) index.emplace(batch[i].uid, i);
  for (const auto& task : batch) {
    for (const auto& dependency : task.after) {
      if (dependency == task.uid) {
        return Status::Invalid("task '", task.uid, "' names itself in 'after': it would wait for ever");
      }
      if (!index.count(dependency) && !known(dependency)) {
        return Status::Invalid("task '", task.uid, "': 'after' names unknown task '", dependency,
                               "' (neither submitted before nor in this submission)");
      }
    }
  }
  // Depth-first search over the batch's own edges, without recursion: a chain of 100,000 tasks
  // must not overflow the stack. A task met again while still on the path closes a cycle.
  enum class Mark { kNew, kOnPath, kFinished };
  std::vector<Mark> marks(batch.size(), Mark::kNew);
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
      const auto& after = batch[frame.task].after;
      if (frame.next_edge == after.size()) {
        marks[frame.task] = Mark::kFinished;
        path.pop_back();
        continue;
      }
      auto found = index.find(after[frame.next_edge++]);
      if (found == index.end()) continue;  // submitted before: cannot lead back into the batch
      const size_t next = found->second;
      if (marks[next] == Mark::kFinished) continue;
      if (marks[next] == Mark::kOnPath) {
        std::string cycle;
        bool on = false;
        for (const auto& step : path) {
          on |= step.task == next;
          if (on) cycle += batch[step.task].uid + " -> ";
        }
        return Status::Invalid("tasks wait for each other in a cycle through 'after', so none of them could "
                               "ever start: ",
                               cycle, batch[next].uid, " (each waits for the next)");
      }
      marks[next] = Mark::kOnPath;
      path.push_back({next, 0});
    }
  }
  return Status::OK();
}

}  // namespace deeprc::pilot
