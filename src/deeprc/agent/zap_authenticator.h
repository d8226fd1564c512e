// ZeroMQ's authentication hook (ZAP) for the agent: admits exactly one CURVE client key, the one
// in the session's secret file. Any other peer, with other keys or no security at all, gets nothing.
#pragma once

#include <string>

#include <zmq.hpp>

#include "deeprc/core/status.h"

namespace deeprc::agent {

class ZapAuthenticator {
 public:
  // Binds the ZAP endpoint of `context`; must exist before any CURVE server socket binds.
  static Result<std::unique_ptr<ZapAuthenticator>> Create(zmq::context_t& context,
                                                          const std::string& client_public_z85);

  zmq::socket_t& socket() { return socket_; }
  // Answers one pending request (call when the socket is readable).
  void HandleRequest();
  int denied() const { return denied_; }

 private:
  ZapAuthenticator(zmq::socket_t socket, std::string client_key)
      : socket_(std::move(socket)), client_key_(std::move(client_key)) {}
  zmq::socket_t socket_;
  std::string client_key_;  // 32 raw bytes
  int denied_ = 0;
};

}  // namespace deeprc::agent
