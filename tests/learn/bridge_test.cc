// The data bridge: zero-copy column tensors, windows against hand computations, the sampler's exact
// split across ranks, the loader's order and bounded memory over a ~1 GB table.
#include <arrow/api.h>
#include <arrow/memory_pool.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <thread>

#include "../unit/test_util.h"
#include "deeprc/bridge/column_tensor.h"
#include "deeprc/bridge/distributed_sampler.h"
#include "deeprc/bridge/window_dataset.h"
#include "deeprc/bridge/window_loader.h"
#include "deeprc/table/io/csv_io.h"

namespace deeprc::bridge {
namespace {

using deeprc::testing::MakeTable;

std::shared_ptr<arrow::Table> ArrowTable(const std::shared_ptr<arrow::Schema>& schema,
                                         const std::vector<std::string>& columns) {
  return MakeTable(schema, columns).arrow();
}

const uint8_t* ValuesAddress(const std::shared_ptr<arrow::Table>& table, int column) {
  const auto& array = table->column(column)->chunk(0);
  return array->data()->buffers[1]->data() + array->offset() * array->type()->byte_width();
}

// --- ColumnAsTensor -------------------------------------------------------------------------------

TEST(ColumnTensor, SharesTheArrowBufferAndKeepsItAlive) {
  // A pool of its own counts the bytes the table holds: they must outlive the table while the
  // tensor lives, and go with the tensor.
  arrow::ProxyMemoryPool pool(arrow::default_memory_pool());
  std::shared_ptr<arrow::Array> values;
  {
    arrow::FloatBuilder builder(&pool);
    for (int i = 0; i < 1000; ++i) ASSERT_OK(builder.Append(0.5f * i));
    ASSERT_OK(builder.Finish(&values));
  }
  auto table = arrow::Table::Make(arrow::schema({arrow::field("y", arrow::float32())}), {values});
  values.reset();
  const uint8_t* address = ValuesAddress(table, 0);

  CopyCounter counter;
  ASSERT_OK_AND_ASSIGN(torch::Tensor tensor, ColumnAsTensor(table, 0, &counter));
  EXPECT_EQ(tensor.data_ptr(), static_cast<const void*>(address));
  EXPECT_EQ(tensor.scalar_type(), torch::kFloat32);
  EXPECT_EQ(tensor.numel(), 1000);
  EXPECT_EQ(counter.columns_shared, 1);
  EXPECT_EQ(counter.columns_copied, 0);
  EXPECT_EQ(counter.bytes_copied, 0);

  const int64_t held = pool.bytes_allocated();
  table.reset();
  EXPECT_EQ(pool.bytes_allocated(), held);  // the tensor keeps the buffer
  EXPECT_EQ(tensor[999].item<float>(), 499.5f);
  EXPECT_EQ(tensor.sum().item<float>(), 0.5f * 999 * 1000 / 2);
  tensor = torch::Tensor();
  EXPECT_EQ(pool.bytes_allocated(), 0);
}

TEST(ColumnTensor, SharesEveryFixedWidthTypeAtTheArrayOffset) {
  auto schema = arrow::schema({arrow::field("i8", arrow::int8()), arrow::field("i16", arrow::int16()),
                               arrow::field("i32", arrow::int32()), arrow::field("i64", arrow::int64()),
                               arrow::field("u8", arrow::uint8()), arrow::field("f32", arrow::float32()),
                               arrow::field("f64", arrow::float64())});
  const std::string values = "[1, 2, 3, 4, 5, 6]";
  auto full = ArrowTable(schema, std::vector<std::string>(7, values));
  auto table = full->Slice(2, 3);  // an array offset of 2 rows
  const torch::ScalarType dtypes[] = {torch::kInt8,  torch::kInt16,   torch::kInt32,  torch::kInt64,
                                      torch::kUInt8, torch::kFloat32, torch::kFloat64};
  CopyCounter counter;
  for (int c = 0; c < table->num_columns(); ++c) {
    SCOPED_TRACE(schema->field(c)->name());
    ASSERT_OK_AND_ASSIGN(torch::Tensor tensor, ColumnAsTensor(table, c, &counter));
    EXPECT_EQ(tensor.data_ptr(), static_cast<const void*>(ValuesAddress(table, c)));
    EXPECT_EQ(tensor.data_ptr(),
              static_cast<const void*>(ValuesAddress(full, c) + 2 * tensor.element_size()));
    EXPECT_EQ(tensor.scalar_type(), dtypes[c]);
    EXPECT_TRUE(torch::equal(tensor.to(torch::kInt64), torch::tensor({3, 4, 5}, torch::kInt64)));
  }
  EXPECT_EQ(counter.columns_shared, 7);
  EXPECT_EQ(counter.columns_copied, 0);
}

TEST(ColumnTensor, CopiesAndCountsNullsChunksBoolAndWideUnsigned) {
  CopyCounter counter;
  // Nulls: float32 with NaN where they were.
  auto nulls = ArrowTable(arrow::schema({arrow::field("x", arrow::float64())}), {"[1.5, null, 3]"});
  ASSERT_OK_AND_ASSIGN(torch::Tensor with_nan, ColumnAsTensor(nulls, 0, &counter));
  EXPECT_EQ(with_nan.scalar_type(), torch::kFloat32);
  EXPECT_EQ(with_nan[0].item<float>(), 1.5f);
  EXPECT_TRUE(std::isnan(with_nan[1].item<float>()));
  EXPECT_EQ(with_nan[2].item<float>(), 3.0f);
  EXPECT_EQ(counter.columns_copied, 1);
  EXPECT_EQ(counter.bytes_copied, 3 * 4);

  // Two chunks (the second one sliced): one contiguous copy of the same dtype.
  auto a = arrow::json::ArrayFromJSONString(arrow::int32(), "[1, 2]").ValueOrDie();
  auto b = arrow::json::ArrayFromJSONString(arrow::int32(), "[9, 3, 4, 5]").ValueOrDie()->Slice(1);
  auto chunked = std::make_shared<arrow::ChunkedArray>(arrow::ArrayVector{a, b});
  auto two_chunks = arrow::Table::Make(arrow::schema({arrow::field("k", arrow::int32())}), {chunked});
  ASSERT_OK_AND_ASSIGN(torch::Tensor joined, ColumnAsTensor(two_chunks, 0, &counter));
  EXPECT_EQ(joined.scalar_type(), torch::kInt32);
  EXPECT_TRUE(torch::equal(joined, torch::tensor({1, 2, 3, 4, 5}, torch::kInt32)));
  EXPECT_EQ(counter.columns_copied, 2);
  EXPECT_EQ(counter.bytes_copied, 12 + 5 * 4);

  // Bool is bit-packed in Arrow: unpacked into torch bools.
  auto flags = ArrowTable(arrow::schema({arrow::field("b", arrow::boolean())}), {"[true, false, true]"});
  ASSERT_OK_AND_ASSIGN(torch::Tensor bools, ColumnAsTensor(flags, 0, &counter));
  EXPECT_EQ(bools.scalar_type(), torch::kBool);
  EXPECT_TRUE(torch::equal(bools, torch::tensor({true, false, true})));

  // uint32 has no torch dtype: int64.
  auto wide = ArrowTable(arrow::schema({arrow::field("u", arrow::uint32())}), {"[4000000000, 7]"});
  ASSERT_OK_AND_ASSIGN(torch::Tensor widened, ColumnAsTensor(wide, 0, &counter));
  EXPECT_EQ(widened.scalar_type(), torch::kInt64);
  EXPECT_EQ(widened[0].item<int64_t>(), 4000000000LL);
  EXPECT_EQ(counter.columns_copied, 4);
  EXPECT_EQ(counter.columns_shared, 0);

  auto too_wide = ArrowTable(arrow::schema({arrow::field("u", arrow::uint64())}), {"[18446744073709551615]"});
  EXPECT_FALSE(ColumnAsTensor(too_wide, 0).ok());
}

TEST(ColumnTensor, RejectsNonNumericColumnsNamingThem) {
  auto table = ArrowTable(arrow::schema({arrow::field("name", arrow::utf8()),
                                         arrow::field("when", arrow::timestamp(arrow::TimeUnit::SECOND))}),
                          {R"(["a", "b"])", "[1, 2]"});
  for (int c = 0; c < 2; ++c) {
    auto result = ColumnAsTensor(table, c);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.status().message().find("'" + table->field(c)->name() + "'"), std::string::npos)
        << result.status().ToString();
  }
  EXPECT_FALSE(ColumnAsTensor(table, 2).ok());
}

// --- WindowDataset ---------------------------------------------------------------------------------

// Two series with string ids: "A" over rows 0..9, "B" over rows 10..16. y = row, y2 = -row,
// h = 100 + row (float64), f = 200 + row (int32), so every value says which row it came from.
std::shared_ptr<arrow::Table> TwoSeries() {
  std::string ids = "[", y = "[", y2 = "[", h = "[", f = "[";
  for (int r = 0; r < 17; ++r) {
    const std::string sep = r ? ", " : "";
    ids += sep + (r < 10 ? "\"A\"" : "\"B\"");
    y += sep + std::to_string(r);
    y2 += sep + std::to_string(-r);
    h += sep + std::to_string(100 + r);
    f += sep + std::to_string(200 + r);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::utf8()), arrow::field("y", arrow::float32()),
                               arrow::field("y2", arrow::float32()), arrow::field("h", arrow::float64()),
                               arrow::field("f", arrow::int32())});
  return ArrowTable(schema, {ids + "]", y + "]", y2 + "]", h + "]", f + "]"});
}

