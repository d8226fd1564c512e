#include "deeprc/agent/agent.h"
#include "deeprc/agent/agent_impl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <zmq.hpp>

#include "deeprc/agent/descendants.h"
#include "deeprc/agent/executor.h"
#include "deeprc/agent/function_pool_manager.h"
#include "deeprc/agent/launch_command.h"
#include "deeprc/agent/resources.h"
#include "deeprc/agent/scheduler.h"
#include "deeprc/agent/staging.h"
#include "deeprc/agent/zap_authenticator.h"
#include "deeprc/core/atomic_file.h"
#include "deeprc/core/logging.h"
#include "deeprc/pilot/names.h"
#include "deeprc/pilot/profiler.h"
#include "deeprc/pilot/protocol.h"
#include "deeprc/pilot/session_keys.h"

namespace deeprc::agent {

using pilot::Now;

namespace {

constexpr double kKillGrace = 2;             // seconds between SIGTERM and SIGKILL
constexpr double kClientSilenceLimit = 120;  // Slurm pilots end when no client was heard for this long
constexpr double kHousekeepingInterval = 1;  // the longest the loop sleeps: parent and runtime checks

}  // namespace

std::string DescribePlacement(const Placement& placement, const AgentResources& resources) {
  std::string text;
  for (const auto& rank : placement) {
    if (!text.empty()) text += "|";
    text += resources.nodes[rank.node].name + ":";
    for (size_t i = 0; i < rank.cores.size(); ++i) text += (i ? " " : "") + std::to_string(rank.cores[i]);
    if (!rank.gpus.empty()) {
      text += ":gpu";
      for (int gpu : rank.gpus) text += " " + std::to_string(gpu);
    }
  }
  return text;
}

Status Agent::Impl::Init(const pilot::AgentConfig& config, int notify_fd) {
  config_ = config;
  started_ = last_heard_ = Now();
  DEEPRC_ASSIGN_OR_RETURN(profiler_, pilot::Profiler::Open(config.sandbox + "/agent.prof"));
  profiler_->Record(started_, "agent_start", config.pilot_uid);
  if (config.description.resource == "slurm") {
    DEEPRC_ASSIGN_OR_RETURN(resources_, DiscoverSlurm(config.description));
  } else {
    DEEPRC_ASSIGN_OR_RETURN(resources_, DiscoverLocal(config.description));
  }
  scheduler_ = std::make_unique<Scheduler>(resources_);
  executor_ = std::make_unique<Executor>(resources_, config.sandbox, profiler_.get());
  // Processes that leave a task's process group (setsid, double fork) become the agent's when their
  // parent dies, instead of init's: they can be found, killed with their task, and reaped.
  DEEPRC_RETURN_NOT_OK(BecomeSubreaper());
  profiler_->Record(Now(), "resources", config.pilot_uid, "", resources_.ToJson().dump());

  // Signals arrive as readable data on a descriptor in the poll set: no handler, no race.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return Status::IOError("sigprocmask failed");
  signal_fd_ = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return Status::IOError("signalfd: ", std::strerror(errno));
  ::signal(SIGPIPE, SIG_IGN);

  DEEPRC_ASSIGN_OR_RETURN(auto keys, pilot::SessionKeys::Read(config.secret_file));
  DEEPRC_ASSIGN_OR_RETURN(zap_, ZapAuthenticator::Create(context_, keys.client_public));
  std::string endpoint;
  try {
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    socket_->set(zmq::sockopt::curve_server, 1);
    socket_->set(zmq::sockopt::curve_secretkey, keys.server_secret);
    socket_->set(zmq::sockopt::zap_domain, "deeprc");
    socket_->set(zmq::sockopt::sndhwm, 0);
    socket_->set(zmq::sockopt::rcvhwm, 0);
    socket_->set(zmq::sockopt::linger, 2000);
    socket_->bind("tcp://" + config.bind_host + ":*");
    endpoint = socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& error) {
    return Status::IOError("agent cannot bind on ", config.bind_host, ": ", error.what());
  }
  if (config.bind_host == "*") {  // tell clients a name they can reach, not the wildcard
    char host[256];
    ::gethostname(host, sizeof(host));
    endpoint.replace(endpoint.find("0.0.0.0"), 7, host);
  }
  // The endpoint file appears whole, so a reader never sees half of it.
  DEEPRC_RETURN_NOT_OK(WriteTextFileAtomically(config.endpoint_file(), endpoint + "\n"));
  if (notify_fd >= 0) {
    std::string line = endpoint + "\n";
    (void)!::write(notify_fd, line.data(), line.size());
    // Kept open for life (but from no task): the client reads end of file as this agent's death.
    ::fcntl(notify_fd, F_SETFD, FD_CLOEXEC);
  }
  pool_manager_ = std::make_unique<FunctionPoolManager>(*this, config_, resources_, *scheduler_, *executor_,
                                                        profiler_.get(), endpoint);
  profiler_->Record(Now(), "agent_ready", config.pilot_uid, "", endpoint);
  spdlog::info("agent {} listening on {} with {} cores on {} nodes", config.pilot_uid, endpoint,
               resources_.total_cores(), resources_.nodes.size());
  return Status::OK();
}

double Agent::Impl::PollTimeout() const {
  double timeout = kHousekeepingInterval;
  if (!deadlines_.empty()) timeout = std::min(timeout, deadlines_.begin()->first - Now());
  if (pool_manager_->deadline() > 0) timeout = std::min(timeout, pool_manager_->deadline() - Now());
  timeout = std::min(timeout, executor_->SecondsToSweep(timeout));
  return std::max(timeout, 0.0);
}

Status Agent::Impl::Run() {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                             {zap_->socket().handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, signal_fd_, ZMQ_POLLIN, 0}};
  try {
    while (!stopping_) {
      zmq::poll(items, 3, std::chrono::milliseconds(static_cast<int>(PollTimeout() * 1000 + 0.999)));
      if (items[1].revents & ZMQ_POLLIN) zap_->HandleRequest();
      if (items[2].revents & ZMQ_POLLIN) ReadSignals();
      // Drain what arrived (cheap when nothing did): a burst becomes one batch of work.
      for (int budget = 64; budget > 0; --budget) {
        zmq::message_t identity, payload;
        if (!socket_->recv(identity, zmq::recv_flags::dontwait)) break;
        if (!identity.more() || !socket_->recv(payload, zmq::recv_flags::dontwait)) continue;
        while (payload.more())
          (void)socket_->recv(payload, zmq::recv_flags::dontwait);  // extra frames: ignore
        OnMessage(identity.to_string(), payload.to_string_view());
      }
      CheckDeadlines();
      // Only tasks that are not running lose what escaped them: a retry's processes stay.
      executor_->SweepLeftovers([this](const std::string& uid) {
        auto task = tasks_.find(uid);
        return task != tasks_.end() && task->second->pid <= 0;
      });
      Schedule();

      const double now = Now();
      if (config_.parent_pid > 0 && ::getppid() != config_.parent_pid) {
        Shutdown(TaskState::kCanceled, "the client process is gone");
        final_state_ = pilot::PilotState::kCanceled;
      } else if (config_.description.runtime > 0 && now - started_ > config_.description.runtime * 60) {
        Shutdown(TaskState::kCanceled,
                 "pilot runtime of " + std::to_string(config_.description.runtime) + " min ended");
      } else if (config_.parent_pid == 0 && now - last_heard_ > kClientSilenceLimit) {
        Shutdown(TaskState::kCanceled, "no client heard for " + std::to_string(kClientSilenceLimit) + " s");
      }
      Flush();
    }
  } catch (const zmq::error_t& error) {
    Shutdown(TaskState::kFailed, std::string("agent socket error: ") + error.what());
    final_state_ = pilot::PilotState::kFailed;
  }
  Flush();
  auto goodbye = pilot::protocol::Message(pilot::protocol::kPilot);
  goodbye["state"] = pilot::ToString(final_state_);
  goodbye["reason"] = final_reason_;
  const std::string bytes = goodbye.dump();
  for (const auto& client : clients_) {
    socket_->send(zmq::buffer(client), zmq::send_flags::sndmore);
    socket_->send(zmq::buffer(bytes), zmq::send_flags::none);
  }
  profiler_->Record(Now(), "agent_stop", config_.pilot_uid, pilot::ToString(final_state_), final_reason_);
  profiler_->Flush();
  std::error_code ignored;
  std::filesystem::remove(config_.endpoint_file(), ignored);
  socket_.reset();  // lingers up to 2 s to deliver the goodbye
  return Status::OK();
}

