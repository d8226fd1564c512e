// `deeprc data generate-calendar --like TABLE --on date --out FILE`: the calendar features of a
// table's timestamps (year, month, day, weekday, hour, day of year, weekend) as a table to join on.
#include "deeprc/cli/commands.h"
#include "deeprc/table/io/file_format.h"
#include "deeprc/table/ops/calendar.h"

namespace deeprc::cli {

void AddDataCalendarCommand(CLI::App& app, CommandResult& result) {
  // `deeprc data` is created by AddLearnForwarding (with generate-ett); add to it, or create it alone.
  CLI::App* data = nullptr;
  try {
    data = app.get_subcommand("data");
  } catch (const CLI::OptionNotFound&) {
    data = app.add_subcommand("data", "Datasets: generate data in the formats deeprc reads");
    data->require_subcommand(1);
  }
  auto like = std::make_shared<std::string>();
  auto on = std::make_shared<std::string>("date");
  auto out = std::make_shared<std::string>();
  auto* command = data->add_subcommand(
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

}  // namespace deeprc::cli
