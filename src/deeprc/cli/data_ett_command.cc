// `deeprc data generate-ett --out FILE`: synthetic hourly data in ETTh1's CSV format, for machines
// without the real file. It needs no LibTorch (learn/data is its own library), so `deeprc` runs it.
#include "deeprc/cli/commands.h"
#include "deeprc/cli/number_checks.h"
#include "deeprc/learn/data/ett.h"

namespace deeprc::cli {

void AddDataEttCommand(CLI::App& app, CommandResult& result) {
  // `deeprc data` holds every generator: the first to register creates it.
  CLI::App* data = nullptr;
  try {
    data = app.get_subcommand("data");
  } catch (const CLI::OptionNotFound&) {
    data = app.add_subcommand("data", "Datasets: generate data in the formats deeprc reads");
    data->require_subcommand(1);
  }
  auto generate = std::make_shared<std::tuple<std::string, int64_t, uint64_t>>("", 17420, 0);
  CLI::App* ett = data->add_subcommand("generate-ett", "Write synthetic hourly data in ETTh1's CSV format");
  ett->add_option("--out", std::get<0>(*generate), "CSV file to write")->required();
  ett->add_option("--rows", std::get<1>(*generate), "Hourly rows")->check(WholeNumber(1))->capture_default_str();
  ett->add_option("--seed", std::get<2>(*generate), "Random seed")->check(WholeNumber(0))->capture_default_str();
  ett->callback([generate, &result] {
    const auto& [path, rows, seed] = *generate;
    result.status = learn::WriteSyntheticEtt(path, rows, seed);
  });
}

}  // namespace deeprc::cli
