// The secret of a session: CURVE key pairs for the agent (server) and the client, kept in a file
// of mode 0600 in the session folder. Whoever cannot read that file cannot talk to the agent.
#pragma once

#include <string>

#include "deeprc/core/status.h"

namespace deeprc::pilot {

// Z85-encoded (40 characters) CURVE keys.
struct SessionKeys {
  std::string server_public, server_secret;
  std::string client_public, client_secret;

  static Result<SessionKeys> Generate();
  // Writes a new file with mode 0600; an existing file is an error (a secret is never overwritten).
  Status Write(const std::string& path) const;
  // Refuses a file that group or others may read: a leaked secret is no secret.
  static Result<SessionKeys> Read(const std::string& path);
};

}  // namespace deeprc::pilot
