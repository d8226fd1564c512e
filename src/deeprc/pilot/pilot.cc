#include "deeprc/pilot/pilot.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "deeprc/core/logging.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::pilot {

Pilot::Pilot(std::shared_ptr<Session> session, std::string uid, PilotDescription description)
    : session_(std::move(session)),
      uid_(std::move(uid)),
      description_(std::move(description)),
      sandbox_(session_->PilotSandbox(uid_)) {
  history_.push_back({PilotState::kNew, Now()});
  session_->profiler().Record(history_.back().time, "pilot_state", uid_, ToString(PilotState::kNew));
}

Pilot::~Pilot() { (void)Close(); }

PilotState Pilot::state() const {
  std::lock_guard lock(mutex_);
  return history_.back().state;
}

std::vector<StateTransition<PilotState>> Pilot::history() const {
  std::lock_guard lock(mutex_);
  return history_;
}

std::string Pilot::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

nlohmann::json Pilot::resources() const {
  std::lock_guard lock(mutex_);
  return resources_;
}

Status Pilot::Wait(const std::vector<PilotState>& states, double timeout) const {
  std::unique_lock lock(mutex_);
  auto reached = [&] {
    auto state = history_.back().state;
    return IsFinal(state) || std::find(states.begin(), states.end(), state) != states.end();
  };
  if (timeout < 0) {
    changed_.wait(lock, reached);
  } else if (!changed_.wait_for(lock, std::chrono::duration<double>(timeout), reached)) {
    return Status::IOError("pilot ", uid_, " still ", ToString(history_.back().state), " after ", timeout,
                           " s");
  }
  auto state = history_.back().state;
  if (std::find(states.begin(), states.end(), state) != states.end()) return Status::OK();
  return Status::Invalid("pilot ", uid_, " ended ", ToString(state), reason_.empty() ? "" : ": ", reason_);
}

Status Pilot::Launch() {
  std::error_code error;
  std::filesystem::create_directories(sandbox_, error);
  if (error)
    return Status::IOError("cannot create pilot sandbox '", sandbox_.string(), "': ", error.message());
  config_.pilot_uid = uid_;
  config_.session_dir = session_->dir().string();
  config_.sandbox = sandbox_.string();
  config_.secret_file = session_->secret_file().string();
  config_.description = description_;
  // Agents of a multi-node pilot take connections from the other nodes' launchers and the
  // client; a single-node pilot never listens beyond loopback.
  if (description_.nodes > 1) config_.bind_host = "*";
  if (description_.resource == "local") config_.parent_pid = ::getpid();
  const std::string config_path = (sandbox_ / "agent.json").string();
  DEEPRC_RETURN_NOT_OK(config_.Write(config_path));
  DEEPRC_ASSIGN_OR_RETURN(launcher_, MakePilotLauncher(description_.resource));
  DEEPRC_RETURN_NOT_OK(launcher_->Start(config_, config_path));
  Advance(PilotState::kPmgrLaunching);
  connect_thread_ = std::thread(&Pilot::ConnectWhenReady, this);
  return Status::OK();
}

void Pilot::ConnectWhenReady() {
  const double timeout = description_.launch_timeout > 0    ? description_.launch_timeout
                         : description_.resource == "local" ? 30
                                                            : 600;
  const auto start = std::chrono::steady_clock::now();
  auto endpoint = launcher_->WaitForEndpoint(timeout, stop_);
  if (!endpoint.ok()) {
    if (!stop_.IsSet()) Advance(PilotState::kFailed, endpoint.status().message());
    return;
  }
  auto channel = AgentChannel::Connect(*endpoint, session_->keys(),
                                       [this](nlohmann::json message) { OnMessage(std::move(message)); });
  if (!channel.ok()) {
    Advance(PilotState::kFailed, channel.status().message());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    channel_ = std::move(*channel);
    channel_->Send(protocol::Message(protocol::kHello));
    for (auto& message : pending_) channel_->Send(message);
    pending_.clear();
  }
  std::unique_lock lock(mutex_);
  const double left =
      timeout - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool answered = changed_.wait_for(lock, std::chrono::duration<double>(std::max(left, 0.0)), [this] {
    return stop_.IsSet() || history_.back().state != PilotState::kPmgrLaunching;
  });
  lock.unlock();
  if (!answered) {
    Advance(PilotState::kFailed, "agent at " + *endpoint + " did not answer within the launch timeout");
    return;
  }
  // From here on this thread only listens for the agent's death, so that nobody waits for the
  // tasks of a pilot that is gone.
  auto watched = launcher_->WatchAgent(stop_);
  if (!watched.ok()) Advance(PilotState::kFailed, watched.message());
}

