#include "deeprc/core/key_values.h"

namespace deeprc {

Status ParseKeyValues(const std::vector<std::string>& settings, const std::string& what, nlohmann::json* object) {
  for (const std::string& setting : settings) {
    const auto equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Status::Invalid(what, " expects key=value, got '", setting, "'");
    }
    const std::string value = setting.substr(equals + 1);
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    (*object)[setting.substr(0, equals)] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return Status::OK();
}

}  // namespace deeprc
