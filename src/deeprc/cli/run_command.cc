// `deeprc run PIPELINE.yaml`: a pipeline from its spec to its report on one pilot (and `--resume
// SESSION` to finish an interrupted one); `deeprc stage run`, hidden, is what its table and report
// tasks execute.
#include <iostream>

#include "deeprc/cli/commands.h"
#include "deeprc/pipeline/runner.h"
#include "deeprc/pipeline/stage_runner.h"

namespace deeprc::cli {

void AddRunCommand(CLI::App& app, CommandResult& result) {
  auto options = std::make_shared<pipeline::RunOptions>();
  auto quiet = std::make_shared<bool>(false);
  auto* command =
      app.add_subcommand("run", "Run a pipeline spec (data, tables, training, report) as one pilot job");
  command->add_option("spec", options->spec, "Pipeline spec (YAML), e.g. examples/ett.yaml");
  command
      ->add_option("--resource", options->resource,
                   "Where the pilot runs: local or slurm (replaces pilot.resource)")
      ->check(CLI::IsMember({"local", "slurm"}));
  command->add_option(
      "--set", options->overrides,
      "Override a spec value before it is checked: key.path=value, e.g. stages.train.max_steps=20 "
      "(repeatable)");
  command->add_option("--session", options->session, "Session folder (default: sessions/<name>.<time>)");
  command->add_option("--resume", options->resume,
                      "Finish an interrupted session: stages whose tasks ended DONE are not run again");
  command->add_flag("--quiet", *quiet, "No live progress on stderr");
  command->add_flag("--dry-run", options->dry_run,
                    "Check the spec and print the planned tasks as JSON; create and run nothing");
  command->footer(
      "\nThe session folder holds everything the run makes: pipeline.yaml (the spec), data/, tables/\n"
      "(Arrow IPC between stages), stages/<stage>/ (models, stage.json states), runtime/ (pilot\n"
      "sandboxes and profiles) and report/ (README.md, metrics, plots, timeline, summary.json).\n"
      "Exit status: 0 when every stage ended DONE, 1 when one failed, 130/143 when interrupted.\n");
  command->callback([&result, options, quiet] {
    options->progress = !*quiet;
    auto outcome = pipeline::RunPipeline(*options);
    if (!outcome.ok()) {
      result.status = outcome.status();
      return;
    }
    result.exit_code = outcome->exit_code;
  });

  auto stage = std::make_shared<std::pair<std::string, std::string>>();
  auto description = std::make_shared<std::string>();
  auto* stage_command =
      app.add_subcommand("stage", "Run one table or report stage of a session (what pipeline tasks run)");
  stage_command->group("");  // internal: `deeprc run` plans it, people need not see it
  stage_command->require_subcommand(1);
  auto* stage_run = stage_command->add_subcommand("run", "Run STAGE of the pipeline session SESSION");
  stage_run->add_option("session", stage->first, "Session folder")->required();
  stage_run->add_option("stage", stage->second, "Stage name")->required();
  stage_run->add_option("--description", *description, "The stage resolved by the planner, as JSON (table stages)");
  stage_run->callback([&result, stage, description] {
    result.status = pipeline::RunStage(stage->first, stage->second, *description);
  });
}

}  // namespace deeprc::cli