void Pilot::OnMessage(nlohmann::json message) {
  const std::string type = message["type"].get<std::string>();
  if (type == protocol::kStates) {
    std::function<void(const nlohmann::json&)> handler;
    {
      std::lock_guard lock(mutex_);
      handler = task_handler_;
    }
    if (handler) handler(message["updates"]);
  } else if (type == protocol::kWelcome) {
    {
      std::lock_guard lock(mutex_);
      resources_ = message["resources"];
      resources_["pid"] = message.value("pid", 0);
    }
    Advance(PilotState::kPmgrActive);
  } else if (type == protocol::kPilot) {
    auto state = PilotStateFromString(message.value("state", ""));
    Advance(state.ok() ? *state : PilotState::kFailed, message.value("reason", ""));
  } else {
    spdlog::warn("pilot {}: unexpected message type '{}'", uid_, type);
  }
}

void Pilot::Advance(PilotState state, const std::string& reason) {
  std::function<void(PilotState, const std::string&)> final_handler;
  {
    std::lock_guard lock(mutex_);
    if (IsFinal(history_.back().state) || history_.back().state == state) return;
    history_.push_back({state, Now()});
    if (!reason.empty()) reason_ = reason;
    if (IsFinal(state)) final_handler = final_handler_;
    session_->profiler().Record(history_.back().time, "pilot_state", uid_, ToString(state), reason);
  }
  changed_.notify_all();
  if (final_handler) final_handler(state, reason);
}

void Pilot::Send(nlohmann::json message) {
  std::lock_guard lock(mutex_);
  if (channel_) {
    channel_->Send(message);
  } else {
    pending_.push_back(std::move(message));
  }
}

void Pilot::SetTaskHandler(std::function<void(const nlohmann::json&)> handler) {
  std::lock_guard lock(mutex_);
  task_handler_ = std::move(handler);
}

void Pilot::SetFinalHandler(std::function<void(PilotState, const std::string&)> handler) {
  std::lock_guard lock(mutex_);
  final_handler_ = std::move(handler);
}

Status Pilot::Close(PilotState final_state) {
  if (std::this_thread::get_id() == connect_thread_.get_id()) {
    return Status::Invalid("pilot ", uid_, ": Close cannot run in a callback of the pilot itself");
  }
  stop_.Notify();
  changed_.notify_all();
  if (connect_thread_.joinable()) connect_thread_.join();
  bool connected;
  {
    std::lock_guard lock(mutex_);
    connected = channel_ != nullptr;
  }
  if (connected) {
    if (!IsFinal(state())) {
      auto shutdown = protocol::Message(protocol::kShutdown);
      shutdown["state"] = ToString(final_state);
      channel_->Send(shutdown);
      // The agent reports the tasks it cancels, then its own end; wait for that report.
      (void)Wait({final_state}, 10);
    }
  }
  if (launcher_) DEEPRC_RETURN_NOT_OK(launcher_->Stop(5));
  channel_.reset();
  Advance(final_state);
  session_->profiler().Flush();
  return Status::OK();
}

}  // namespace deeprc::pilot
