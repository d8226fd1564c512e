// WindowDataset and WindowBatch::To live in one file: every file that includes LibTorch costs
// ~15 s to compile, and To is four lines.
#include "deeprc/bridge/window_dataset.h"

#include <arrow/api.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_set>

namespace deeprc::bridge {

WindowBatch WindowBatch::To(const torch::Device& device, bool non_blocking) const {
  auto move = [&](const torch::Tensor& t) {
    return t.defined() ? t.to(device, t.scalar_type(), non_blocking) : torch::Tensor();
  };
  return {move(insample),  move(outsample), move(hist_exog),
          move(futr_exog), move(series),    move(forecast_row)};
}

namespace {

// --- series from the id column ------------------------------------------------------------------

struct Series {
  std::vector<int64_t> begin;
  std::vector<std::string> ids;
};

std::string IdText(std::string_view id) { return std::string(id); }
template <typename CType>
std::string IdText(CType id) {
  return std::to_string(id);
}

// Splits rows into runs of equal ids. A run whose id was already seen means the table is not
// grouped by series: windows would silently straddle two series, so that is an error.
template <typename Id, typename GetId>
Status SplitRuns(const arrow::ChunkedArray& column, const std::string& name, GetId get_id, Series* out) {
  using Key = std::conditional_t<std::is_same_v<Id, std::string_view>, std::string, Id>;
  std::unordered_set<Key> seen;
  Id previous{};
  int64_t row = 0;
  for (const auto& chunk : column.chunks()) {
    for (int64_t i = 0; i < chunk->length(); ++i, ++row) {
      if (chunk->IsNull(i)) return Status::Invalid("id column '", name, "' is null at row ", row);
      const Id id = get_id(*chunk, i);
      if (row > 0 && id == previous) continue;
      if (!seen.insert(Key(id)).second) {
        return Status::Invalid("id column '", name, "': series '", IdText(id), "' appears again at row ", row,
                               " after series '", IdText(previous),
                               "'; a series' rows must be contiguous (sort the table by id and time first)");
      }
      out->begin.push_back(row);
      out->ids.push_back(IdText(id));
      previous = id;
    }
  }
  return Status::OK();
}

Status FindSeries(const arrow::ChunkedArray& column, const std::string& name, Series* out) {
  switch (column.type()->id()) {
    case arrow::Type::STRING:
      return SplitRuns<std::string_view>(
          column, name,
          [](const arrow::Array& a, int64_t i) {
            return static_cast<const arrow::StringArray&>(a).GetView(i);
          },
          out);
    case arrow::Type::LARGE_STRING:
      return SplitRuns<std::string_view>(
          column, name,
          [](const arrow::Array& a, int64_t i) {
            return static_cast<const arrow::LargeStringArray&>(a).GetView(i);
          },
          out);
    default:
      break;
  }
  Status status = Status::TypeError("id column '", name, "' has type ", column.type()->ToString(),
                                    ": ids must be integers or strings");
  auto integers = [&](auto tag) {
    using CType = decltype(tag);
    status = SplitRuns<CType>(
        column, name, [](const arrow::Array& a, int64_t i) { return a.data()->GetValues<CType>(1)[i]; }, out);
  };
  switch (column.type()->id()) {
    case arrow::Type::INT8:
      integers(int8_t{});
      break;
    case arrow::Type::INT16:
      integers(int16_t{});
      break;
    case arrow::Type::INT32:
      integers(int32_t{});
      break;
    case arrow::Type::INT64:
      integers(int64_t{});
      break;
    case arrow::Type::UINT8:
      integers(uint8_t{});
      break;
    case arrow::Type::UINT16:
      integers(uint16_t{});
      break;
    case arrow::Type::UINT32:
      integers(uint32_t{});
      break;
    case arrow::Type::UINT64:
      integers(uint64_t{});
      break;
    default:
      break;
  }
  return status;
}

// --- collation ----------------------------------------------------------------------------------

// Copies n values of one column into every `stride`-th float of dst: one window's rows of one
// column into its slot of a [rows, columns] block.
using CopyFn = void (*)(const void* src, int64_t n, float* dst, int64_t stride);

template <typename Src>
void CopyAsFloat(const void* src, int64_t n, float* dst, int64_t stride) {
  const Src* s = static_cast<const Src*>(src);
  if constexpr (std::is_same_v<Src, float>) {
    if (stride == 1) {
      std::memcpy(dst, s, n * sizeof(float));
      return;
    }
  }
  for (int64_t i = 0; i < n; ++i) dst[i * stride] = static_cast<float>(s[i]);
}

struct ColumnSource {
  const uint8_t* base;
  int64_t width;
  CopyFn copy;
  const void* At(int64_t row) const { return base + row * width; }
};

CopyFn CopyFor(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kInt8:
      return CopyAsFloat<int8_t>;
    case torch::kInt16:
      return CopyAsFloat<int16_t>;
    case torch::kInt32:
      return CopyAsFloat<int32_t>;
    case torch::kInt64:
      return CopyAsFloat<int64_t>;
    case torch::kUInt8:
      return CopyAsFloat<uint8_t>;
    case torch::kBool:
      return CopyAsFloat<uint8_t>;  // torch bools are bytes of 0 or 1
    case torch::kFloat32:
      return CopyAsFloat<float>;
    case torch::kFloat64:
      return CopyAsFloat<double>;
    default:
      return nullptr;  // ColumnAsTensor yields none other
  }
}

std::vector<ColumnSource> Sources(const std::vector<torch::Tensor>& columns) {
  std::vector<ColumnSource> out;
  out.reserve(columns.size());
  for (const torch::Tensor& c : columns) {
    out.push_back({static_cast<const uint8_t*>(c.data_ptr()), static_cast<int64_t>(c.element_size()),
                   CopyFor(c.scalar_type())});
  }
  return out;
}

bool PinningAvailable() {
  static const bool available = torch::cuda::is_available();
  return available;
}

// Reuses *t when it already has the shape (the caller's buffer), otherwise allocates it.
void Allocate(torch::Tensor* t, std::initializer_list<int64_t> sizes, torch::ScalarType dtype, bool pinned) {
  if (t->defined() && t->sizes().equals(sizes) && t->scalar_type() == dtype && t->is_contiguous() &&
      t->device().is_cpu() && (!pinned || t->is_pinned())) {
    return;
  }
  *t = at::empty(sizes, at::TensorOptions().dtype(dtype).pinned_memory(pinned));
}

}  // namespace

