// "key=value" settings (a model's hyperparameters from `deeprc train --set` or a pipeline spec)
// into a JSON object: each value is read as JSON (numbers, lists, booleans) and kept as a string
// when it is not JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc {

// Adds each setting to `*object`; a setting without "=" or with an empty key is an error naming
// it, after `what` ("--set").
Status ParseKeyValues(const std::vector<std::string>& settings, const std::string& what, nlohmann::json* object);

}  // namespace deeprc