void Agent::Impl::ReadSignals() {
  signalfd_siginfo info;
  bool child = false;
  while (::read(signal_fd_, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo == SIGCHLD) {
      child = true;
    } else {
      Shutdown(TaskState::kCanceled, std::string("agent received ") + strsignal(info.ssi_signo));
      final_state_ = pilot::PilotState::kCanceled;
    }
  }
  if (child) ReapChildren();
}

void Agent::Impl::OnMessage(const std::string& client, std::string_view bytes) {
  // A malformed field is the sender's error: report it and go on serving.
  try {
    HandleMessage(client, bytes);
  } catch (const nlohmann::json::exception& error) {
    spdlog::warn("agent: malformed message: {}", error.what());
  }
}

void Agent::Impl::HandleMessage(const std::string& client, std::string_view bytes) {
  auto message = pilot::protocol::ParseMessage(bytes);
  if (!message.ok()) {
    spdlog::warn("agent: {}", message.status().message());
    return;
  }
  const std::string type = (*message)["type"].get<std::string>();
  namespace protocol = pilot::protocol;
  if (type == protocol::kPoolHello) return pool_manager_->OnHello(client, *message);
  if (pool_manager_->IsPool(client)) {  // the pool's heartbeats do not keep a pilot without clients alive
    if (type == protocol::kPoolResults) pool_manager_->OnResults(*message);
    return;
  }
  last_heard_ = Now();
  if (type == protocol::kHello) {
    clients_.insert(client);
    auto welcome = protocol::Message(protocol::kWelcome);
    welcome["resources"] = resources_.ToJson();
    welcome["pid"] = ::getpid();
    socket_->send(zmq::buffer(client), zmq::send_flags::sndmore);
    socket_->send(zmq::buffer(welcome.dump()), zmq::send_flags::none);
    profiler_->Record(Now(), "client_hello", config_.pilot_uid);
  } else if (type == protocol::kSubmit) {
    clients_.insert(client);
    OnSubmit((*message)["tasks"]);
  } else if (type == protocol::kCancel) {
    OnCancel((*message)["uids"]);
  } else if (type == protocol::kShutdown) {
    auto state = pilot::PilotStateFromString(message->value("state", "DONE"));
    final_state_ = state.ok() ? *state : pilot::PilotState::kDone;
    Shutdown(TaskState::kCanceled, "pilot closed by the client");
  } else if (type != protocol::kHeartbeat) {
    spdlog::warn("agent: unknown message type '{}'", type);
  }
}

