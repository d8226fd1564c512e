// Logging for every layer: spdlog behind a few functions, so the level and sink are set once
// (by the CLI or a test) and libraries never print to stdout on their own.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace deeprc {

// Sets the process-wide level from a name ("trace", "debug", "info", "warn", "error", "off");
// an unknown name leaves the level unchanged and returns false.
bool SetLogLevel(std::string_view level);

}  // namespace deeprc
