// Fuzzes what the agent decodes from the bytes a peer sends on its socket: the message itself,
// the task descriptions of a "submit", the results of a pool's "pool_results", and (on the
// client side) the updates of "states". The agent catches nlohmann's type errors around its
// handler and goes on serving, so those are allowed here; any other throw or a crash is not.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deeprc/agent/raptor/messages.h"
#include "deeprc/pilot/protocol.h"
#include "deeprc/pilot/task_description.h"

namespace {

void Decode(const nlohmann::json& message) {
  namespace protocol = deeprc::pilot::protocol;
  const std::string type = message["type"].get<std::string>();
  auto each = [&](const char* key, auto decode) {
    if (!message.contains(key)) return;
    for (const auto& item : message[key]) (void)decode(item);
  };
  if (type == protocol::kSubmit) each("tasks", deeprc::pilot::TaskDescriptionFromJson);
  if (type == protocol::kStates) each("updates", protocol::TaskUpdateFromJson);
  if (type == protocol::kPoolResults) each("results", deeprc::raptor::FunctionResultFromJson);
  if (type == protocol::kPoolTasks) each("tasks", deeprc::raptor::FunctionTaskFromJson);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto message = deeprc::pilot::protocol::ParseMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!message.ok()) return 0;
  try {
    Decode(*message);
  } catch (const nlohmann::json::exception&) {
    // Agent::Impl::OnMessage logs these and serves on.
  }
  return 0;
}
