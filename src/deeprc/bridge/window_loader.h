// Batches of windows for training: worker threads collate batches of the sampler's indices into
// contiguous tensors ahead of the consumer, through a bounded queue (so memory stays bounded).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "deeprc/bridge/distributed_sampler.h"
#include "deeprc/bridge/window_batch.h"
#include "deeprc/bridge/window_dataset.h"
#include "deeprc/core/status.h"

namespace deeprc::bridge {

struct LoaderOptions {
  int64_t batch_size = 32;
  int num_workers = 1;     // collating threads; 0 collates on the caller's thread
  int prefetch = 2;        // batches ready ahead per worker (the queue's bound)
  bool drop_last = false;  // drop a last, smaller batch
  // Where batches go. On CUDA, batches are collated into pinned host memory and copied with
  // non_blocking, so the copy of one batch overlaps the compute on the previous.
  torch::Device device = torch::kCPU;
};

class WindowLoader {
 public:
  WindowLoader(std::shared_ptr<const WindowDataset> dataset, DistributedSampler sampler,
               LoaderOptions options);
  ~WindowLoader();  // stops and joins the workers
  WindowLoader(const WindowLoader&) = delete;
  WindowLoader& operator=(const WindowLoader&) = delete;

  // Begins epoch `epoch` (the sampler's permutation for it); an unfinished epoch is abandoned.
  void StartEpoch(int64_t epoch);
  // The next batch of the epoch in the sampler's order, or nullopt at its end or after an error
  // (then status() says what). Without a StartEpoch, the first call starts epoch 0.
  std::optional<WindowBatch> Next();

  // Not OK when the options were invalid or a batch failed (e.g. an allocation); sticky.
  const Status& status() const { return status_; }
  int64_t batches_per_epoch() const;
  const WindowDataset& dataset() const { return *dataset_; }

 private:
  class BatchPool;
  class Workers;
  // Collates batch number `batch` of `indices` (the epoch's sampler order) into `out`.
  Status CollateBatch(const std::vector<int64_t>& indices, int64_t batch, WindowBatch* out) const;
  std::optional<WindowBatch> ToDevice(std::optional<WindowBatch> batch);

  std::shared_ptr<const WindowDataset> dataset_;
  DistributedSampler sampler_;
  LoaderOptions options_;
  Status status_;
  bool started_ = false;
  std::shared_ptr<const std::vector<int64_t>> indices_;  // this epoch's sampler order
  int64_t next_batch_ = 0;
  std::unique_ptr<BatchPool> pool_;   // without workers: batches to collate into again
  std::unique_ptr<Workers> workers_;  // last: its threads stop before the members they read go
};

}  // namespace deeprc::bridge
