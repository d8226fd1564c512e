// Times training steps (forward, MAE loss, backward, Adam step) of one registered model on random
// windows: deeprc's side of bench/learn's training-step comparison. Prints one JSON line.
#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

#include "deeprc/learn/loss.h"
#include "deeprc/learn/models/registry.h"
#include "deeprc/learn/threads.h"

int main(int argc, char** argv) {
  CLI::App app{"deeprc_train_step_bench: milliseconds per training step of one model"};
  std::string model_name;
  int64_t input_size = 480, horizon = 96, batch = 1024, steps = 20, warmup = 3;
  int threads = 1;
  app.add_option("--model", model_name)->required();
  app.add_option("--input-size", input_size);
  app.add_option("--horizon", horizon);
  app.add_option("--batch", batch);
  app.add_option("--steps", steps);
  app.add_option("--warmup", warmup);
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);

  deeprc::learn::UseThreads(threads);
  torch::manual_seed(0);
  auto model = deeprc::learn::MakeModel(model_name, {.input_size = input_size, .horizon = horizon});
  if (!model.ok()) {
    std::cerr << model.status().ToString() << std::endl;
    return 1;
  }
  torch::optim::Adam optimizer((*model)->parameters(), torch::optim::AdamOptions(1e-3));
  deeprc::bridge::WindowBatch windows;
  windows.insample = torch::randn({batch, input_size, 1});
  windows.outsample = torch::randn({batch, horizon, 1});
  auto step = [&] {
    optimizer.zero_grad();
    auto loss = deeprc::learn::ComputeLoss(deeprc::learn::LossKind::kMae, (*model)->Forecast(windows),
                                           windows.outsample);
    loss.backward();
    optimizer.step();
  };
  for (int64_t i = 0; i < warmup; ++i) step();
  const auto started = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int64_t parameters = 0;
  for (const auto& p : (*model)->parameters()) parameters += p.numel();
  std::cout << nlohmann::json{{"system", "deeprc"},
                              {"model", model_name},
                              {"parameters", parameters},
                              {"ms_per_step", 1e3 * seconds / steps},
                              {"threads", threads}}
                   .dump()
            << std::endl;
  return 0;
}