WindowSpec TwoSeriesSpec() {
  WindowSpec spec;
  spec.target_columns = {"y", "y2"};
  spec.hist_exog_columns = {"h"};
  spec.futr_exog_columns = {"f"};
  spec.id_column = "id";
  spec.input_size = 3;
  spec.horizon = 2;
  spec.step = 2;
  return spec;
}

TEST(WindowDataset, CountsAndLocatesWindowsOfTwoStringSeries) {
  auto table = TwoSeries();
  CopyCounter counter;
  ASSERT_OK_AND_ASSIGN(auto dataset, WindowDataset::Make(table, TwoSeriesSpec(), &counter));
  EXPECT_EQ(counter.columns_shared, 4);
  EXPECT_EQ(counter.columns_copied, 0);
  ASSERT_EQ(dataset->num_series(), 2);
  EXPECT_EQ(dataset->series_id(0), "A");
  EXPECT_EQ(dataset->series_id(1), "B");
  EXPECT_EQ(dataset->series_begin_row(0), 0);
  EXPECT_EQ(dataset->series_begin_row(1), 10);
  // By hand: forecasts start at input_size = 3 (relative) and leave room for the horizon.
  // A (10 rows): first forecast rows 3, 5, 7 (7 + 2 = 9 <= 10; 9 + 2 > 10). B (7 rows): 3, 5.
  ASSERT_EQ(dataset->size(), 5);
  const std::pair<int64_t, int64_t> expected[] = {{0, 3}, {0, 5}, {0, 7}, {1, 13}, {1, 15}};
  for (int w = 0; w < 5; ++w) {
    EXPECT_EQ(dataset->Locate(w).series, expected[w].first) << w;
    EXPECT_EQ(dataset->Locate(w).forecast_row, expected[w].second) << w;
  }

  // A view into the table's memory: rows 10..14 of y for B's first window.
  torch::Tensor view = dataset->TargetView(3);
  EXPECT_TRUE(torch::equal(view, torch::tensor({10.f, 11.f, 12.f, 13.f, 14.f})));
  EXPECT_EQ(view.data_ptr(), static_cast<const void*>(ValuesAddress(table, 1) + 10 * sizeof(float)));
  EXPECT_TRUE(torch::equal(dataset->TargetView(1, 1), torch::tensor({-2.f, -3.f, -4.f, -5.f, -6.f})));

  // A forecast range: first forecast rows in [5, 9 - 2]. A: 5, 7. B (7 rows, so up to 7 - 2): 5.
  WindowSpec range = TwoSeriesSpec();
  range.forecast_begin = 5;
  range.forecast_end = 9;
  ASSERT_OK_AND_ASSIGN(auto ranged, WindowDataset::Make(table, range));
  ASSERT_EQ(ranged->size(), 3);
  EXPECT_EQ(ranged->Locate(0).forecast_row, 5);
  EXPECT_EQ(ranged->Locate(1).forecast_row, 7);
  EXPECT_EQ(ranged->Locate(2).forecast_row, 15);
  EXPECT_EQ(ranged->Locate(2).series, 1);

  // A series too short for one window counts none; the others still do.
  range.forecast_begin = 0;
  range.forecast_end = -1;
  range.input_size = 6;  // B: first forecast row 6, 6 + 2 > 7: none. A: 6, 8.
  ASSERT_OK_AND_ASSIGN(auto long_input, WindowDataset::Make(table, range));
  EXPECT_EQ(long_input->size(), 2);
  EXPECT_EQ(long_input->num_series(), 2);
}