Result<std::shared_ptr<WindowDataset>> WindowDataset::Make(std::shared_ptr<arrow::Table> table,
                                                           WindowSpec spec, CopyCounter* counter) {
  if (!table) return Status::Invalid("WindowDataset: no table");
  if (spec.target_columns.empty()) return Status::Invalid("WindowDataset: no target column");
  if (spec.input_size < 1) return Status::Invalid("WindowDataset: input_size ", spec.input_size, " < 1");
  if (spec.horizon < 1) return Status::Invalid("WindowDataset: horizon ", spec.horizon, " < 1");
  if (spec.step < 1) return Status::Invalid("WindowDataset: step ", spec.step, " < 1");
  if (spec.forecast_begin < 0) {
    return Status::Invalid("WindowDataset: forecast_begin ", spec.forecast_begin, " < 0");
  }

  auto find = [&](const std::string& name, const char* role) -> Result<int> {
    const int index = table->schema()->GetFieldIndex(name);
    if (index < 0) {
      std::string names;
      for (const auto& field : table->schema()->fields())
        names += (names.empty() ? "" : ", ") + field->name();
      return Status::KeyError("WindowDataset: no ", role, " column '", name, "' (the table has ", names, ")");
    }
    return index;
  };

  std::shared_ptr<WindowDataset> dataset(new WindowDataset());
  auto load = [&](const std::vector<std::string>& names, const char* role, std::vector<torch::Tensor>* out) {
    for (const std::string& name : names) {
      DEEPRC_ASSIGN_OR_RETURN(int index, find(name, role));
      DEEPRC_ASSIGN_OR_RETURN(torch::Tensor tensor, WithContext(ColumnAsTensor(table, index, counter),
                                                                "WindowDataset: ", role, " "));
      out->push_back(std::move(tensor));
    }
    return Status::OK();
  };
  DEEPRC_RETURN_NOT_OK(load(spec.target_columns, "target", &dataset->targets_));
  DEEPRC_RETURN_NOT_OK(load(spec.hist_exog_columns, "hist_exog", &dataset->hist_exog_));
  DEEPRC_RETURN_NOT_OK(load(spec.futr_exog_columns, "futr_exog", &dataset->futr_exog_));

  Series series;
  if (spec.id_column.empty()) {
    series.begin = {0};
    series.ids = {""};
  } else {
    DEEPRC_ASSIGN_OR_RETURN(int index, find(spec.id_column, "id"));
    DEEPRC_RETURN_NOT_OK(
        WithContext(FindSeries(*table->column(index), spec.id_column, &series), "WindowDataset: "));
  }

  const int64_t rows = table->num_rows();
  const int64_t num_series = static_cast<int64_t>(series.begin.size());
  dataset->window_offset_.assign(1, 0);
  for (int64_t s = 0; s < num_series; ++s) {
    const int64_t length = (s + 1 < num_series ? series.begin[s + 1] : rows) - series.begin[s];
    const int64_t first = std::max(spec.forecast_begin, spec.input_size);
    const int64_t end = spec.forecast_end < 0 ? length : std::min(spec.forecast_end, length);
    const int64_t last = end - spec.horizon;  // the last first-forecast-row that still fits
    const int64_t windows = last >= first ? (last - first) / spec.step + 1 : 0;
    dataset->first_forecast_.push_back(first);
    dataset->window_offset_.push_back(dataset->window_offset_.back() + windows);
  }
  dataset->series_begin_ = std::move(series.begin);
  dataset->series_ids_ = std::move(series.ids);
  dataset->table_ = std::move(table);
  dataset->spec_ = std::move(spec);
  return dataset;
}

