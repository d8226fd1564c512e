// JSON files: read whole into nlohmann::json with errors that name the file and where the text
// went wrong, and written atomically (core/atomic_file), so a reader never sees half a document.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "deeprc/core/status.h"

namespace deeprc {

// The JSON document in `path`. Errors: "cannot open '<path>': <why>" and
// "'<path>' is not valid JSON: <what, at which byte>".
Result<nlohmann::json> ReadJsonFile(const std::string& path);

// `value` as the whole content of `path` (indented by `indent` spaces, one trailing newline),
// written atomically. The folder must exist. An indent of -1 writes it on one line.
Status WriteJsonFile(const std::string& path, const nlohmann::json& value, int indent = 2);

}  // namespace deeprc