TEST(WindowDataset, CollateMatchesHandComputedValues) {
  ASSERT_OK_AND_ASSIGN(auto dataset, WindowDataset::Make(TwoSeries(), TwoSeriesSpec()));
  const std::vector<int64_t> windows = {4, 0, 2};
  const int64_t forecast_rows[] = {15, 3, 7};
  WindowBatch batch;
  dataset->Collate(windows, &batch);
  ASSERT_EQ(batch.size(), 3);
  EXPECT_EQ(batch.insample.sizes(), (std::vector<int64_t>{3, 3, 2}));
  EXPECT_EQ(batch.outsample.sizes(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(batch.hist_exog.sizes(), (std::vector<int64_t>{3, 3, 1}));
  EXPECT_EQ(batch.futr_exog.sizes(), (std::vector<int64_t>{3, 5, 1}));
  for (const torch::Tensor* t : {&batch.insample, &batch.outsample, &batch.hist_exog, &batch.futr_exog}) {
    EXPECT_EQ(t->scalar_type(), torch::kFloat32);
    EXPECT_TRUE(t->is_contiguous());
  }
  auto in = batch.insample.accessor<float, 3>();
  auto out = batch.outsample.accessor<float, 3>();
  auto hist = batch.hist_exog.accessor<float, 3>();
  auto futr = batch.futr_exog.accessor<float, 3>();
  for (int b = 0; b < 3; ++b) {
    const int64_t fr = forecast_rows[b];
    EXPECT_EQ(batch.forecast_row[b].item<int64_t>(), fr);
    EXPECT_EQ(batch.series[b].item<int64_t>(), fr >= 10 ? 1 : 0);
    for (int i = 0; i < 3; ++i) {
      const float row = static_cast<float>(fr - 3 + i);
      EXPECT_EQ(in[b][i][0], row);
      EXPECT_EQ(in[b][i][1], -row);
      EXPECT_EQ(hist[b][i][0], 100 + row);
    }
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(out[b][i][0], static_cast<float>(fr + i));
      EXPECT_EQ(out[b][i][1], -static_cast<float>(fr + i));
    }
    for (int i = 0; i < 5; ++i) EXPECT_EQ(futr[b][i][0], static_cast<float>(200 + fr - 3 + i));
  }

  // The same shape again reuses the caller's buffers; no exogenous columns leave them undefined.
  const void* before = batch.insample.data_ptr();
  dataset->Collate(std::vector<int64_t>{1, 3, 0}, &batch);
  EXPECT_EQ(batch.insample.data_ptr(), before);
  EXPECT_EQ(batch.insample[1][0][0].item<float>(), 10.f);
  WindowSpec targets_only = TwoSeriesSpec();
  targets_only.hist_exog_columns.clear();
  targets_only.futr_exog_columns.clear();
  ASSERT_OK_AND_ASSIGN(auto plain, WindowDataset::Make(TwoSeries(), targets_only));
  plain->Collate(windows, &batch);
  EXPECT_FALSE(batch.hist_exog.defined());
  EXPECT_FALSE(batch.futr_exog.defined());
}

TEST(WindowDataset, IntegerIdsAndNoIdColumn) {
  auto table =
      ArrowTable(arrow::schema({arrow::field("id", arrow::int64()), arrow::field("y", arrow::float64())}),
                 {"[7, 7, 7, 7, 3, 3, 3, 3, 3]", "[0, 1, 2, 3, 4, 5, 6, 7, 8]"});
  WindowSpec spec;
  spec.target_columns = {"y"};
  spec.id_column = "id";
  spec.input_size = 2;
  spec.horizon = 1;
  ASSERT_OK_AND_ASSIGN(auto dataset, WindowDataset::Make(table, spec));
  ASSERT_EQ(dataset->num_series(), 2);
  EXPECT_EQ(dataset->series_id(0), "7");
  EXPECT_EQ(dataset->series_id(1), "3");
  EXPECT_EQ(dataset->size(), 2 + 3);  // first forecast rows 2, 3 and 6, 7, 8
  spec.id_column.clear();
  ASSERT_OK_AND_ASSIGN(auto whole, WindowDataset::Make(table, spec));
  EXPECT_EQ(whole->num_series(), 1);
  EXPECT_EQ(whole->series_id(0), "");
  EXPECT_EQ(whole->size(), 9 - 2);
}

TEST(WindowDataset, ErrorsNameTheColumnOrRow) {
  auto table = TwoSeries();
  auto expect_error = [&](WindowSpec spec, const std::string& needle) {
    auto result = WindowDataset::Make(table, spec);
    ASSERT_FALSE(result.ok()) << needle;
    EXPECT_NE(result.status().message().find(needle), std::string::npos) << result.status().ToString();
  };
  WindowSpec missing = TwoSeriesSpec();
  missing.hist_exog_columns = {"nope"};
  expect_error(missing, "'nope'");
  WindowSpec text = TwoSeriesSpec();
  text.target_columns = {"id"};
  expect_error(text, "'id'");
  WindowSpec no_input = TwoSeriesSpec();
  no_input.input_size = 0;
  expect_error(no_input, "input_size");
  WindowSpec no_horizon = TwoSeriesSpec();
  no_horizon.horizon = 0;
  expect_error(no_horizon, "horizon");
  WindowSpec no_target = TwoSeriesSpec();
  no_target.target_columns.clear();
  expect_error(no_target, "target");

  auto interleaved =
      ArrowTable(arrow::schema({arrow::field("id", arrow::utf8()), arrow::field("y", arrow::float32())}),
                 {R"(["A", "A", "B", "B", "A"])", "[0, 1, 2, 3, 4]"});
  WindowSpec spec;
  spec.target_columns = {"y"};
  spec.id_column = "id";
  spec.input_size = 1;
  spec.horizon = 1;
  auto result = WindowDataset::Make(interleaved, spec);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("row 4"), std::string::npos) << result.status().ToString();
  EXPECT_NE(result.status().message().find("'A'"), std::string::npos) << result.status().ToString();
}

