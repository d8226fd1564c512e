#include "deeprc/core/json_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "deeprc/core/atomic_file.h"

namespace deeprc {

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot open '", path, "': ", std::strerror(errno));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& error) {
    // what() reads "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    return Status::Invalid("'", path, "' is not valid JSON: ", error.what());
  }
}

Status WriteJsonFile(const std::string& path, const nlohmann::json& value, int indent) {
  return WriteTextFileAtomically(path, value.dump(indent) + "\n");
}

}  // namespace deeprc