int64_t WindowDataset::size() const { return window_offset_.back(); }

WindowDataset::Location WindowDataset::Locate(int64_t window) const {
  assert(window >= 0 && window < size());
  // The series is the last one whose first window is at or before `window`.
  const auto it = std::upper_bound(window_offset_.begin(), window_offset_.end(), window);
  const int64_t s = (it - window_offset_.begin()) - 1;
  const int64_t k = window - window_offset_[s];
  return {s, series_begin_[s] + first_forecast_[s] + k * spec_.step};
}

torch::Tensor WindowDataset::TargetView(int64_t window, int target) const {
  const Location at = Locate(window);
  return targets_[target].slice(0, at.forecast_row - spec_.input_size, at.forecast_row + spec_.horizon);
}

void WindowDataset::Collate(std::span<const int64_t> windows, WindowBatch* batch, bool pin_memory) const {
  const int64_t b_size = static_cast<int64_t>(windows.size());
  const int64_t L = spec_.input_size, H = spec_.horizon;
  const int64_t T = static_cast<int64_t>(targets_.size());
  const int64_t Nh = static_cast<int64_t>(hist_exog_.size()), Nf = static_cast<int64_t>(futr_exog_.size());
  const bool pinned = pin_memory && PinningAvailable();

  Allocate(&batch->insample, {b_size, L, T}, torch::kFloat32, pinned);
  Allocate(&batch->outsample, {b_size, H, T}, torch::kFloat32, pinned);
  if (Nh > 0) {
    Allocate(&batch->hist_exog, {b_size, L, Nh}, torch::kFloat32, pinned);
  } else {
    batch->hist_exog = torch::Tensor();
  }
  if (Nf > 0) {
    Allocate(&batch->futr_exog, {b_size, L + H, Nf}, torch::kFloat32, pinned);
  } else {
    batch->futr_exog = torch::Tensor();
  }
  Allocate(&batch->series, {b_size}, torch::kInt64, pinned);
  Allocate(&batch->forecast_row, {b_size}, torch::kInt64, pinned);

  const std::vector<ColumnSource> targets = Sources(targets_), hist = Sources(hist_exog_),
                                  futr = Sources(futr_exog_);
  float* insample = batch->insample.data_ptr<float>();
  float* outsample = batch->outsample.data_ptr<float>();
  float* hist_out = Nh > 0 ? batch->hist_exog.data_ptr<float>() : nullptr;
  float* futr_out = Nf > 0 ? batch->futr_exog.data_ptr<float>() : nullptr;
  int64_t* series_out = batch->series.data_ptr<int64_t>();
  int64_t* row_out = batch->forecast_row.data_ptr<int64_t>();

  // Window by window, so each window's output block ([rows, columns], a few KB) stays in cache
  // while its columns are interleaved into it; each column's run of rows is read contiguously.
  for (int64_t b = 0; b < b_size; ++b) {
    const Location at = Locate(windows[b]);
    const int64_t start = at.forecast_row - L;
    for (int64_t t = 0; t < T; ++t) {
      targets[t].copy(targets[t].At(start), L, insample + b * L * T + t, T);
      targets[t].copy(targets[t].At(at.forecast_row), H, outsample + b * H * T + t, T);
    }
    for (int64_t h = 0; h < Nh; ++h) hist[h].copy(hist[h].At(start), L, hist_out + b * L * Nh + h, Nh);
    for (int64_t f = 0; f < Nf; ++f)
      futr[f].copy(futr[f].At(start), L + H, futr_out + b * (L + H) * Nf + f, Nf);
    series_out[b] = at.series;
    row_out[b] = at.forecast_row;
  }
}

}  // namespace deeprc::bridge