TEST(WindowDataset, EtTh1IsSharedAfterCombiningChunks) {
  if (!std::filesystem::exists(std::string(DEEPRC_SHARED_DATA_DIR) + "/ett/ETTh1.csv"))
    GTEST_SKIP() << "ETTh1.csv is absent (../shared/data)";
  ASSERT_OK_AND_ASSIGN(table::Table csv,
                       table::ReadCsv(std::string(DEEPRC_SHARED_DATA_DIR) + "/ett/ETTh1.csv"));
  ASSERT_OK_AND_ASSIGN(table::Table table, csv.CombineChunks());
  WindowSpec spec;
  spec.target_columns = {"OT"};
  spec.hist_exog_columns = {"HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"};
  spec.input_size = 96;
  spec.horizon = 24;
  CopyCounter counter;
  ASSERT_OK_AND_ASSIGN(auto dataset, WindowDataset::Make(table.arrow(), spec, &counter));
  EXPECT_EQ(counter.columns_shared, 7);
  EXPECT_EQ(counter.columns_copied, 0);
  EXPECT_EQ(dataset->size(), table.num_rows() - 96 - 24 + 1);
  WindowBatch batch;
  dataset->Collate(std::vector<int64_t>{0}, &batch);
  // The first row of ETTh1: HUFL 5.827, OT 30.531.
  EXPECT_NEAR(batch.insample[0][0][0].item<float>(), 30.531f, 1e-3);
  EXPECT_NEAR(batch.hist_exog[0][0][0].item<float>(), 5.827f, 1e-3);
  EXPECT_FALSE(WindowDataset::Make(table.arrow(),
                                   [] {
                                     WindowSpec s;
                                     s.target_columns = {"date"};
                                     s.input_size = 1;
                                     s.horizon = 1;
                                     return s;
                                   }())
                   .ok());
}

