// The master shared by the raptor tests: rank 0 of the test job; the other ranks are its workers.
#pragma once

#include "../unit/test_util.h"

#include "deeprc/agent/raptor/master.h"

namespace deeprc::raptor {
Master& TestMaster();
}  // namespace deeprc::raptor
