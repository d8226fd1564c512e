// deeprc_loader_bench: windows per second and peak memory of the data bridge's WindowLoader over a
// long table of series (the .npy matrix bench/loader/run.py writes), one JSON line per run.
//
// The table is built over the file's bytes read once into an Arrow buffer (an int32 id column
// beside it), so the loader's windows are the same ones torch_loader.py cuts from torch.from_numpy
// over the same file. Throughput is steady state: the clock starts when the first batch arrives,
// as in torch_loader.py, so that neither side is charged for starting its workers.
#include <arrow/api.h>
#include <arrow/io/file.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "../process_memory.h"
#include "deeprc/bridge/column_tensor.h"
#include "deeprc/bridge/distributed_sampler.h"
#include "deeprc/bridge/window_dataset.h"
#include "deeprc/bridge/window_loader.h"

namespace {

using deeprc::Result;
using deeprc::Status;
namespace bridge = deeprc::bridge;

using deeprc::bench::Memory;
using deeprc::bench::ReadMemory;

// A float32 C-order matrix [series, rows] from a .npy file (format 1.0-3.0), as a long table:
// id (int32, the series) and y (float32, the matrix's bytes as they are: a view of the buffer).
Result<std::shared_ptr<arrow::Table>> ReadNpyAsLongTable(const std::string& path, int64_t* num_series) {
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path));
  ARROW_ASSIGN_OR_RAISE(auto preamble, file->Read(12));
  if (preamble->size() < 10 ||
      std::string(reinterpret_cast<const char*>(preamble->data()) + 1, 5) != "NUMPY") {
    return Status::Invalid(path, ": not a .npy file");
  }
  const int major = preamble->data()[6];
  const int64_t header_len = major == 1 ? (preamble->data()[8] | preamble->data()[9] << 8)
                                        : (preamble->data()[8] | preamble->data()[9] << 8 |
                                           preamble->data()[10] << 16 | int64_t{preamble->data()[11]} << 24);
  const int64_t data_offset = (major == 1 ? 10 : 12) + header_len;
  ARROW_ASSIGN_OR_RAISE(auto header, file->ReadAt(major == 1 ? 10 : 12, header_len));
  const std::string text = header->ToString();
  std::smatch shape;
  if (text.find("'<f4'") == std::string::npos || text.find("'fortran_order': False") == std::string::npos ||
      !std::regex_search(text, shape, std::regex(R"('shape': \((\d+), (\d+)\))"))) {
    return Status::Invalid(path, ": expected a C-order float32 matrix, header ", text);
  }
  *num_series = std::stoll(shape[1]);
  const int64_t rows_per_series = std::stoll(shape[2]);
  const int64_t rows = *num_series * rows_per_series;
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> values, file->ReadAt(data_offset, rows * 4));
  if (values->size() != rows * 4) return Status::Invalid(path, ": truncated");

  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> ids, arrow::AllocateBuffer(rows * 4));
  auto* id = reinterpret_cast<int32_t*>(ids->mutable_data());
  for (int64_t r = 0; r < rows; ++r) id[r] = static_cast<int32_t>(r / rows_per_series);
  return arrow::Table::Make(
      arrow::schema({arrow::field("id", arrow::int32()), arrow::field("y", arrow::float32())}),
      {std::make_shared<arrow::Int32Array>(rows, ids), std::make_shared<arrow::FloatArray>(rows, values)});
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deeprc_loader_bench: WindowLoader windows/s and peak RSS over a long table (.npy)"};
  std::string data;
  int64_t input_size = 96, horizon = 96, batch_size = 1024, max_batches = 0;
  int workers = 2, prefetch = 2, repeat = 3;
  app.add_option("--data", data, "float32 C-order .npy matrix [series, rows]")->required();
  app.add_option("--input-size", input_size);
  app.add_option("--horizon", horizon);
  app.add_option("--batch", batch_size);
  app.add_option("--workers", workers, "collating threads; 0 collates on the consumer's thread");
  app.add_option("--prefetch", prefetch, "batches ahead per worker");
  app.add_option("--max-batches", max_batches, "batches per pass; 0 = a whole epoch");
  app.add_option("--repeat", repeat, "passes (each a new epoch); the best counts");
  CLI11_PARSE(app, argc, argv);

  const Memory before = ReadMemory();
  int64_t num_series = 0;
  auto table = ReadNpyAsLongTable(data, &num_series);
  if (!table.ok()) {
    std::cerr << table.status().ToString() << "\n";
    return 1;
  }
  const int64_t table_bytes = (*table)->num_rows() * 8;
  bridge::WindowSpec spec;
  spec.target_columns = {"y"};
  spec.id_column = "id";
  spec.input_size = input_size;
  spec.horizon = horizon;
  bridge::CopyCounter counter;
  auto dataset = bridge::WindowDataset::Make(*table, spec, &counter);
  auto sampler = dataset.ok()
                     ? bridge::DistributedSampler::Make((*dataset)->size(), {.shuffle = true, .seed = 0})
                     : Result<bridge::DistributedSampler>(dataset.status());
  if (!sampler.ok()) {
    std::cerr << sampler.status().ToString() << "\n";
    return 1;
  }
  table->reset();  // the dataset keeps what it uses

  bridge::WindowLoader loader(*dataset, *sampler,
                              {.batch_size = batch_size, .num_workers = workers, .prefetch = prefetch});
  std::vector<double> rates;
  int64_t windows_per_pass = 0;
  double checksum = 0;
  for (int pass = 0; pass < repeat; ++pass) {
    loader.StartEpoch(pass);
    int64_t windows = 0, batches = 0;
    std::chrono::steady_clock::time_point start;
    while (auto batch = loader.Next()) {
      if (batches == 0) {
        start = std::chrono::steady_clock::now();  // steady state: from the first batch on
      } else {
        windows += batch->size();
      }
      checksum += batch->outsample.data_ptr<float>()[0];  // the consumer touches every batch
      if (++batches == max_batches) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!loader.status().ok()) {
      std::cerr << loader.status().ToString() << "\n";
      return 1;
    }
    rates.push_back(static_cast<double>(windows) / seconds);
    windows_per_pass = windows;
  }
  const Memory after = ReadMemory();
  nlohmann::json out = {{"system", "deeprc"},
                        {"workers", workers},
                        {"prefetch", prefetch},
                        {"batch_size", batch_size},
                        {"input_size", input_size},
                        {"horizon", horizon},
                        {"series", num_series},
                        {"dataset_windows", (*dataset)->size()},
                        {"windows_timed", windows_per_pass},
                        {"windows_per_s", rates},
                        {"best_windows_per_s", *std::max_element(rates.begin(), rates.end())},
                        {"table_bytes", table_bytes},
                        {"columns_shared", counter.columns_shared.load()},
                        {"columns_copied", counter.columns_copied.load()},
                        {"rss_baseline_bytes", before.rss_bytes},
                        {"peak_rss_bytes", after.hwm_bytes},
                        {"checksum", checksum}};
  std::cout << out.dump() << std::endl;
  return 0;
}