// --- DistributedSampler ----------------------------------------------------------------------------

TEST(DistributedSampler, RanksSplitThePermutationExactly) {
  for (int64_t n : {0, 1, 5, 12, 13, 100}) {
    for (int world : {1, 2, 3, 4}) {
      for (bool drop_last : {false, true}) {
        SCOPED_TRACE("n=" + std::to_string(n) + " world=" + std::to_string(world) +
                     " drop_last=" + std::to_string(drop_last));
        SamplerOptions one{.rank = 0, .world_size = 1, .shuffle = true, .seed = 42};
        ASSERT_OK_AND_ASSIGN(auto whole, DistributedSampler::Make(n, one));
        const std::vector<int64_t> permutation = whole.Indices(3);
        std::vector<int64_t> sorted = permutation;
        std::sort(sorted.begin(), sorted.end());
        std::vector<int64_t> identity(n);
        std::iota(identity.begin(), identity.end(), 0);
        ASSERT_EQ(sorted, identity);  // a permutation

        const int64_t per_rank = drop_last ? n / world : (n + world - 1) / world;
        std::vector<int64_t> interleaved(per_rank * world, -1);
        for (int rank = 0; rank < world; ++rank) {
          SamplerOptions options{
              .rank = rank, .world_size = world, .shuffle = true, .seed = 42, .drop_last = drop_last};
          ASSERT_OK_AND_ASSIGN(auto sampler, DistributedSampler::Make(n, options));
          EXPECT_EQ(sampler.num_samples(), per_rank);
          const std::vector<int64_t> mine = sampler.Indices(3);
          ASSERT_EQ(static_cast<int64_t>(mine.size()), per_rank);
          for (int64_t k = 0; k < per_rank; ++k) interleaved[k * world + rank] = mine[k];
        }
        // Position p of the ranks' interleaved indices is position p of the permutation, padded
        // by repeating its start, or cut to a multiple of the world size.
        for (int64_t p = 0; p < per_rank * world; ++p) EXPECT_EQ(interleaved[p], permutation[p % n]) << p;
        std::set<int64_t> distinct(interleaved.begin(), interleaved.end());
        if (drop_last || n % world == 0) {
          EXPECT_EQ(static_cast<int64_t>(distinct.size()), per_rank * world);  // disjoint
        } else {
          EXPECT_EQ(static_cast<int64_t>(distinct.size()), n);  // every index, some twice
        }
      }
    }
  }
}

