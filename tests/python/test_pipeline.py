"""`deeprc run`: pipeline specs end to end on a local pilot — spec errors before anything runs, a short
ETT-like pipeline to its report, an interrupted session resumed without redoing finished stages, and
a failing model that fails its stage while the rest of the pipeline finishes and the report says so."""
import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest


def spec_text(models="[nlinear, dlinear]", max_steps=20, extra_train="", cores=2, data_path="missing.csv"):
    """A short version of examples/ett.yaml: synthetic data, the calendar join, two small models."""
    return f"""name: short
pilot:
  cores: {cores}
data:
  ett:
    path: {data_path}
    generate: ett
    rows: 1500
stages:
  calendar:
    kind: table
    ops:
      - read: ett
      - calendar: date
  prepare:
    kind: table
    ops:
      - read: ett
      - join: {{with: calendar, on: date, how: left}}
      - derive: {{load: HUFL + MUFL + LUFL}}
      - sort: date
  profile:
    kind: table
    ops:
      - read: prepare
      - groupby: {{by: [weekday], agg: [OT:mean, load:max]}}
  train:
    kind: train
    data: prepare
    models: {models}
    targets: [OT]
    horizon: 24
    input_size: 48
    max_steps: {max_steps}
{extra_train}  predict:
    kind: predict
    from: train
  report:
    kind: report
    tables: [profile]
"""


