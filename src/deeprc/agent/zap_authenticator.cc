#include "deeprc/agent/zap_authenticator.h"

#include <vector>

#include "deeprc/core/logging.h"

namespace deeprc::agent {

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::Create(zmq::context_t& context,
                                                                   const std::string& client_public_z85) {
  uint8_t key[32];
  if (client_public_z85.size() != 40 || zmq_z85_decode(key, client_public_z85.c_str()) == nullptr) {
    return Status::Invalid("malformed client public key in the session secret");
  }
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.bind("inproc://zeromq.zap.01");
    return std::unique_ptr<ZapAuthenticator>(
        new ZapAuthenticator(std::move(socket), std::string(reinterpret_cast<char*>(key), sizeof(key))));
  } catch (const zmq::error_t& error) {
    return Status::IOError("cannot bind the ZAP handler: ", error.what());
  }
}

void ZapAuthenticator::HandleRequest() {
  // Request: version, request id, domain, address, routing id, mechanism, credentials...
  std::vector<zmq::message_t> frames;
  for (bool more = true; more;) {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return;
    more = frame.more();
    frames.push_back(std::move(frame));
  }
  if (frames.size() < 6) return;
  const std::string request_id = frames[1].to_string();
  const std::string address = frames[3].to_string();
  const bool allowed = frames[5].to_string_view() == "CURVE" && frames.size() >= 7 &&
                       frames[6].to_string_view() == client_key_;
  if (!allowed) {
    ++denied_;
    spdlog::warn("agent: refused a connection from {} ({} mechanism, unknown key)", address,
                 frames[5].to_string_view());
  }
  const std::string replies[] = {"1.0", request_id, allowed ? "200" : "400", allowed ? "OK" : "unknown key",
                                 "",    ""};
  for (size_t i = 0; i < 6; ++i) {
    socket_.send(zmq::buffer(replies[i]), i < 5 ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace deeprc::agent
