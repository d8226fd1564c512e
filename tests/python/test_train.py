"""`deeprc train` end to end on generated ETT-format data: its outputs checked with pandas against
the data it read (the protocol's test rows, the scaler fitted on the training rows) and against its
own metrics; data-parallel on 2 ranks; a resumed run; errors; numbers out of range refused; a reused
output folder that holds another job's checkpoint."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

ROWS = 2000  # shorter than the protocol: split 60/20/20 -> train 1200, validation 400, test 400
H, L = 12, 24


@pytest.fixture(scope="module")
def ett_csv(tmp_path_factory, deeprc_bin):
    import subprocess
    path = tmp_path_factory.mktemp("ett") / "ett.csv"
    subprocess.run([deeprc_bin, "data", "generate-ett", "--out", str(path), "--rows", str(ROWS), "--seed", "3"],
                   check=True)
    return path


def train(run_deeprc, ett_csv, out, *extra, check=True, model="nlinear"):
    """A tiny run; a setting in `extra` replaces the default one (CLI11 refuses an option twice)."""
    settings = {"--horizon": H, "--input-size": L, "--max-steps": 30, "--val-check-steps": 10,
                "--learning-rate": 0.01, "--batch-size": 64, "--threads": 1}
    rest, items = [], iter(extra)
    for item in items:
        if item in settings:
            settings[item] = next(items)
        else:
            rest.append(item)
    flags = [str(x) for pair in settings.items() for x in pair]
    return run_deeprc("train", model, "--data", ett_csv, *flags, "--out", out, "--quiet", *rest, check=check)


def test_outputs_agree_with_the_data_and_with_each_other(run_deeprc, ett_csv, tmp_path):
    train(run_deeprc, ett_csv, tmp_path / "out", "--targets", "OT,HUFL")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    predictions = pq.read_table(tmp_path / "out" / "predictions.parquet").to_pandas()
    raw = pd.read_csv(ett_csv, parse_dates=["date"])

    # Every test window of each series: forecast starts at rows 1600 .. 2000 - H, step 1.
    windows_per_series = ROWS - 1600 - H + 1
    assert metrics["windows"]["test"] == 2 * windows_per_series
    assert len(predictions) == 2 * windows_per_series * H
    assert set(predictions.unique_id) == {"OT", "HUFL"}

    # The truths are the raw values at those timestamps, and `y` is them scaled with the mean and
    # population std of the first 1200 rows only.
    for series in ("OT", "HUFL"):
        p = predictions[predictions.unique_id == series].merge(raw[["date", series]], left_on="ds", right_on="date")
        assert len(p) == windows_per_series * H
        np.testing.assert_allclose(p.y_original, p[series], rtol=1e-5, atol=1e-4)
        train_rows = raw[series].iloc[:1200]
        np.testing.assert_allclose(p.y, (p[series] - train_rows.mean()) / train_rows.std(ddof=0), rtol=1e-4,
                                   atol=1e-4)
        assert p.ds.min() == raw.date.iloc[1600]
        assert (p.cutoff < p.ds).all()

    # metrics.json scores exactly these predictions.
    error = predictions.y_hat - predictions.y
    assert metrics["test"]["mse"] == pytest.approx((error ** 2).mean(), rel=1e-5)
    assert metrics["test"]["mae"] == pytest.approx(error.abs().mean(), rel=1e-5)
    nse = 1 - (error ** 2).sum() / ((predictions.y - predictions.y.mean()) ** 2).sum()
    assert metrics["test"]["nse"] == pytest.approx(nse, rel=1e-4)
    assert metrics["training"]["steps"] == 30
    # Trained beats the naive forecast "tomorrow = the last value seen" is not asked of 30 steps;
    # it must at least be finite and below the variance of the scaled truth.
    assert metrics["test"]["mse"] < predictions.y.var() * 2


def test_two_rank_data_parallel_run_writes_one_result(run_deeprc, ett_csv, tmp_path):
    train(run_deeprc, ett_csv, tmp_path / "dp", "--ranks", 2, "--backend", "gloo", "--targets", "OT")
    metrics = json.loads((tmp_path / "dp" / "metrics.json").read_text())
    assert metrics["ranks"] == 2
    assert metrics["training"]["steps"] == 30
    assert pq.read_table(tmp_path / "dp" / "predictions.parquet").num_rows == (ROWS - 1600 - H + 1) * H


def test_a_finished_run_resumes_from_its_checkpoint(run_deeprc, ett_csv, tmp_path):
    train(run_deeprc, ett_csv, tmp_path / "r", "--targets", "OT")
    first = json.loads((tmp_path / "r" / "metrics.json").read_text())
    train(run_deeprc, ett_csv, tmp_path / "r", "--targets", "OT")  # nothing left to do: same result
    second = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert second["training"]["resumed_from_step"] == 30
    assert second["test"]["mse"] == pytest.approx(first["test"]["mse"], rel=1e-6)


def test_errors_name_what_is_wrong(run_deeprc, ett_csv, tmp_path):
    proc = run_deeprc("train", "nlinaer", "--data", ett_csv, "--out", tmp_path / "x", check=False)
    assert proc.returncode != 0 and "nlinaer" in proc.stderr and "nlinear" in proc.stderr
    proc = train(run_deeprc, ett_csv, tmp_path / "y", "--set", "no_such_knob=3", check=False)
    assert proc.returncode != 0 and "no_such_knob" in proc.stderr
    proc = train(run_deeprc, ett_csv, tmp_path / "z", "--targets", "nope", check=False)
    assert proc.returncode != 0 and "nope" in proc.stderr
    proc = run_deeprc("train", "nlinear", "--data", ett_csv, "--horizon", 1500, "--input-size", 500,
                      "--out", tmp_path / "w", check=False)
    assert proc.returncode != 0 and "windows" in proc.stderr


# Numbers out of range are refused with the option's name and range, never replaced by a default
# (issue 14, item 9): these ran on the model's defaults, or on one rank, and exited 0.
@pytest.mark.parametrize("flag, value, expected", [
    ("--learning-rate", "-1", "> 0"),
    ("--learning-rate", "0", "> 0"),
    ("--learning-rate", "nan", "> 0"),
    ("--learning-rate", "inf", "> 0"),
    ("--max-steps", "0", ">= 1"),
    ("--batch-size", "0", ">= 1"),
    ("--val-check-steps", "0", ">= 1"),
    ("--early-stop", "0", ">= 1"),
    ("--horizon", "0", ">= 1"),
    ("--input-size", "0", ">= 1"),
    ("--clip", "-1", ">= 0"),
    ("--clip", "nan", ">= 0"),
    ("--threads", "0", ">= 1"),
    ("--loader-workers", "-1", ">= 0"),
    ("--seed", "-1", ">= 0"),
    ("--ranks", "0", "in [1, 1024]"),
    ("--ranks", "-2", "in [1, 1024]"),
])
def test_numbers_out_of_range_are_refused(run_deeprc, ett_csv, tmp_path, flag, value, expected):
    out = tmp_path / "never"
    proc = run_deeprc("train", "nlinear", "--data", ett_csv, "--out", out, flag, value, check=False)
    assert proc.returncode != 0
    assert f"{flag}: must be" in proc.stderr and expected in proc.stderr, proc.stderr
    assert not out.exists()


def test_generate_ett_refuses_zero_rows(run_deeprc, tmp_path):
    proc = run_deeprc("data", "generate-ett", "--out", tmp_path / "e.csv", "--rows", "0", check=False)
    assert proc.returncode != 0 and "--rows: must be a whole number >= 1" in proc.stderr, proc.stderr
    assert not (tmp_path / "e.csv").exists()


# A reused --out folder (issue 14, item 10): another job's checkpoint is refused with the settings
# that differ, old and new, and no C++ frames; the same job resumes; --overwrite starts over.
def test_a_checkpoint_of_another_job_is_refused(run_deeprc, ett_csv, tmp_path):
    out = tmp_path / "reused"
    train(run_deeprc, ett_csv, out, "--targets", "OT")
    first = (out / "metrics.json").read_bytes()

    proc = train(run_deeprc, ett_csv, out, "--targets", "OT", model="mlp", check=False)
    assert proc.returncode != 0
    assert 'model: "nlinear" there, "mlp" now' in proc.stderr, proc.stderr
    assert "--overwrite" in proc.stderr
    assert "c10::" not in proc.stderr and "frame #" not in proc.stderr, proc.stderr
    assert len(proc.stderr.splitlines()) < 10, proc.stderr

    proc = train(run_deeprc, ett_csv, out, "--targets", "OT", "--learning-rate", "0.02", check=False)
    assert proc.returncode != 0
    assert "learning_rate: 0.01 there, 0.02 now" in proc.stderr, proc.stderr

    proc = train(run_deeprc, ett_csv, out, "--targets", "OT", "--horizon", "6", check=False)
    assert proc.returncode != 0 and "horizon: 12 there, 6 now" in proc.stderr, proc.stderr

    other = tmp_path / "other.csv"
    run_deeprc("data", "generate-ett", "--out", other, "--rows", ROWS, "--seed", 4)
    proc = train(run_deeprc, other, out, "--targets", "OT", check=False)
    assert proc.returncode != 0 and "data: " in proc.stderr and "checksum" in proc.stderr, proc.stderr
    assert (out / "metrics.json").read_bytes() == first  # nothing of the refused runs was written

    # --overwrite starts over: a fresh run of the new settings, not a resume.
    train(run_deeprc, ett_csv, out, "--targets", "OT", "--learning-rate", "0.02", "--overwrite")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["resumed_from_step"] == 0
    assert metrics["training"]["learning_rate"] == 0.02
    job = json.loads((out / "checkpoint" / "job.json").read_text())
    assert job["learning_rate"] == 0.02 and job["model"] == "nlinear" and job["horizon"] == H


# Issue 15, item 1: the flags and `--job` (the job's one JSON form, what the pipeline's train tasks
# pass) go through the same reader: the same job, the same numbers; and the same errors by key.
def test_a_job_given_as_json_trains_as_its_flags(run_deeprc, ett_csv, tmp_path):
    train(run_deeprc, ett_csv, tmp_path / "flags", "--targets", "OT", "--set", "hidden_size=16", model="mlp")
    job = {"model": "mlp", "data": str(ett_csv), "out": str(tmp_path / "json"), "targets": ["OT"],
           "horizon": H, "input_size": L, "max_steps": 30, "val_check_steps": 10, "learning_rate": 0.01,
           "batch_size": 64, "hyperparameters": {"hidden_size": 16}}
    run_deeprc("train", "--job", json.dumps(job), "--threads", 1, "--quiet")
    flags = json.loads((tmp_path / "flags" / "metrics.json").read_text())
    given = json.loads((tmp_path / "json" / "metrics.json").read_text())
    assert given["test"] == flags["test"]
    assert json.loads((tmp_path / "json" / "checkpoint" / "job.json").read_text())["hyperparameters"] == \
        {"hidden_size": 16}
    # In a file, with a flag over one of its keys.
    (tmp_path / "job.json").write_text(json.dumps(job | {"out": str(tmp_path / "file")}))
    run_deeprc("train", "--job", tmp_path / "job.json", "--max-steps", 20, "--threads", 1, "--quiet")
    assert json.loads((tmp_path / "file" / "metrics.json").read_text())["training"]["steps"] == 20

    for bad, expected in [({"max_step": 3}, "unknown key 'max_step' (did you mean 'max_steps'?)"),
                          ({"max_steps": "3"}, "'max_steps' must be a whole number"),
                          ({"max_steps": 0}, "max_steps must be a whole number >= 1, got 0"),
                          ({"scaler": "minmax"}, "unknown scaler 'minmax'"),
                          ({"hyperparameters": [1]}, "'hyperparameters' must be a map")]:
        proc = run_deeprc("train", "--job", json.dumps(job | {"out": str(tmp_path / "never")} | bad), check=False)
        assert proc.returncode != 0 and expected in proc.stderr, (bad, proc.stderr)
        assert not (tmp_path / "never").exists()


# Predict is its own mode (issue 15, item 1): the checkpoint's job says the model and the data's
# columns; on the data it was trained on, the train run's own metrics and predictions, and the
# checkpoint folder is left as it was.
def test_predict_forecasts_as_the_train_run_did(run_deeprc, ett_csv, tmp_path):
    train(run_deeprc, ett_csv, tmp_path / "trained", "--targets", "OT,HUFL", "--early-stop", 2)
    checkpoint = tmp_path / "trained" / "checkpoint"
    before = {p.name: p.read_bytes() for p in checkpoint.iterdir()}
    run_deeprc("predict", "--checkpoint", checkpoint, "--data", ett_csv, "--out", tmp_path / "p", "--threads", 1)
    assert {p.name: p.read_bytes() for p in checkpoint.iterdir()} == before

    trained = json.loads((tmp_path / "trained" / "metrics.json").read_text())
    predicted = json.loads((tmp_path / "p" / "metrics.json").read_text())
    assert predicted["test"] == trained["test"]
    assert predicted["model"] == "nlinear" and predicted["training"]["steps"] == trained["training"]["steps"]
    expected = pq.read_table(tmp_path / "trained" / "predictions.parquet").to_pandas()
    got = pq.read_table(tmp_path / "p" / "predictions.parquet").to_pandas()
    pd.testing.assert_frame_equal(got, expected)
    # And as recomputed from those predictions, independently of both runs.
    assert predicted["test"]["mse"] == pytest.approx(((got.y_hat - got.y) ** 2).mean(), rel=1e-5)


def test_predict_errors_name_what_is_wrong(run_deeprc, ett_csv, tmp_path):
    proc = run_deeprc("predict", "--checkpoint", tmp_path / "nothing", "--data", ett_csv, "--out", tmp_path / "o",
                      check=False)
    assert proc.returncode != 0 and "nothing" in proc.stderr and "job.json" in proc.stderr, proc.stderr
    assert not (tmp_path / "o").exists()

    train(run_deeprc, ett_csv, tmp_path / "t", "--targets", "OT,HUFL")
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(ett_csv).rename(columns={"HUFL": "load"}).to_csv(renamed, index=False)
    proc = run_deeprc("predict", "--checkpoint", tmp_path / "t" / "checkpoint", "--data", renamed,
                      "--out", tmp_path / "o", check=False)
    assert proc.returncode != 0 and "HUFL" in proc.stderr, proc.stderr
    assert "c10::" not in proc.stderr and not (tmp_path / "o").exists()

    proc = run_deeprc("predict", "--checkpoint", tmp_path / "t" / "checkpoint", "--data", ett_csv,
                      "--out", tmp_path / "t" / "checkpoint", check=False)
    assert proc.returncode != 0 and "checkpoint folder" in proc.stderr, proc.stderr


# Issue 15, item 5: the ETT generator needs no LibTorch, so `deeprc` runs it itself: a copy of the
# binary alone, without deeprc-learn beside it, writes the same file.
def test_generate_ett_runs_without_the_learn_binary(deeprc_bin, run_deeprc, tmp_path):
    import shutil
    import subprocess
    alone = tmp_path / "alone" / "deeprc"
    alone.parent.mkdir()
    shutil.copy(deeprc_bin, alone)
    proc = subprocess.run([alone, "data", "generate-ett", "--out", tmp_path / "a.csv", "--rows", "100", "--seed", "5"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    run_deeprc("data", "generate-ett", "--out", tmp_path / "b.csv", "--rows", 100, "--seed", 5)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert "libtorch" not in subprocess.run(["ldd", deeprc_bin], capture_output=True, text=True).stdout