TEST(DistributedSampler, SeedAndEpochDecideThePermutation) {
  ASSERT_OK_AND_ASSIGN(auto a, DistributedSampler::Make(1000, {.seed = 7}));
  ASSERT_OK_AND_ASSIGN(auto b, DistributedSampler::Make(1000, {.seed = 7}));
  ASSERT_OK_AND_ASSIGN(auto other_seed, DistributedSampler::Make(1000, {.seed = 8}));
  EXPECT_EQ(a.Indices(0), b.Indices(0));
  EXPECT_NE(a.Indices(0), a.Indices(1));
  EXPECT_NE(a.Indices(0), other_seed.Indices(0));
  ASSERT_OK_AND_ASSIGN(auto ordered,
                       DistributedSampler::Make(10, {.rank = 1, .world_size = 3, .shuffle = false}));
  EXPECT_EQ(ordered.Indices(5), (std::vector<int64_t>{1, 4, 7, 0}));
  EXPECT_FALSE(DistributedSampler::Make(10, {.rank = 3, .world_size = 3}).ok());
  EXPECT_FALSE(DistributedSampler::Make(10, {.rank = 0, .world_size = 0}).ok());
  EXPECT_FALSE(DistributedSampler::Make(10, {.rank = -1, .world_size = 2}).ok());
}

// --- WindowLoader ---------------------------------------------------------------------------------

std::shared_ptr<WindowDataset> LongSeries(int64_t rows) {
  arrow::FloatBuilder y;
  arrow::Int32Builder id;
  for (int64_t r = 0; r < rows; ++r) {
    EXPECT_TRUE(y.Append(static_cast<float>(r)).ok());
    EXPECT_TRUE(id.Append(static_cast<int32_t>(r * 3 / rows)).ok());  // three series
  }
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("id", arrow::int32()), arrow::field("y", arrow::float32())}),
      {id.Finish().ValueOrDie(), y.Finish().ValueOrDie()});
  WindowSpec spec;
  spec.target_columns = {"y"};
  spec.futr_exog_columns = {"y"};
  spec.id_column = "id";
  spec.input_size = 8;
  spec.horizon = 4;
  return WindowDataset::Make(table, spec).ValueOrDie();
}

// Every batch's windows, by forecast row, must be the sampler's indices in order.
void ExpectSamplerOrder(WindowLoader& loader, const WindowDataset& dataset,
                        const std::vector<int64_t>& indices, int64_t batch_size) {
  int64_t seen = 0, batches = 0;
  while (auto batch = loader.Next()) {
    ++batches;
    ASSERT_LE(batch->size(), batch_size);
    for (int64_t b = 0; b < batch->size(); ++b, ++seen) {
      const auto at = dataset.Locate(indices[seen]);
      ASSERT_EQ(batch->forecast_row[b].item<int64_t>(), at.forecast_row) << seen;
      ASSERT_EQ(batch->series[b].item<int64_t>(), at.series);
      ASSERT_EQ(batch->outsample[b][0][0].item<float>(), static_cast<float>(at.forecast_row));
    }
  }
  EXPECT_TRUE(loader.status().ok()) << loader.status().ToString();
  EXPECT_EQ(batches, loader.batches_per_epoch());
  EXPECT_EQ(seen, static_cast<int64_t>(indices.size()));
  EXPECT_FALSE(loader.Next().has_value());  // stays at the end
}

