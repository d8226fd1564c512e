#include "deeprc/tasks/pool_master.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>

#include "deeprc/net/progress.h"
#include "deeprc/pilot/agent_channel.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::tasks {
namespace {

namespace protocol = pilot::protocol;
using nlohmann::json;

// The agent's messages, handed from the channel's I/O thread to the master's MPI thread.
class Inbox {
 public:
  void Push(json message) {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(std::move(message));
    }
    arrived_.notify_one();
  }

  // Everything that arrived, after waiting up to `wait` for the first message.
  std::deque<json> Take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (wait.count() > 0) arrived_.wait_for(lock, wait, [this] { return !messages_.empty(); });
    return std::exchange(messages_, {});
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<json> messages_;
};

std::string HostName() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

raptor::FunctionResult Refused(std::string id, const Status& status) {
  raptor::FunctionResult result;
  result.id = std::move(id);
  result.error = status.message();
  return result;
}

}  // namespace

Status ServeAgent(raptor::Master& master, const AgentAddress& agent) {
  Inbox inbox;
  DEEPRC_ASSIGN_OR_RETURN(auto channel, pilot::AgentChannel::Connect(agent.endpoint, agent.keys,
                                                                      [&inbox](json m) { inbox.Push(std::move(m)); }));
  channel->Send({{"type", protocol::kPoolHello}, {"workers", master.num_workers()}, {"pid", ::getpid()}});
  const bool watch_agent = agent.pid > 0 && agent.host == HostName();
  auto next_agent_check = net::Clock::now();
  for (net::Backoff backoff;;) {
    // Idle, the master sleeps until the agent sends something (waking each second to see that the
    // agent lives); busy, it looks without waiting and backs off only while nothing happens.
    auto messages = inbox.Take(master.busy() ? std::chrono::milliseconds(0) : std::chrono::milliseconds(1000));
    std::vector<raptor::FunctionResult> results;
    bool stop = false;
    for (const json& message : messages) {
      const std::string type = message.value("type", "");
      if (type == protocol::kPoolTasks) {
        for (const json& task_json : message.at("tasks")) {
          auto task = raptor::FunctionTaskFromJson(task_json);
          if (!task.ok()) {
            results.push_back(Refused(task_json.value("id", ""), task.status()));
            continue;
          }
          const std::string id = task->id;
          if (auto submitted = master.Submit(std::move(*task)); !submitted.ok()) {
            results.push_back(Refused(id, submitted.status()));
          }
        }
      } else if (type == protocol::kPoolCancel) {
        for (const json& id : message.at("ids")) master.Cancel(id.get<std::string>());
      } else if (type == protocol::kPoolStop || type == protocol::kPilot) {
        stop = true;
      }
    }
    if (stop) break;
    DEEPRC_ASSIGN_OR_RETURN(int progress, master.Turn());
    for (auto& result : master.TakeResults()) results.push_back(std::move(result));
    // Workers found dead go back to the agent's scheduler: their cores are free for other tasks.
    const std::vector<int> lost = master.TakeLostWorkers();
    if (!results.empty() || !lost.empty()) {
      auto list = json::array();
      for (const auto& result : results) list.push_back(raptor::ToJson(result));
      channel->Send({{"type", protocol::kPoolResults},
                     {"results", std::move(list)},
                     {"workers", master.num_workers()},
                     {"lost", lost}});
    }
    if (watch_agent && net::Clock::now() >= next_agent_check) {
      if (::kill(agent.pid, 0) != 0 && errno == ESRCH) {
        return Status::IOError("the agent (pid ", agent.pid, ") is gone");
      }
      next_agent_check = net::Clock::now() + std::chrono::seconds(1);
    }
    if (progress > 0 || !messages.empty() || !results.empty()) {
      backoff.Reset();
    } else if (master.busy()) {
      backoff.Pause();
    }
  }
  channel->Drain(5);
  return Status::OK();
}

}  // namespace deeprc::tasks
