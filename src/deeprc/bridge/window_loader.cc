#include "deeprc/bridge/window_loader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace deeprc::bridge {
namespace {

bool OnlyOwner(const torch::Tensor& t) {
  return !t.defined() || (t.use_count() == 1 && t.storage().use_count() == 1);
}

}  // namespace

// Batches handed out earlier, collated into again once the consumer has dropped every tensor (and
// view) of them. A fresh batch of a few hundred KB is a fresh mmap, faulted in 4 KB at a time:
// without reuse, 8,000 batches of bench/loader took 540k more minor faults, 4x the system time, and
// with two workers ran at 0.55-0.75x the windows/s (measured on 2 cores).
// Not used for a CUDA device: a pinned batch may still be the source of an asynchronous copy after
// the consumer drops it, and LibTorch's pinned allocator knows when it is done, this pool does not.
class WindowLoader::BatchPool {
 public:
  explicit BatchPool(size_t max_size) : max_size_(max_size) {}

  // A batch whose buffers nobody else holds, or an empty one (Collate then allocates).
  WindowBatch Acquire() {
    for (size_t i = 0; i < free_.size(); ++i) {
      const WindowBatch& b = free_[i];
      if (OnlyOwner(b.insample) && OnlyOwner(b.outsample) && OnlyOwner(b.hist_exog) &&
          OnlyOwner(b.futr_exog) && OnlyOwner(b.series) && OnlyOwner(b.forecast_row)) {
        WindowBatch batch = std::move(free_[i]);
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
        return batch;
      }
    }
    return {};
  }

  // Remembers a batch about to be handed out, for reuse once it is dropped. A consumer that keeps
  // many batches fills the pool with busy ones; later batches are then allocated afresh.
  void Keep(const WindowBatch& batch) {
    if (max_size_ > 0 && free_.size() < max_size_) free_.push_back(batch);
  }

 private:
  const size_t max_size_;
  std::vector<WindowBatch> free_;
};

// The worker pool and the epoch's state. Batch b of an epoch is claimed by one worker, collated
// outside the lock and parked in `ready` under its number; the consumer takes batch numbers in
// order, so the order of batches is the sampler's whatever order the workers finish in. At most
// `capacity` batches are claimed and not yet taken, which bounds memory.
class WindowLoader::Workers {
 public:
  Workers(const WindowLoader* loader, int num_workers, int64_t capacity, size_t pool_size)
      : loader_(loader), capacity_(capacity), pool_(pool_size) {
    threads_.reserve(num_workers);
    for (int i = 0; i < num_workers; ++i) threads_.emplace_back([this] { Run(); });
  }

  ~Workers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void Start(std::shared_ptr<const std::vector<int64_t>> indices, int64_t num_batches) {
    {
      std::lock_guard lock(mu_);
      // Batches of the abandoned epoch still being collated see the new generation and are
      // dropped when they finish; the parked ones go now.
      ++generation_;
      indices_ = std::move(indices);
      num_batches_ = num_batches;
      next_claim_ = 0;
      next_take_ = 0;
      ready_.clear();
    }
    work_.notify_all();
  }

  // Blocks until batch `next_take_` is ready; nullopt at the epoch's end or after an error.
  std::optional<WindowBatch> Take(Status* status) {
    std::unique_lock lock(mu_);
    if (next_take_ >= num_batches_ || !error_.ok()) {
      if (!error_.ok()) *status = error_;
      return std::nullopt;
    }
    ready_cv_.wait(lock, [&] { return ready_.count(next_take_) > 0 || !error_.ok(); });
    if (!error_.ok()) {
      *status = error_;
      return std::nullopt;
    }
    auto node = ready_.extract(next_take_);
    ++next_take_;
    lock.unlock();
    work_.notify_one();  // a slot of the bounded window is free
    return std::move(node.mapped());
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      work_.wait(lock, [&] {
        return stop_ || (error_.ok() && next_claim_ < num_batches_ && next_claim_ < next_take_ + capacity_);
      });
      if (stop_) return;
      const int64_t b = next_claim_++;
      const int64_t generation = generation_;
      std::shared_ptr<const std::vector<int64_t>> indices = indices_;
      WindowBatch batch = pool_.Acquire();
      lock.unlock();

      Status status = loader_->CollateBatch(*indices, b, &batch);

      lock.lock();
      if (generation != generation_) continue;  // its epoch was abandoned meanwhile
      if (!status.ok()) {
        error_ = status;
      } else {
        pool_.Keep(batch);
        ready_.emplace(b, std::move(batch));
      }
      ready_cv_.notify_all();  // the consumer waits for one particular batch number
    }
  }

  const WindowLoader* loader_;
  const int64_t capacity_;
  std::vector<std::thread> threads_;
  BatchPool pool_;  // under mu_

  std::mutex mu_;
  std::condition_variable work_;      // workers: a batch to claim, or stop
  std::condition_variable ready_cv_;  // consumer: its next batch is parked, or an error
  bool stop_ = false;
  int64_t generation_ = 0;
  std::shared_ptr<const std::vector<int64_t>> indices_;
  int64_t num_batches_ = 0;
  int64_t next_claim_ = 0;
  int64_t next_take_ = 0;
  std::map<int64_t, WindowBatch> ready_;
  Status error_;
};

