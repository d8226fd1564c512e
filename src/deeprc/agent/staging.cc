#include "deeprc/agent/staging.h"

#include <filesystem>

namespace deeprc::agent {

namespace fs = std::filesystem;

Status Stage(const pilot::StagingDirective& directive, const std::string& source_base,
             const std::string& target_base) {
  const fs::path source = fs::path(source_base) / directive.source;  // an absolute source wins
  const fs::path target = fs::path(target_base) / directive.target;
  std::error_code error;
  if (!fs::exists(source, error)) {
    return Status::IOError("staging: '", source.string(), "' does not exist");
  }
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), error);
  switch (directive.action) {
    case pilot::StagingAction::kCopy:
      fs::copy(source, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
      break;
    case pilot::StagingAction::kLink:
      fs::remove(target, error);
      fs::create_symlink(fs::absolute(source), target, error);
      break;
    case pilot::StagingAction::kMove:
      fs::rename(source, target, error);
      if (error == std::errc::cross_device_link) {  // another file system: copy, then remove
        error.clear();
        fs::copy(source, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
        if (!error) fs::remove_all(source, error);
      }
      break;
  }
  if (error) {
    return Status::IOError("staging: cannot ", pilot::ToString(directive.action), " '", source.string(),
                           "' to '", target.string(), "': ", error.message());
  }
  return Status::OK();
}

}  // namespace deeprc::agent
