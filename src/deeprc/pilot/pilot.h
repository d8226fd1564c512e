// A Pilot: the client's handle on one placeholder job and the agent running in it. It follows the
// pilot's states and carries messages between the TaskManager and the agent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprc/pilot/agent_channel.h"
#include "deeprc/pilot/agent_config.h"
#include "deeprc/pilot/pilot_description.h"
#include "deeprc/pilot/pilot_launcher.h"
#include "deeprc/pilot/session.h"
#include "deeprc/pilot/states.h"
#include "deeprc/pilot/stop_signal.h"

namespace deeprc::pilot {

class Pilot {
 public:
  ~Pilot();  // shuts the agent down when the pilot is still running
  Pilot(const Pilot&) = delete;
  Pilot& operator=(const Pilot&) = delete;

  const std::string& uid() const { return uid_; }
  const PilotDescription& description() const { return description_; }
  const std::filesystem::path& sandbox() const { return sandbox_; }
  PilotState state() const;
  std::vector<StateTransition<PilotState>> history() const;
  std::string reason() const;  // why the pilot failed, when it did
  // What the agent discovered, and its process id:
  // {"nodes": [{"name", "cores", "cpu_ids", "gpus", "gpu_ids", "mem_mib"}...], "slurm": bool, "pid": N}.
  nlohmann::json resources() const;

  // Blocks until the pilot is in one of `states` (or final); timeout in seconds, < 0: no limit.
  // Fails when the pilot ends in another state or the time runs out.
  Status Wait(const std::vector<PilotState>& states, double timeout = -1) const;

  // Ends the pilot: the agent cancels what still runs and exits. `final_state` is DONE or CANCELED.
  // Idempotent; also joins the pilot's threads, so it must not be called from its callbacks.
  Status Close(PilotState final_state = PilotState::kCanceled);

  // For the TaskManager: messages to the agent (queued until the pilot is active) and the
  // receiver of the agent's task state batches, called on the channel's I/O thread.
  void Send(nlohmann::json message);
  void SetTaskHandler(std::function<void(const nlohmann::json& updates)> handler);
  // Runs when the pilot reaches a final state (the TaskManager fails what it still had there).
  void SetFinalHandler(std::function<void(PilotState, const std::string& reason)> handler);

 private:
  friend class PilotManager;
  Pilot(std::shared_ptr<Session> session, std::string uid, PilotDescription description);
  Status Launch();
  void ConnectWhenReady();
  void OnMessage(nlohmann::json message);
  void Advance(PilotState state, const std::string& reason = {});

  std::shared_ptr<Session> session_;
  const std::string uid_;
  const PilotDescription description_;
  const std::filesystem::path sandbox_;
  AgentConfig config_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<StateTransition<PilotState>> history_;
  std::string reason_;
  nlohmann::json resources_;
  std::vector<nlohmann::json> pending_;  // messages sent before the channel was connected
  std::function<void(const nlohmann::json&)> task_handler_;
  std::function<void(PilotState, const std::string&)> final_handler_;

  std::unique_ptr<PilotLauncher> launcher_;
  std::unique_ptr<AgentChannel> channel_;
  StopSignal stop_;  // ends the launch wait and the agent watch
  std::thread connect_thread_;
};

}  // namespace deeprc::pilot
