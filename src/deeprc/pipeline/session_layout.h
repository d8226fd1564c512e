// Where a pipeline session keeps what it makes: the spec copy, generated data, the tables passed
// between stages (Arrow IPC), model outputs, stage states, the runtime's folders and the report.
#pragma once

#include <filesystem>
#include <string>

#include "deeprc/pipeline/spec.h"

namespace deeprc::pipeline {

struct SessionLayout {
  std::filesystem::path root;

  std::filesystem::path SpecCopy() const { return root / "pipeline.yaml"; }
  // How the session was started: the spec's origin and folder, the overrides, the runs so far.
  std::filesystem::path SessionFile() const { return root / "session.json"; }
  std::filesystem::path DataFile(const std::string& source) const {
    return root / "data" / (source + ".csv");
  }
  std::filesystem::path TableFile(const std::string& stage) const {
    return root / "tables" / (stage + ".arrow");
  }
  std::filesystem::path StageDir(const std::string& stage) const { return root / "stages" / stage; }
  std::filesystem::path ModelDir(const std::string& stage, const std::string& model) const {
    return StageDir(stage) / model;
  }
  std::filesystem::path StageStateFile(const std::string& stage) const {
    return StageDir(stage) / "stage.json";
  }
  std::filesystem::path ReportDir() const { return root / "report"; }
  // The pilot runtime's session folder of the n-th run (0 first, then one per --resume).
  std::filesystem::path RunDir(int run) const { return root / "runtime" / ("run." + std::to_string(run)); }
};

// The file a table name stands for: a data source's file (or the file generated in its place),
// or a table stage's output.
std::string TablePath(const PipelineSpec& spec, const SessionLayout& layout, const std::string& table);

}  // namespace deeprc::pipeline
