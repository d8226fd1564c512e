// `deeprc data`: generators of data in the formats deeprc reads, for machines without the real
// files. Neither needs LibTorch (learn/data is its own library), so `deeprc` runs them itself.
//   generate-ett --out FILE: synthetic hourly data in ETTh1's CSV format;
//   generate-calendar --like TABLE --on date --out FILE: the calendar features of a table's
//   timestamps (year, month, day, weekday, hour, day of year, weekend) as a table to join on.
#include "deeprc/cli/commands.h"
#include "deeprc/cli/number_checks.h"
#include "deeprc/learn/data/ett.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/ops/calendar.h"

namespace deeprc::cli {
namespace {

void AddGenerateEtt(CLI::App& data, CommandResult& result) {
  auto generate = std::make_shared<std::tuple<std::string, int64_t, uint64_t>>("", 17420, 0);
  CLI::App* ett = data.add_subcommand("generate-ett", "Write synthetic hourly data in ETTh1's CSV format");
  ett->add_option("--out", std::get<0>(*generate), "CSV file to write")->required();
  ett->add_option("--rows", std::get<1>(*generate), "Hourly rows")
      ->check(WholeNumber(1))
      ->capture_default_str();
  ett->add_option("--seed", std::get<2>(*generate), "Random seed")
      ->check(WholeNumber(0))
      ->capture_default_str();
  ett->callback([generate, &result] {
    const auto& [path, rows, seed] = *generate;
    result.status = learn::WriteSyntheticEtt(path, rows, seed);
  });
}

void AddGenerateCalendar(CLI::App& data, CommandResult& result) {
  auto like = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>("date");
  auto out = std::make_shared<std::string>();
  auto* command = data.add_subcommand(
      "generate-calendar", "Write one row per distinct timestamp of a table with its calendar features");
  command->add_option("--like", *like, "Table whose timestamps to describe (.csv, .parquet, .arrow)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--on", *on, "Timestamp column")->capture_default_str();
  command->add_option("--out", *out, "Table to write, format by extension")->required();
  command->footer(
      "\nColumns: the timestamp column, then year, month, day, weekday (0 = Monday), hour,\n"
      "day_of_year (int32) and weekend (boolean); sorted by time, one row per distinct time.\n");
  command->callback([&result, like, on, out] {
    result.status = [&]() -> Status {
      DEEPRC_ASSIGN_OR_RETURN(auto table, table::ReadTable(*like));
      DEEPRC_ASSIGN_OR_RETURN(auto calendar, WithContext(table::CalendarTable(table, *on), *like, ": "));
      return table::WriteTable(calendar, *out);
    }();
  });
}

}  // namespace

void AddDataCommands(CLI::App& app, CommandResult& result) {
  CLI::App* data = app.add_subcommand("data", "Datasets: generate data in the formats deeprc reads");
  data->require_subcommand(1);
  AddGenerateEtt(*data, result);
  AddGenerateCalendar(*data, result);
}

}  // namespace deeprc::cli