void Agent::Impl::Advance(AgentTask& task, TaskState state, std::optional<int> exit_code,
                          const std::string& reason) {
  task.state = state;
  pilot::protocol::TaskUpdate update;
  if (state == TaskState::kDone) update.result = task.result;
  update.uid = task.description.uid;
  update.state = state;
  update.time = Now();
  update.exit_code = exit_code;
  update.reason = reason;
  if (state == TaskState::kAgentExecuting && task.placement) {
    for (const auto& rank : *task.placement) {
      update.placement.push_back({resources_.nodes[rank.node].name, rank.cores, rank.gpus});
    }
  }
  updates_.push_back(pilot::protocol::ToJson(update));
}

void Agent::Impl::Finish(AgentTask& task, TaskState state, std::optional<int> exit_code,
                         const std::string& reason) {
  Advance(task, state, exit_code, reason);
  // The description is no longer needed; keep the record so a late cancel finds a final task.
  task.description.arguments.clear();
  task.description.environment.clear();
  task.description.args = nlohmann::json::object();
  task.result = nullptr;
}

void Agent::Impl::OnSubmit(const nlohmann::json& tasks) {
  for (const auto& json : tasks) {
    auto description = pilot::TaskDescriptionFromJson(json);
    if (!description.ok()) {
      spdlog::warn("agent: {}", description.status().message());
      continue;
    }
    const std::string uid = description->uid;
    if (tasks_.count(uid)) {
      spdlog::warn("agent: task {} submitted twice; ignored", uid);
      continue;
    }
    auto& task = *(tasks_[uid] = std::make_unique<AgentTask>());
    task.description = std::move(*description);
    // The uid becomes the sandbox's name: whatever a client sends, it stays inside the pilot's.
    if (auto name = pilot::CheckName(uid, "task uid"); !name.ok()) {
      Finish(task, TaskState::kFailed, {}, name.message());
      continue;
    }
    task.sandbox = config_.sandbox + "/" + uid;
    task.sequence = next_sequence_++;
    const auto& d = task.description;
    const auto method = ResolveLaunchMethod(d, resources_);
    task.request = {d.ranks,
                    d.cores_per_rank,
                    d.gpus_per_rank,
                    d.mem_per_rank,
                    method != pilot::LaunchMethod::kSrun,
                    d.tags.count("colocate") ? d.tags.at("colocate") : std::string()};
    // fork reaches the agent's own node only.
    task.request.first_node_only = method == pilot::LaunchMethod::kFork;

    Advance(task, TaskState::kAgentStagingInput);
    if (!d.input_staging.empty()) {  // otherwise the sandbox waits for the launch
      Status staged = CreateSandbox(task);
      for (size_t i = 0; staged.ok() && i < d.input_staging.size(); ++i) {
        staged = Stage(d.input_staging[i], "/", task.sandbox);
      }
      if (!staged.ok()) {
        Finish(task, TaskState::kFailed, {}, staged.message());
        continue;
      }
    }
    Advance(task, TaskState::kAgentScheduling);
    if (task.is_function()) {
      if (auto fits = pool_manager_->CheckFits(d); !fits.ok()) {
        Finish(task, TaskState::kFailed, {}, fits.message());
        continue;
      }
      pool_manager_->Enqueue(task);
      continue;
    }
    if (auto fits = scheduler_->CheckFits(task.request); !fits.ok()) {
      Finish(task, TaskState::kFailed, {}, "task " + uid + " can never run on this pilot: " + fits.message());
      continue;
    }
    waiting_.insert(&task);
  }
}

