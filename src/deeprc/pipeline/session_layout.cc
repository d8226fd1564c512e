#include "deeprc/pipeline/session_layout.h"

namespace deeprc::pipeline {

std::string TablePath(const PipelineSpec& spec, const SessionLayout& layout, const std::string& table) {
  if (const DataSource* source = spec.FindSource(table)) {
    return source->missing ? layout.DataFile(source->name).string() : source->path;
  }
  return layout.TableFile(table).string();
}

}  // namespace deeprc::pipeline
