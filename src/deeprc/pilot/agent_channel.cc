#include "deeprc/pilot/agent_channel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <zmq.hpp>

#include "deeprc/core/logging.h"
#include "deeprc/pilot/protocol.h"

namespace deeprc::pilot {

Result<std::unique_ptr<AgentChannel>> AgentChannel::Connect(const std::string& endpoint,
                                                            const SessionKeys& keys, Handler handler,
                                                            double heartbeat_interval) {
  std::unique_ptr<AgentChannel> channel(new AgentChannel());
  channel->handler_ = std::move(handler);
  channel->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (channel->wake_fd_ < 0) return Status::IOError("eventfd: ", std::strerror(errno));
  channel->context_ = std::make_unique<zmq::context_t>(1);
  channel->thread_ = std::thread(&AgentChannel::Run, channel.get(), endpoint, keys, heartbeat_interval);
  return channel;
}

AgentChannel::~AgentChannel() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void AgentChannel::Send(const nlohmann::json& message) {
  std::string bytes = message.dump();
  {
    std::lock_guard lock(mutex_);
    outbox_.push_back(std::move(bytes));
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
}

bool AgentChannel::Drain(double timeout) {
  std::unique_lock lock(mutex_);
  return drained_.wait_for(lock, std::chrono::duration<double>(timeout), [this] { return outbox_.empty(); });
}

void AgentChannel::Run(std::string endpoint, SessionKeys keys, double heartbeat_interval) {
  // ZeroMQ errors end the thread quietly after logging: the pilot notices the silence.
  try {
    zmq::socket_t socket(*context_, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
    socket.set(zmq::sockopt::curve_publickey, keys.client_public);
    socket.set(zmq::sockopt::curve_secretkey, keys.client_secret);
    socket.set(zmq::sockopt::linger, 1000);
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.connect(endpoint);

    auto last_sent = std::chrono::steady_clock::now();
    const auto heartbeat = std::chrono::duration<double>(heartbeat_interval);
    for (;;) {
      std::deque<std::string> batch;
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        batch.swap(outbox_);
      }
      for (auto& bytes : batch) socket.send(zmq::buffer(bytes), zmq::send_flags::none);
      if (!batch.empty()) {
        last_sent = std::chrono::steady_clock::now();
        drained_.notify_all();
      }

      zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
      auto wait = heartbeat - (std::chrono::steady_clock::now() - last_sent);
      zmq::poll(items, 2,
                std::chrono::milliseconds(std::max<int64_t>(
                    0, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count())));
      if (items[1].revents & ZMQ_POLLIN) {
        uint64_t count;
        (void)!::read(wake_fd_, &count, sizeof(count));
      }
      if (std::chrono::steady_clock::now() - last_sent >= heartbeat) {
        socket.send(zmq::buffer(protocol::Message(protocol::kHeartbeat).dump()), zmq::send_flags::none);
        last_sent = std::chrono::steady_clock::now();
      }
      zmq::message_t message;
      while (socket.recv(message, zmq::recv_flags::dontwait)) {
        auto parsed = protocol::ParseMessage(message.to_string_view());
        if (!parsed.ok()) {
          spdlog::warn("agent channel {}: {}", endpoint, parsed.status().message());
          continue;
        }
        handler_(std::move(*parsed));
      }
    }
  } catch (const zmq::error_t& error) {
    spdlog::error("agent channel {}: {}", endpoint, error.what());
  }
  std::lock_guard lock(mutex_);
  outbox_.clear();
  drained_.notify_all();
}

}  // namespace deeprc::pilot