void Agent::Impl::Schedule() {
  pool_manager_->Schedule(/*executables_waiting=*/!waiting_.empty());
  if (pool_manager_->HoldsCoresBack()) return;
  // Requests of a shape that did not fit in this pass will not fit later in it either: skip them
  // instead of asking the scheduler again (a queue of 10,000 equal tasks costs one failed try).
  std::set<std::tuple<int, int, int, int64_t, bool, std::string>> full;
  for (auto it = waiting_.begin(); it != waiting_.end() && scheduler_->free_cores() > 0;) {
    AgentTask& task = **it;
    const auto& r = task.request;
    auto shape = std::make_tuple(r.ranks, r.cores_per_rank, r.gpus_per_rank, r.mem_per_rank, r.single_node,
                                 r.colocate);
    if (full.count(shape)) {
      ++it;
      continue;
    }
    task.placement = scheduler_->Allocate(r);
    if (!task.placement) {
      full.insert(shape);
      ++it;
      continue;
    }
    it = waiting_.erase(it);
    profiler_->Record(Now(), "schedule_ok", task.description.uid, "",
                      DescribePlacement(*task.placement, resources_));
    Launch(task);
  }
}

void Agent::Impl::Launch(AgentTask& task) {
  ++task.attempt;
  task.stop = StopReason::kNone;
  task.killed = false;
  if (Status launched = executor_->Launch(task); !launched.ok()) {
    scheduler_->Release(*task.placement);
    profiler_->Record(Now(), "unschedule", task.description.uid);
    task.placement.reset();
    Finish(task, TaskState::kFailed, {}, launched.message());
    return;
  }
  const double now = Now();
  Advance(task, TaskState::kAgentExecuting);
  if (task.description.timeout > 0) {
    task.deadline = now + task.description.timeout;
    deadlines_.emplace(task.deadline, &task);
  }
}

void Agent::Impl::ReapChildren() {
  int status;
  for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
    if (pool_manager_->IsPoolProcess(pid)) {
      ::kill(-pid, SIGKILL);
      pool_manager_->OnExit(status);
      continue;
    }
    if (AgentTask* task = executor_->TakeExited(pid)) OnExit(*task, status);
  }
}

void Agent::Impl::OnExit(AgentTask& task, int status) {
  const double now = Now();
  if (task.deadline > 0) deadlines_.erase({task.deadline, &task});
  task.deadline = 0;
  task.pid = -1;
  scheduler_->Release(*task.placement);
  task.placement.reset();
  int exit_code = 0;
  std::string outcome = DescribeWaitStatus(status, &exit_code);
  profiler_->Record(now, "exec_stop", task.description.uid, "", outcome);
  profiler_->Record(now, "unschedule", task.description.uid);

  switch (task.stop) {
    case StopReason::kCancel:
      return Finish(task, TaskState::kCanceled, exit_code, "canceled while running");
    case StopReason::kShutdown:
      return Finish(task, TaskState::kCanceled, exit_code, final_reason_);
    case StopReason::kTimeout:
      outcome =
          "timed out after " + fmt::format("{:g}", task.description.timeout) + " s (process group killed)";
      break;
    case StopReason::kNone:
      if (exit_code == 0) outcome.clear();
      break;
  }
  Conclude(task, exit_code, outcome);
}