TEST(WindowLoader, YieldsEveryWindowOnceInSamplerOrder) {
  auto dataset = LongSeries(3000);
  for (int workers : {0, 3}) {
    SCOPED_TRACE("workers=" + std::to_string(workers));
    ASSERT_OK_AND_ASSIGN(auto sampler, DistributedSampler::Make(dataset->size(), {.seed = 1}));
    WindowLoader loader(dataset, sampler, {.batch_size = 37, .num_workers = workers, .prefetch = 2});
    for (int64_t epoch : {0, 1}) {
      std::vector<int64_t> indices = sampler.Indices(epoch);
      std::set<int64_t> distinct(indices.begin(), indices.end());
      ASSERT_EQ(static_cast<int64_t>(distinct.size()), dataset->size());  // each window once
      loader.StartEpoch(epoch);
      ExpectSamplerOrder(loader, *dataset, indices, 37);
    }
    // Abandoning an epoch half-way: the next one starts from its own first batch.
    loader.StartEpoch(2);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(loader.Next().has_value());
    loader.StartEpoch(3);
    ExpectSamplerOrder(loader, *dataset, sampler.Indices(3), 37);
    // Abandoned with batches in flight, then destroyed: the destructor joins cleanly.
    loader.StartEpoch(4);
    ASSERT_TRUE(loader.Next().has_value());
  }
}

TEST(WindowLoader, BatchesOrViewsTheConsumerKeepsAreNeverCollatedInto) {
  // The loader collates into batches the consumer has dropped; one it keeps, whole or through a
  // view, must keep its values.
  auto dataset = LongSeries(3000);
  for (int workers : {0, 2}) {
    SCOPED_TRACE("workers=" + std::to_string(workers));
    ASSERT_OK_AND_ASSIGN(auto sampler, DistributedSampler::Make(dataset->size(), {.seed = 9}));
    WindowLoader loader(dataset, sampler, {.batch_size = 50, .num_workers = workers, .prefetch = 1});
    const std::vector<int64_t> indices = sampler.Indices(0);
    std::vector<WindowBatch> kept;
    std::vector<torch::Tensor> rows;  // views of forecast_row only
    loader.StartEpoch(0);
    for (int64_t b = 0; auto batch = loader.Next(); ++b) {
      if (b % 2 == 0) {
        kept.push_back(*batch);
      } else {
        rows.push_back(batch->forecast_row.slice(0, 0));
      }
    }
    ASSERT_EQ(static_cast<int64_t>(kept.size() + rows.size()), loader.batches_per_epoch());
    for (int64_t b = 0; b < loader.batches_per_epoch(); ++b) {
      const torch::Tensor forecast_row = b % 2 == 0 ? kept[b / 2].forecast_row : rows[b / 2];
      for (int64_t i = 0; i < forecast_row.size(0); ++i) {
        ASSERT_EQ(forecast_row[i].item<int64_t>(), dataset->Locate(indices[b * 50 + i]).forecast_row);
      }
      if (b % 2 == 0) {
        EXPECT_EQ(kept[b / 2].outsample[0][0][0].item<float>(),
                  static_cast<float>(dataset->Locate(indices[b * 50]).forecast_row));
      }
    }
  }
}

