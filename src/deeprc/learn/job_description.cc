#include "deeprc/learn/job_description.h"

#include <arrow/api.h>
#include <fmt/format.h>

#include <fstream>
#include <set>

#include "deeprc/core/json_file.h"

namespace deeprc::learn {
namespace {

// FNV-1a: stable across builds and machines, so an upgraded deeprc still resumes its checkpoints.
uint64_t Checksum(const uint8_t* bytes, int64_t size, uint64_t hash) {
  for (int64_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
  return hash;
}

std::string Shown(const nlohmann::json& value) { return value.is_null() ? "(unset)" : value.dump(); }

}  // namespace

nlohmann::json DescribeData(const SeriesTable& data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  if (data.table != nullptr) {
    for (const char* name : {"ds", "y"}) {
      const auto column = data.table->GetColumnByName(name);
      if (column == nullptr) continue;
      for (const auto& chunk : column->chunks()) {
        const auto& values = chunk->data()->buffers[1];
        const int64_t width = chunk->type()->byte_width();
        if (values == nullptr || width <= 0) continue;
        hash = Checksum(values->data() + chunk->offset() * width, chunk->length() * width, hash);
      }
    }
  }
  return {{"series", data.series},
          {"rows_per_series", data.series_length},
          {"splits", {data.splits.train_end, data.splits.val_end, data.splits.test_end}},
          {"checksum", fmt::format("{:016x}", hash)}};
}

std::filesystem::path JobDescriptionPath(const std::filesystem::path& checkpoint_dir) {
  return checkpoint_dir / "job.json";
}

Status WriteJobDescription(const std::filesystem::path& checkpoint_dir, const nlohmann::json& job) {
  std::error_code error;
  std::filesystem::create_directories(checkpoint_dir, error);
  if (error) return Status::IOError("cannot create '", checkpoint_dir.string(), "': ", error.message());
  return WriteJsonFile(JobDescriptionPath(checkpoint_dir).string(), job);
}

Result<nlohmann::json> ReadJobDescription(const std::filesystem::path& checkpoint_dir) {
  const std::string path = JobDescriptionPath(checkpoint_dir).string();
  auto job = ReadJsonFile(path);
  if (job.status().IsIOError()) {
    return Status::Invalid(checkpoint_dir.string(), " is no checkpoint of a training job (",
                           job.status().message(), ")");
  }
  if (!job.ok() || !job->is_object()) {
    return Status::Invalid(path, ": not a job description (not a JSON object)");
  }
  return job;
}

Status CheckSameJob(const std::filesystem::path& checkpoint_dir, const nlohmann::json& job) {
  const std::string path = JobDescriptionPath(checkpoint_dir).string();
  const std::string start_over =
      ". Train into another output folder, or overwrite this one to start over (deeprc train --overwrite)";
  const auto read = ReadJsonFile(path);
  if (read.status().IsIOError()) {
    return Status::Invalid(checkpoint_dir.string(), " holds a checkpoint without the description of its job (",
                           read.status().message(), "), so it cannot be resumed safely", start_over);
  }
  if (!read.ok() || !read->is_object()) {
    return Status::Invalid(path, ": not a job description (not a JSON object)", start_over);
  }
  std::set<std::string> keys;
  const nlohmann::json& stored = *read;
  for (const auto& [key, value] : stored.items()) keys.insert(key);
  for (const auto& [key, value] : job.items()) keys.insert(key);
  std::string differences;
  for (const auto& key : keys) {
    const nlohmann::json before = stored.value(key, nlohmann::json());
    const nlohmann::json now = job.value(key, nlohmann::json());
    if (before == now) continue;
    differences += fmt::format("\n  {}: {} there, {} now", key, Shown(before), Shown(now));
  }
  if (differences.empty()) return Status::OK();
  return Status::Invalid(checkpoint_dir.string(), " holds the checkpoint of another training job; its settings differ:",
                         differences, "\n", start_over.substr(2));
}

}  // namespace deeprc::learn