def write_spec(tmp_path, text, name="pipeline.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def line_of(text, needle):
    """1-based line of the first line holding `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def summary(session):
    return json.loads((Path(session) / "report" / "summary.json").read_text())


def stage_record(session, stage):
    return json.loads((Path(session) / "stages" / stage / "stage.json").read_text())


# --- spec errors, before anything starts -----------------------------------------------------------

@pytest.mark.parametrize("case", ["unknown_key", "missing_file", "too_many_cores"])
def test_spec_error_names_its_line_before_any_task(tmp_path, run_deeprc, case):
    text = spec_text()
    if case == "unknown_key":
        text = text.replace("    max_steps:", "    max_stesp:")
        needle, message = "max_stesp", "unknown key 'max_stesp' in train stage 'train' (did you mean 'max_steps'?)"
    elif case == "missing_file":
        text = text.replace("    generate: ett\n", "")
        needle, message = "path: missing.csv", "data source 'ett': file 'missing.csv' not found"
    else:
        text = text.replace("    max_steps: 20\n", "    max_steps: 20\n    cores: 64\n")
        needle, message = "cores: 64", "stage 'train' asks for 64 cores per rank, but the pilot has 2 cores"
    spec = write_spec(tmp_path, text)
    session = tmp_path / "session"
    proc = run_deeprc("run", spec, "--session", session, check=False)
    assert proc.returncode == 1, proc.stderr
    assert f"{spec}:{line_of(text, needle)}: {message}" in proc.stderr, proc.stderr
    # Nothing started: no session folder, hence no pilot and no task.
    assert not session.exists()


def test_set_overrides_are_checked_and_named(tmp_path, run_deeprc):
    spec = write_spec(tmp_path, spec_text())
    proc = run_deeprc("run", spec, "--session", tmp_path / "s", "--set", "stages.train.cores=64", check=False)
    assert proc.returncode == 1
    assert "--set stages.train.cores=64: stage 'train' asks for 64 cores" in proc.stderr, proc.stderr
    assert not (tmp_path / "s").exists()


# --- a short pipeline to its report ---------------------------------------------------------------

def test_short_pipeline_writes_the_report(tmp_path, run_deeprc):
    spec = write_spec(tmp_path, spec_text())
    session = tmp_path / "session"
    proc = run_deeprc("run", spec, "--session", session)
    assert "pipeline short: done" in proc.stdout, proc.stdout
    report = session / "report"
    for name in ["README.md", "metrics.md", "metrics.csv", "summary.json", "timeline.png", "overheads.txt",
                 "forecast_nlinear.png", "forecast_dlinear.png", "table_profile.md"]:
        assert (report / name).is_file(), name
        assert (report / name).stat().st_size > 0, name
    assert (report / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result = summary(session)
    assert result["outcome"] == "done"
    assert [s["state"] for s in result["stages"]] == ["DONE"] * 7
    assert [s["name"] for s in result["stages"]] == ["ett", "calendar", "prepare", "profile", "train", "predict",
                                                      "report"]
    models = {(m["stage"], m["model"]): m for m in result["models"]}
    for stage in ["train", "predict"]:
        for model in ["nlinear", "dlinear"]:
            test = models[(stage, model)]["test"]
            assert all(test[k] >= 0 for k in ["mae", "mse", "rmse"]), test
    # The predict tasks forecast with the trained weights: the same test metrics.
    for model in ["nlinear", "dlinear"]:
        assert models[("predict", model)]["test"]["mse"] == pytest.approx(models[("train", model)]["test"]["mse"])
    metrics = pd.read_csv(report / "metrics.csv")
    # The report stage reports on the predict stage (its default).
    assert sorted(metrics["model"]) == ["dlinear", "nlinear"] and set(metrics["stage"]) == {"predict"}
    assert result["overheads"]["pilot_startup_s"] > 0
    readme = (report / "README.md").read_text()
    assert "forecast_nlinear.png" in readme and "timeline.png" in readme and "Runtime overheads" in readme

    # Tables pass between stages as Arrow IPC files: the join and the derived column are there.
    prepared = feather.read_table(session / "tables" / "prepare.arrow").to_pandas()
    source = pd.read_csv(session / "data" / "ett.csv", parse_dates=["date"])
    assert len(prepared) == len(source) == 1500
    assert list(prepared["date"]) == sorted(source["date"])
    assert (prepared["weekday"] == prepared["date"].dt.weekday).all()
    assert prepared["load"].to_numpy() == pytest.approx((prepared["HUFL"] + prepared["MUFL"] + prepared["LUFL"]).to_numpy())
    profile = feather.read_table(session / "tables" / "profile.arrow").to_pandas()
    expected = prepared.groupby("weekday")["OT"].mean()
    assert profile["OT_mean"].to_numpy() == pytest.approx(expected.to_numpy())


def test_example_pipeline_short(tmp_path, run_deeprc):
    """examples/ett.yaml itself, shortened by overrides: what `make run` runs, in CI time."""
    example = Path(__file__).resolve().parents[2] / "examples" / "ett.yaml"
    session = tmp_path / "session"
    short = ["data.ett.path=" + str(tmp_path / "absent.csv"), "data.ett.rows=1500", "stages.train.models=[dlinear, mlp]",
             "stages.train.max_steps=10", "stages.train.horizon=24", "stages.train.input_size=48"]
    proc = run_deeprc("run", example, "--session", session, *[a for o in short for a in ("--set", o)])
    assert "pipeline ett: done" in proc.stdout, proc.stdout
    result = summary(session)
    assert [m["model"] for m in result["models"]] == ["dlinear", "mlp", "dlinear", "mlp"]
    assert all("test" in m for m in result["models"])
    for name in ["README.md", "metrics.csv", "forecast_dlinear.png", "forecast_mlp.png", "timeline.png",
                 "table_profile.md"]:
        assert (session / "report" / name).is_file(), name


def test_generate_calendar_matches_pandas(tmp_path, run_deeprc):
    run_deeprc("data", "generate-ett", "--out", tmp_path / "ett.csv", "--rows", "100")
    run_deeprc("data", "generate-calendar", "--like", tmp_path / "ett.csv", "--out", tmp_path / "cal.parquet")
    calendar = pq.read_table(tmp_path / "cal.parquet").to_pandas()
    dates = pd.read_csv(tmp_path / "ett.csv", parse_dates=["date"])["date"]
    assert list(calendar["date"]) == list(dates)
    assert list(calendar["weekday"]) == list(dates.dt.weekday)
    assert list(calendar["hour"]) == list(dates.dt.hour)
    assert list(calendar["day_of_year"]) == list(dates.dt.dayofyear)
    assert list(calendar["weekend"]) == list(dates.dt.weekday >= 5)


# --- interrupted and resumed -----------------------------------------------------------------------

def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def session_locked(session):
    with open(session / "session.lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


# mlp trains for several seconds, with a checkpoint every 25 steps to resume from.
RESUME_SPEC = spec_text(models="[mlp, nlinear]", max_steps=300, extra_train="    val_check_steps: 25\n")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, deeprc_bin):
    """The session of RESUME_SPEC run without interruption: what a resumed one must end like."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    session = tmp / "session"
    proc = subprocess.run([deeprc_bin, "run", str(write_spec(tmp, RESUME_SPEC)), "--session", str(session), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return session


@pytest.mark.parametrize("kill", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_interrupted_session_resumes_without_redoing_finished_stages(tmp_path, deeprc_bin, run_deeprc, kill,
                                                                     uninterrupted):
    spec = write_spec(tmp_path, RESUME_SPEC)
    reference = uninterrupted

    session = tmp_path / "session"
    proc = subprocess.Popen([deeprc_bin, "run", str(spec), "--session", str(session)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        def mid_training():
            records = session / "stages"
            try:
                prepared = stage_record(session, "prepare")["state"] == "DONE"
                train = stage_record(session, "train")
            except (OSError, json.JSONDecodeError, KeyError):
                return False
            mlp = next(t for t in train["tasks"] if t["model"] == "mlp")
            checkpoint = records / "train" / "mlp" / "checkpoint" / "checkpoint.pt"
            return prepared and mlp["state"] == "AGENT_EXECUTING" and checkpoint.exists()

        wait_for(mid_training, 120, "the mlp training to write its first checkpoint")
        proc.send_signal(kill)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert stage_record(session, "prepare")["state"] == "DONE"
    assert stage_record(session, "train")["state"] != "DONE"
    if kill == signal.SIGINT:
        assert proc.returncode == 130, err
        assert "interrupted" in out and f"deeprc run --resume {session}" in out, out
        assert summary(session)["outcome"] == "interrupted"
    else:
        # Killed outright: its agent and tasks end on their own, holding the session until then.
        assert proc.returncode == -signal.SIGKILL
        wait_for(lambda: not session_locked(session), 30, "the killed run's tasks to end")

    resumed = run_deeprc("run", "--resume", session)
    assert "pipeline short: done" in resumed.stdout, resumed.stdout + resumed.stderr
    result = summary(session)
    assert result["outcome"] == "done" and result["run"] == 1
    # Finished stages were not run again: their tasks belong to the first run, and the second run's
    # pilot never saw them.
    for stage in ["ett", "calendar", "prepare"]:
        for task in stage_record(session, stage)["tasks"]:
            assert task["run"] == 0 and task["state"] == "DONE", task
    run1 = session / "runtime" / "run.1"
    launched = {p.name for p in run1.glob("pilot.*/*") if p.is_dir()}
    assert "prepare" not in launched and "calendar" not in launched and "ett" not in launched, launched
    assert "train.mlp" in launched
    # The mlp task went on from its checkpoint, and everything ends as in the uninterrupted run.
    metrics = json.loads((session / "stages" / "train" / "mlp" / "metrics.json").read_text())
    assert metrics["training"]["resumed_from_step"] > 0
    expected = {(m["stage"], m["model"]): m["test"] for m in summary(reference)["models"]}
    got = {(m["stage"], m["model"]): m["test"] for m in result["models"]}
    assert got.keys() == expected.keys()
    for key, test in expected.items():
        for metric in ["mae", "mse"]:
            assert got[key][metric] == pytest.approx(test[metric], rel=1e-4), (key, metric)


# --- a failing model ---------------------------------------------------------------------------------

def test_failing_model_fails_its_stage_and_the_report_says_so(tmp_path, run_deeprc):
    # An unknown model is no spec error: the train task itself fails at run time.
    spec = write_spec(tmp_path, spec_text(models="[nlinear, no_such_model]"))
    session = tmp_path / "session"
    proc = run_deeprc("run", spec, "--session", session, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pipeline short: failed" in proc.stdout
    result = summary(session)
    states = {s["name"]: s["state"] for s in result["stages"]}
    # The failed model fails train and its predict task; the other model, the independent table
    # stage and the report finish.
    assert states == {"ett": "DONE", "calendar": "DONE", "prepare": "DONE", "profile": "DONE", "train": "FAILED",
                      "predict": "FAILED", "report": "DONE"}
    tasks = {t["uid"]: t for s in result["stages"] for t in s["tasks"]}
    assert tasks["train.nlinear"]["state"] == "DONE" and tasks["predict.nlinear"]["state"] == "DONE"
    assert tasks["train.no_such_model"]["state"] == "FAILED"
    failures = {f["task"]: f for f in result["failures"]}
    assert "no_such_model" in failures["train.no_such_model"]["stderr_tail"]
    assert "train.no_such_model" in failures["predict.no_such_model"]["reason"]
    readme = (session / "report" / "README.md").read_text()
    assert "## Failures" in readme and "train.no_such_model" in readme
    assert "| predict | no_such_model | FAILED |" in (session / "report" / "metrics.md").read_text()
    assert (session / "report" / "forecast_nlinear.png").is_file()
    # Issue 15, item 3: one state machine. The predict task never ran: the TaskManager failed it for
    # its `after`; the report waited with `after_ended` for both predict tasks, however they ended.
    assert failures["predict.no_such_model"]["reason"] == "dependency train.no_such_model ended FAILED"
    assert tasks["predict.no_such_model"]["started"] == 0
    report_started = tasks["report"]["started"]
    assert all(report_started >= tasks[uid]["finished"] for uid in ["predict.nlinear", "predict.no_such_model"])


def test_report_stage_runs_from_its_resolved_description(tmp_path, run_deeprc):
    # Issue 15, item 3: the report task gets its stage resolved, inline, and reads no spec.
    spec = write_spec(tmp_path, spec_text(models="[nlinear]", max_steps=5))
    session = tmp_path / "session"
    plan = json.loads(run_deeprc("run", spec, "--session", session, "--dry-run").stdout)
    report = next(s for s in plan["stages"] if s["name"] == "report")["tasks"][0]["description"]["arguments"]
    assert report[:5] == ["stage", "run", str(session), "report", "--description"]
    description = json.loads(report[5])
    assert description == {"kind": "report", "stage": "report",
                           "model_stages": [{"name": "predict", "models": ["nlinear"]}],
                           "tables": [{"name": "profile", "path": str(session / "tables" / "profile.arrow"),
                                       "stage_output": True}],
                           "series": "OT", "points": 336}
    run_deeprc("run", spec, "--session", session)
    before = json.loads((session / "report" / "stage-report.json").read_text())
    (session / "report" / "stage-report.json").unlink()
    (session / "pipeline.yaml").unlink()  # the spec copy: nothing to re-parse
    run_deeprc(*report)
    assert json.loads((session / "report" / "stage-report.json").read_text()) == before


def test_resume_reruns_a_report_whose_models_ran_again(tmp_path, run_deeprc):
    # A gate stage fails until a file exists: the first run trains nothing and reports the failure;
    # the resumed run trains, so the report made in the first run is stale and must be made again.
    text = spec_text(models="[nlinear]").replace("  train:\n    kind: train\n", "  gate:\n    kind: exec\n"
                                                 "    executable: test -f {spec_dir}/go\n    shell: true\n"
                                                 "  train:\n    kind: train\n    after: [gate]\n")
    spec = write_spec(tmp_path, text)
    session = tmp_path / "session"
    proc = run_deeprc("run", spec, "--session", session, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    states = {s["name"]: s["state"] for s in summary(session)["stages"]}
    assert states["gate"] == "FAILED" and states["train"] == "FAILED" and states["report"] == "DONE", states
    assert "| predict | nlinear | FAILED |" in (session / "report" / "metrics.md").read_text()

    (tmp_path / "go").write_text("")
    resumed = run_deeprc("run", "--resume", session)
    assert "pipeline short: done" in resumed.stdout, resumed.stdout + resumed.stderr
    report_task = stage_record(session, "report")["tasks"][0]
    assert report_task["run"] == 1 and report_task["state"] == "DONE"
    assert "| predict | nlinear | DONE |" in (session / "report" / "metrics.md").read_text()
    assert (session / "report" / "forecast_nlinear.png").is_file()
    # What did not depend on the gate was not run again.
    assert stage_record(session, "prepare")["tasks"][0]["run"] == 0


@pytest.mark.parametrize("backend", ["mpi", "gloo"])
def test_distributed_table_stage_equals_the_local_one(tmp_path, run_deeprc, backend):
    # The same operators on 2 ranks (the task runs under mpirun; each rank reads its share, joins,
    # groups and sorts with the distributed operators) and on one.
    ops = """    ops:
      - read: ett
      - join: {with: calendar, on: date}
      - derive: {load: HUFL + MUFL + LUFL}
      - select: "hour >= 6"
      - groupby: {by: [weekday, hour], agg: [OT:mean, load:max]}
      - sort: [weekday, hour]
"""
    text = f"""name: dist
pilot: {{cores: 2}}
data:
  ett: {{path: missing.csv, generate: ett, rows: 3000}}
stages:
  calendar:
    kind: table
    ranks: 2
    backend: {backend}
    ops: [{{read: ett}}, {{calendar: date}}]
  local:
    kind: table
    after: [calendar]
{ops}  distributed:
    kind: table
    ranks: 2
    backend: {backend}
{ops}"""
    session = tmp_path / "session"
    run_deeprc("run", write_spec(tmp_path, text), "--session", session)
    local = feather.read_table(session / "tables" / "local.arrow").to_pandas()
    distributed = feather.read_table(session / "tables" / "distributed.arrow").to_pandas()
    assert len(local) == 7 * 18
    pd.testing.assert_frame_equal(local, distributed)
    calendar = feather.read_table(session / "tables" / "calendar.arrow").to_pandas()
    assert len(calendar) == 3000 and calendar["date"].is_monotonic_increasing


def test_function_stage_runs_a_distributed_join_in_the_pool(tmp_path, run_deeprc):
    """A function stage: table.join as a function task on the pilot's pool of workers, reading the
    tables of earlier stages through {table:NAME}; its output equals pandas' merge of those tables
    and its result is kept in the stage record."""
    text = """name: functions
pilot: {cores: 2}
data:
  ett: {path: missing.csv, generate: ett, rows: 2000}
stages:
  calendar:
    ops: [{read: ett}, {calendar: date}]
  joined:
    function: table.join
    ranks: 2
    args:
      left: "{table:ett}"
      right: "{table:calendar}"
      on: date
      output: "{stage_dir}/joined.parquet"
"""
    session = tmp_path / "session"
    proc = run_deeprc("run", write_spec(tmp_path, text), "--session", session)
    ett = pa_csv.read_csv(session / "data" / "ett.csv").to_pandas()  # the generated source
    calendar = feather.read_table(session / "tables" / "calendar.arrow").to_pandas()
    expected = ett.merge(calendar, on="date").sort_values("date").reset_index(drop=True)
    joined = pd.read_parquet(session / "stages" / "joined" / "joined.parquet")
    joined = joined.sort_values("date").reset_index(drop=True)[list(expected.columns)]
    assert len(expected) == 2000
    pd.testing.assert_frame_equal(joined, expected, check_dtype=False)
    record = stage_record(session, "joined")
    assert record["kind"] == "function" and record["state"] == "DONE", proc.stderr
    assert record["tasks"][0]["result"]["rows"] == 2000
    # The report's summary has the function tasks' overheads (from the agent's profile).
    overheads = json.loads((session / "report" / "summary.json").read_text())["overheads"]["function_tasks"]
    assert overheads["tasks"] == 1
    assert 0 < overheads["communicator_s"]["p50"] < 60


def test_train_stage_in_the_pool_trains_as_deeprc_train_does(tmp_path, run_deeprc):
    """`pool: true` trains each model as a learn.train function task on the pilot's pool: the same
    metrics as the `deeprc train` processes of the same spec, and the predict stage forecasts from
    the checkpoints it wrote. A list setting reaches the model as a list of integers."""
    models = "[nlinear, {name: nhits, settings: {n_blocks: [1, 1, 1], mlp_units: [[32, 32], [32, 32], [32, 32]]}}]"
    sessions = {}
    for pool in (False, True):
        extra = "    pool: true\n" if pool else ""
        text = spec_text(models=models, max_steps=20, extra_train=extra, cores=2)
        session = tmp_path / f"session-{pool}"
        run_deeprc("run", write_spec(tmp_path, text, name=f"pool-{pool}.yaml"), "--session", session, "--quiet")
        sessions[pool] = session
    for stage in ("train", "predict"):
        for model in ("nlinear", "nhits"):
            metrics = [json.loads((sessions[pool] / "stages" / stage / model / "metrics.json").read_text())
                       for pool in (False, True)]
            assert metrics[0]["test"] == metrics[1]["test"], (stage, model)
    # Both runs trained nhits with those settings: a list of strings would have failed the model
    # (hyperparameters are type-checked), and the runs would differ had one ignored them.
    train = stage_record(sessions[True], "train")
    assert train["state"] == "DONE"
    assert sorted(task["result"]["model"] for task in train["tasks"]) == ["nhits", "nlinear"]
