// The client's end of the connection to one agent: a CURVE-authenticated ZeroMQ DEALER socket
// served by its own I/O thread, so callers on any thread can send and replies arrive as callbacks.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"
#include "deeprc/pilot/session_keys.h"

namespace zmq {
class context_t;
}

namespace deeprc::pilot {

class AgentChannel {
 public:
  // Runs on the I/O thread for every message from the agent; it must not block for long.
  using Handler = std::function<void(nlohmann::json message)>;

  static Result<std::unique_ptr<AgentChannel>> Connect(const std::string& endpoint, const SessionKeys& keys,
                                                       Handler handler, double heartbeat_interval = 5);
  ~AgentChannel();  // stops the I/O thread; messages not yet sent are dropped
  AgentChannel(const AgentChannel&) = delete;
  AgentChannel& operator=(const AgentChannel&) = delete;

  // Queues a message for the I/O thread and wakes it; safe from any thread.
  void Send(const nlohmann::json& message);
  // Blocks until every queued message has been handed to ZeroMQ (or `timeout` seconds passed).
  bool Drain(double timeout);

 private:
  AgentChannel() = default;
  void Run(std::string endpoint, SessionKeys keys, double heartbeat_interval);

  Handler handler_;
  std::unique_ptr<zmq::context_t> context_;
  int wake_fd_ = -1;  // eventfd: wakes the I/O thread's poll when the outbox fills or on stop
  std::mutex mutex_;
  std::condition_variable drained_;
  std::deque<std::string> outbox_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace deeprc::pilot
