// One verdict for all ranks: a step that can fail on some ranks only (reading a file, casting a
// column) must end the same way everywhere, or the ranks that succeeded wait for the others.
#pragma once

#include "deeprc/net/communicator.h"

namespace deeprc::dist {

// OK on every rank when `mine` is OK on every rank. Otherwise every rank returns an error: a rank
// that failed its own, the others the first failing rank's (same code, message prefixed
// "rank R: "). A collective: every rank must call it.
Status AgreeOnStatus(net::Communicator& comm, const Status& mine);

}  // namespace deeprc::dist
