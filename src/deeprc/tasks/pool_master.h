// The master of a pilot's function pool, serving the agent that started it (agent/function_pool):
// it connects to the agent's socket like a client, with the session's keys, takes the function
// tasks the agent feeds it and sends each result back as it finishes.
#pragma once

#include <sys/types.h>

#include <string>

#include "deeprc/agent/raptor/master.h"
#include "deeprc/core/status.h"
#include "deeprc/pilot/session_keys.h"

namespace deeprc::tasks {

struct AgentAddress {
  std::string endpoint;
  pilot::SessionKeys keys;
  // The agent's process, watched while the master runs on the agent's host: a pool outlives no
  // agent. Elsewhere the end of the batch job ends the pool.
  pid_t pid = 0;
  std::string host;
};

// Returns when the agent says stop or is gone; the caller then stops the workers.
Status ServeAgent(raptor::Master& master, const AgentAddress& agent);

}  // namespace deeprc::tasks