WindowLoader::WindowLoader(std::shared_ptr<const WindowDataset> dataset, DistributedSampler sampler,
                           LoaderOptions options)
    : dataset_(std::move(dataset)), sampler_(std::move(sampler)), options_(options) {
  if (!dataset_) {
    status_ = Status::Invalid("WindowLoader: no dataset");
  } else if (options_.batch_size < 1) {
    status_ = Status::Invalid("WindowLoader: batch_size ", options_.batch_size, " < 1");
  } else if (options_.num_workers < 0) {
    status_ = Status::Invalid("WindowLoader: num_workers ", options_.num_workers, " < 0");
  } else if (options_.prefetch < 1) {
    status_ = Status::Invalid("WindowLoader: prefetch ", options_.prefetch, " < 1");
  } else if (sampler_.dataset_size() != dataset_->size()) {
    status_ = Status::Invalid("WindowLoader: the sampler covers ", sampler_.dataset_size(),
                              " indices but the dataset has ", dataset_->size(), " windows");
  }
  if (!status_.ok()) return;
  const int64_t capacity = static_cast<int64_t>(options_.prefetch) * std::max(options_.num_workers, 1);
  // Room for every batch in flight or parked, plus the one or two the consumer is working on.
  const size_t pool_size = options_.device.is_cuda() ? 0 : static_cast<size_t>(capacity) + 2;
  if (options_.num_workers > 0) {
    workers_ = std::make_unique<Workers>(this, options_.num_workers, capacity, pool_size);
  } else {
    pool_ = std::make_unique<BatchPool>(pool_size);
  }
}

WindowLoader::~WindowLoader() = default;  // ~Workers stops and joins the threads

int64_t WindowLoader::batches_per_epoch() const {
  const int64_t n = sampler_.num_samples(), b = std::max<int64_t>(options_.batch_size, 1);
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void WindowLoader::StartEpoch(int64_t epoch) {
  if (!status_.ok()) return;
  started_ = true;
  // Let go of the old epoch's indices before drawing the new ones (n int64s each).
  indices_.reset();
  if (workers_) workers_->Start(nullptr, 0);
  indices_ = std::make_shared<const std::vector<int64_t>>(sampler_.Indices(epoch));
  next_batch_ = 0;
  if (workers_) workers_->Start(indices_, batches_per_epoch());
}

Status WindowLoader::CollateBatch(const std::vector<int64_t>& indices, int64_t batch,
                                  WindowBatch* out) const {
  const int64_t begin = batch * options_.batch_size;
  const int64_t end = std::min<int64_t>(begin + options_.batch_size, static_cast<int64_t>(indices.size()));
  try {
    // Pinned memory only for a device: pinning costs more than it saves when nothing is copied.
    dataset_->Collate(std::span<const int64_t>(indices.data() + begin, end - begin), out,
                      /*pin_memory=*/options_.device.is_cuda());
  } catch (const std::exception& e) {  // c10::Error from an allocation
    return Status::UnknownError("WindowLoader: batch ", batch, ": LibTorch: ", e.what());
  }
  return Status::OK();
}

std::optional<WindowBatch> WindowLoader::ToDevice(std::optional<WindowBatch> batch) {
  if (!batch || !options_.device.is_cuda()) return batch;
  try {
    // On the consumer's thread and stream: from pinned memory the copy is asynchronous, so it
    // overlaps the model's work on the batch before, and it is ordered before the work on this one.
    return batch->To(options_.device, /*non_blocking=*/true);
  } catch (const std::exception& e) {
    status_ = Status::UnknownError("WindowLoader: copy to ", options_.device.str(), ": LibTorch: ", e.what());
    return std::nullopt;
  }
}

std::optional<WindowBatch> WindowLoader::Next() {
  if (!status_.ok()) return std::nullopt;
  if (!started_) StartEpoch(0);
  if (workers_) {
    std::optional<WindowBatch> batch = workers_->Take(&status_);
    if (batch) ++next_batch_;
    return ToDevice(std::move(batch));
  }
  if (next_batch_ >= batches_per_epoch()) return std::nullopt;
  WindowBatch batch = pool_->Acquire();
  status_ = CollateBatch(*indices_, next_batch_, &batch);
  if (!status_.ok()) return std::nullopt;
  pool_->Keep(batch);
  ++next_batch_;
  return ToDevice(std::move(batch));
}

}  // namespace deeprc::bridge
