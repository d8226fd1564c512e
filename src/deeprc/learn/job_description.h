// The description of a training job (model, shape, training settings, ranks, a checksum of the
// data) that is stored beside its checkpoint as job.json: a run resumes only the checkpoint of
// the same job, so a reused output folder never mixes two runs' settings.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "deeprc/core/status.h"
#include "deeprc/learn/data/ett.h"

namespace deeprc::learn {

// The data's part of a description: the series, their length and the splits, and a checksum of
// the values as training sees them (after scaling, so the scaler is part of it). The file's name
// is not: the same data moved or copied elsewhere is the same job.
nlohmann::json DescribeData(const SeriesTable& data);

// Where the description lives in a checkpoint folder.
std::filesystem::path JobDescriptionPath(const std::filesystem::path& checkpoint_dir);

// Stores `job` in `checkpoint_dir` (atomically).
Status WriteJobDescription(const std::filesystem::path& checkpoint_dir, const nlohmann::json& job);

// The description stored in `checkpoint_dir`; an error names the file when it is missing or no
// JSON object.
Result<nlohmann::json> ReadJobDescription(const std::filesystem::path& checkpoint_dir);

// OK when `checkpoint_dir` describes the same job as `job`; otherwise an error that names each
// setting that differs, as stored and as asked now, and how to start over.
Status CheckSameJob(const std::filesystem::path& checkpoint_dir, const nlohmann::json& job);

}  // namespace deeprc::learn