void Agent::Impl::Conclude(AgentTask& task, std::optional<int> exit_code, const std::string& failure) {
  if (failure.empty()) {
    Advance(task, TaskState::kAgentStagingOutput);
    for (const auto& directive : task.description.output_staging) {
      auto staged = Stage(directive, task.sandbox, "/");
      if (!staged.ok()) return Finish(task, TaskState::kFailed, exit_code, staged.message());
    }
    return Finish(task, TaskState::kDone, exit_code, {});
  }
  if (task.attempt <= task.description.retries) {  // try again: back into its queue
    Advance(task, TaskState::kAgentScheduling, exit_code,
            "attempt " + std::to_string(task.attempt) + " failed: " + failure);
    if (task.is_function()) {
      pool_manager_->Enqueue(task);
    } else {
      waiting_.insert(&task);
    }
    return;
  }
  Advance(task, TaskState::kAgentStagingOutput);
  Finish(task, TaskState::kFailed, exit_code, failure);
}

void Agent::Impl::Signal(AgentTask& task, int signal) {
  if (task.pid <= 0) return;
  executor_->Signal(task, signal);
  if (task.deadline > 0) deadlines_.erase({task.deadline, &task});
  task.deadline = 0;
  if (signal == SIGKILL) {
    task.killed = true;
  } else {
    task.deadline = Now() + kKillGrace;
    deadlines_.emplace(task.deadline, &task);
  }
}

void Agent::Impl::CheckDeadlines() {
  const double now = Now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    AgentTask& task = *deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    task.deadline = 0;
    if (task.is_function()) {
      pool_manager_->OnTimeout(task);
      continue;
    }
    if (task.stop == StopReason::kNone) {
      task.stop = StopReason::kTimeout;
      profiler_->Record(now, "timeout", task.description.uid);
      Signal(task, SIGTERM);
    } else {
      Signal(task, SIGKILL);  // it ignored SIGTERM for the whole grace period
    }
  }
  pool_manager_->CheckDeadline(now);
}

void Agent::Impl::OnCancel(const nlohmann::json& uids) {
  for (const auto& json : uids) {
    auto found = tasks_.find(json.get<std::string>());
    if (found == tasks_.end()) continue;
    AgentTask& task = *found->second;
    if (pilot::IsFinal(task.state)) continue;
    if (waiting_.erase(&task)) {
      Finish(task, TaskState::kCanceled, {}, "canceled before it ran");
    } else if (pool_manager_->Cancel(task)) {
      // it was a function task, waiting or in the pool: canceled there
    } else if (task.pid > 0 && task.stop != StopReason::kCancel) {
      task.stop = StopReason::kCancel;
      profiler_->Record(Now(), "cancel", task.description.uid);
      Signal(task, SIGTERM);
    }
  }
}

void Agent::Impl::Shutdown(TaskState task_state, const std::string& reason) {
  if (stopping_) return;
  stopping_ = true;
  final_reason_ = reason;
  spdlog::info("agent {}: shutting down: {}", config_.pilot_uid, reason);
  for (AgentTask* task : waiting_) Finish(*task, task_state, {}, reason);
  waiting_.clear();
  pool_manager_->Shutdown(task_state, reason);
  executor_->KillRunning([this](AgentTask& task, int status) {
    task.stop = StopReason::kShutdown;
    OnExit(task, status);
  });
  // Nothing a task started outlives the pilot (the pool has been stopped above).
  executor_->KillAllDescendants(config_.pilot_uid);
}

void Agent::Impl::SetDeadline(AgentTask& task, double when) {
  task.deadline = when;
  deadlines_.emplace(when, &task);
}

void Agent::Impl::ClearDeadline(AgentTask& task) {
  if (task.deadline > 0) deadlines_.erase({task.deadline, &task});
  task.deadline = 0;
}

void Agent::Impl::SendTo(const std::string& routing_id, const std::string& bytes) {
  socket_->send(zmq::buffer(routing_id), zmq::send_flags::sndmore);
  socket_->send(zmq::buffer(bytes), zmq::send_flags::none);
}

void Agent::Impl::Flush() {
  if (updates_.empty() || clients_.empty()) return;
  auto message = pilot::protocol::Message(pilot::protocol::kStates);
  message["updates"] = std::move(updates_);
  updates_ = nlohmann::json::array();
  const std::string bytes = message.dump();
  for (const auto& client : clients_) {
    socket_->send(zmq::buffer(client), zmq::send_flags::sndmore);
    socket_->send(zmq::buffer(bytes), zmq::send_flags::none);
  }
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

Result<std::unique_ptr<Agent>> Agent::Start(const pilot::AgentConfig& config, int notify_fd) {
  auto impl = std::make_unique<Impl>();
  DEEPRC_RETURN_NOT_OK(impl->Init(config, notify_fd));
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Status Agent::Run() { return impl_->Run(); }

}  // namespace deeprc::agent
