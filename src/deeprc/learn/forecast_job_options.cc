#include "deeprc/learn/forecast_job_options.h"

#include <cmath>

namespace deeprc::learn {
namespace {

Status AtLeast(const char* name, const std::optional<int64_t>& value, int64_t minimum) {
  if (!value || *value >= minimum) return Status::OK();
  return Status::Invalid(name, " must be a whole number >= ", minimum, ", got ", *value);
}

}  // namespace

Status ValidateForecastJob(const ForecastJobOptions& options) {
  if (options.model.empty()) return Status::Invalid("model: no model named");
  DEEPRC_RETURN_NOT_OK(AtLeast("horizon", options.horizon, 1));
  DEEPRC_RETURN_NOT_OK(AtLeast("input_size", options.input_size, 1));
  DEEPRC_RETURN_NOT_OK(AtLeast("max_steps", options.max_steps, 1));
  DEEPRC_RETURN_NOT_OK(AtLeast("batch_size", options.batch_size, 1));
  DEEPRC_RETURN_NOT_OK(AtLeast("val_check_steps", options.val_check_steps, 1));
  if (options.early_stop_patience) {
    DEEPRC_RETURN_NOT_OK(AtLeast("early_stop", *options.early_stop_patience, 1));
  }
  DEEPRC_RETURN_NOT_OK(AtLeast("loader_workers", options.loader_workers, 0));
  // NaN fails every comparison, so each range is written as what a valid value satisfies.
  if (options.learning_rate && !(std::isfinite(*options.learning_rate) && *options.learning_rate > 0)) {
    return Status::Invalid("learning_rate must be a finite number > 0, got ", *options.learning_rate);
  }
  if (!(std::isfinite(options.gradient_clip_norm) && options.gradient_clip_norm >= 0)) {
    return Status::Invalid("gradient_clip_norm must be a finite number >= 0 (0: no clipping), got ",
                           options.gradient_clip_norm);
  }
  if (options.overwrite && options.out_dir.empty()) {
    return Status::Invalid("overwrite needs an output folder");
  }
  return Status::OK();
}

}  // namespace deeprc::learn
