// Arrow's compute module must be initialized once per process (Arrow >= 21) before any kernel
// or Acero plan runs; every operator of this layer calls this, so callers never have to.
#pragma once

#include "deeprc/core/status.h"

namespace deeprc::table {

Status EnsureComputeInitialized();

}  // namespace deeprc::table