TEST(WindowLoader, RankShareAndDropLast) {
  auto dataset = LongSeries(1000);
  ASSERT_OK_AND_ASSIGN(auto sampler,
                       DistributedSampler::Make(dataset->size(), {.rank = 1, .world_size = 2, .seed = 5}));
  WindowLoader loader(dataset, sampler, {.batch_size = 64, .num_workers = 2, .drop_last = true});
  EXPECT_EQ(loader.batches_per_epoch(), sampler.num_samples() / 64);
  int64_t batches = 0;
  while (auto batch = loader.Next()) {  // no StartEpoch: epoch 0
    EXPECT_EQ(batch->size(), 64);
    ++batches;
  }
  EXPECT_EQ(batches, loader.batches_per_epoch());

  WindowLoader bad(dataset, sampler, {.batch_size = 0});
  EXPECT_FALSE(bad.Next().has_value());
  EXPECT_FALSE(bad.status().ok());
  ASSERT_OK_AND_ASSIGN(auto mismatched, DistributedSampler::Make(dataset->size() + 1, {}));
  WindowLoader wrong_size(dataset, mismatched, {});
  EXPECT_FALSE(wrong_size.Next().has_value());
  EXPECT_FALSE(wrong_size.status().ok());
}

int64_t ProcStatusKb(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::stoll(line.substr(std::string(key).size()));
  }
  return -1;
}

TEST(WindowLoader, IteratesAGigabyteTableInBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory counts in RSS";
#endif
  // 4 float32 columns x 64M rows = 1 GiB: two targets, one historical, one future column. The
  // table counts in the budget: resident memory may grow by at most 1.2x its size while every
  // window is loaded, so the loader's batches (and anything else) must stay within 0.2x.
  constexpr int64_t kRows = int64_t{64} << 20;
  constexpr int kColumns = 4;
  const int64_t table_bytes = kRows * kColumns * static_cast<int64_t>(sizeof(float));
  const int64_t baseline_kb = ProcStatusKb("VmRSS:");
  int64_t peak_kb = baseline_kb;
  auto sample = [&] { peak_kb = std::max(peak_kb, ProcStatusKb("VmRSS:")); };

  int64_t windows_seen = 0, checksum_errors = 0;
  {
    std::vector<std::shared_ptr<arrow::Array>> columns;
    std::vector<std::shared_ptr<arrow::Field>> fields;
    for (int c = 0; c < kColumns; ++c) {
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<arrow::Buffer> buffer,
                           arrow::AllocateBuffer(kRows * sizeof(float)));
      float* values = reinterpret_cast<float*>(buffer->mutable_data());
      for (int64_t r = 0; r < kRows; ++r) values[r] = static_cast<float>(r % 1000003 + c);
      columns.push_back(std::make_shared<arrow::FloatArray>(kRows, buffer));
      fields.push_back(arrow::field("c" + std::to_string(c), arrow::float32()));
    }
    auto table = arrow::Table::Make(arrow::schema(fields), columns);
    columns.clear();
    sample();

    WindowSpec spec;
    spec.target_columns = {"c0", "c1"};
    spec.hist_exog_columns = {"c2"};
    spec.futr_exog_columns = {"c3"};
    spec.input_size = 96;
    spec.horizon = 24;
    spec.step = 97;  // ~690k windows: every page of the table is read, in a shuffled order
    CopyCounter counter;
    ASSERT_OK_AND_ASSIGN(auto dataset, WindowDataset::Make(table, spec, &counter));
    table.reset();
    EXPECT_EQ(counter.columns_copied, 0);
    ASSERT_OK_AND_ASSIGN(auto sampler, DistributedSampler::Make(dataset->size(), {.seed = 3}));
    WindowLoader loader(dataset, sampler, {.batch_size = 1024, .num_workers = 3, .prefetch = 4});
    loader.StartEpoch(0);
    while (auto batch = loader.Next()) {
      // A slow consumer at first: workers of an unbounded queue would run ahead by hundreds of
      // megabytes here; bounded ones stop at prefetch x workers batches (~22 MB).
      if (windows_seen == 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
      windows_seen += batch->size();
      // Spot check: the first forecast row of the first target, by the formula that filled it.
      const int64_t row = batch->forecast_row[0].item<int64_t>();
      if (batch->outsample[0][0][0].item<float>() != static_cast<float>(row % 1000003)) ++checksum_errors;
      sample();
    }
    EXPECT_TRUE(loader.status().ok()) << loader.status().ToString();
    EXPECT_EQ(windows_seen, dataset->size());
  }
  EXPECT_EQ(checksum_errors, 0);
  const int64_t growth = (peak_kb - baseline_kb) * 1024;
  RecordProperty("table_bytes", std::to_string(table_bytes));
  RecordProperty("rss_growth_bytes", std::to_string(growth));
  EXPECT_LT(growth, table_bytes * 12 / 10) << "table " << table_bytes << " B, RSS growth " << growth << " B";
}

}  // namespace
}  // namespace deeprc::bridge
