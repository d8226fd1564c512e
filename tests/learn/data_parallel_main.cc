// Data-parallel training under mpirun -np 2: the same model trained by the Trainer on two ranks,
// each with its shard of every batch, must end with the weights of one rank trained on the
// combined batches. Runs for the backend in DEEPRC_TEST_BACKEND (gloo or mpi); exits non-zero
// on any rank that disagrees.
#include <arrow/api.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "deeprc/bridge/window_loader.h"
#include "deeprc/learn/trainer.h"
#include "deeprc/net/communicator.h"
#include "learn_test_support.h"

namespace {

using namespace deeprc;

using learn::testing::TinyLinear;
using learn::testing::WaveTable;

Result<std::vector<torch::Tensor>> Train(std::shared_ptr<const bridge::WindowDataset> dataset, int rank,
                                         int world, int64_t batch_size, net::Communicator* communicator,
                                         int64_t bucket_bytes = 25 << 20) {
  torch::manual_seed(rank == 0 ? 7 : 99);  // rank 1 starts elsewhere: the trainer must broadcast
  auto model = std::make_shared<TinyLinear>(dataset->spec().input_size, dataset->spec().horizon);
  DEEPRC_ASSIGN_OR_RETURN(auto sampler, bridge::DistributedSampler::Make(
                                            dataset->size(), {.rank = rank, .world_size = world, .seed = 3}));
  bridge::LoaderOptions loader_options;
  loader_options.batch_size = batch_size;
  loader_options.drop_last = true;
  bridge::WindowLoader loader(dataset, std::move(sampler), loader_options);
  learn::TrainerOptions options;
  options.max_steps = 25;  // more than one epoch of the shard
  options.learning_rate = 1e-2;
  options.loss = learn::LossKind::kMse;
  options.val_check_steps = 1000;
  options.gradient_bucket_bytes = bucket_bytes;
  learn::Trainer trainer(model, options, communicator);
  DEEPRC_RETURN_NOT_OK(trainer.Fit(loader, nullptr).status());
  return model->parameters();
}

int Run() {
  const char* backend = std::getenv("DEEPRC_TEST_BACKEND");
  auto communicator = net::MakeCommunicator(backend ? backend : "gloo");
  if (!communicator.ok()) {
    std::fprintf(stderr, "%s\n", communicator.status().ToString().c_str());
    return 2;
  }
  net::Communicator& comm = **communicator;
  torch::set_num_threads(1);
  bridge::WindowSpec spec;
  spec.target_columns = {"y"};
  spec.input_size = 16;
  spec.horizon = 4;
  auto dataset = bridge::WindowDataset::Make(WaveTable(300), spec);
  if (!dataset.ok()) {
    std::fprintf(stderr, "%s\n", dataset.status().ToString().c_str());
    return 2;
  }
  constexpr int64_t kShardBatch = 8;
  auto combined = Train(*dataset, 0, 1, kShardBatch * comm.size(), nullptr);
  bool all_same = combined.ok();
  // One bucket for the whole model, then 64-byte buckets: several flushes, and the 64-float
  // weight matrix reduced on its own as larger than a bucket.
  for (int64_t bucket_bytes : {int64_t{25} << 20, int64_t{64}}) {
    auto parallel = Train(*dataset, comm.rank(), comm.size(), kShardBatch, &comm, bucket_bytes);
    if (!parallel.ok() || !combined.ok()) {
      std::fprintf(stderr, "rank %d: %s %s\n", comm.rank(), parallel.status().ToString().c_str(),
                   combined.status().ToString().c_str());
      return 1;
    }
    double max_difference = 0;
    for (size_t i = 0; i < parallel->size(); ++i) {
      max_difference = std::max(max_difference, ((*parallel)[i] - (*combined)[i]).abs().max().item<double>());
    }
    const bool same = max_difference < 1e-5;
    all_same = all_same && same;
    std::printf("rank %d/%d (%s, %lld-byte buckets): max |w_parallel - w_combined| = %.3g: %s\n", comm.rank(),
                comm.size(), comm.backend_name().c_str(), (long long)bucket_bytes, max_difference,
                same ? "PASS" : "FAIL");
  }
  return all_same ? 0 : 1;
}

}  // namespace

int main() { return Run(); }
