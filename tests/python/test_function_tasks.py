"""Function tasks end to end: `deeprc tasks FILE.yaml` with `mode: function` tasks runs them on the
pilot's pool of persistent workers (deeprc-raptor). A distributed join run as a function task
equals pandas' merge of the same files; its result comes back in results.json; executables and
function tasks share the pilot; a malformed function task is refused with its line."""
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    rng = np.random.default_rng(11)
    d = tmp_path_factory.mktemp("function-inputs")

    def table(n, payload):
        return pa.table({
            "k": pa.array(rng.integers(0, n // 2, n).astype("int64")),  # duplicate keys
            "s": pa.array([f"s{v % 7}" for v in rng.integers(0, 100, n)]),
            payload: pa.array(rng.normal(size=n), mask=rng.random(n) < 0.1),
        })

    pq.write_table(table(3000, "a"), d / "left.parquet", row_group_size=500)
    pq.write_table(table(2000, "b"), d / "right.parquet", row_group_size=500)
    return d


def normalized(frame):
    """Rows in one order, and one kind of missing value (pandas fills outer joins with NaN, we with null)."""
    columns = sorted(frame.columns)
    frame = frame[columns].sort_values(columns, na_position="last").reset_index(drop=True)
    return frame.astype(object).where(frame.notna(), None)


def write_tasks(path, text):
    path.write_text(text)
    return path


def test_distributed_join_as_a_function_task_equals_pandas(run_deeprc, tables, tmp_path):
    tasks = write_tasks(tmp_path / "tasks.yaml", f"""
tasks:
  - uid: join.inner
    mode: function
    function: table.join
    ranks: 2
    args: {{left: {tables}/left.parquet, right: {tables}/right.parquet, on: k, how: inner,
            output: {tmp_path}/inner.parquet}}
  - uid: join.outer
    mode: function
    function: table.join
    ranks: 3
    args:
      left: {tables}/left.parquet
      right: {tables}/right.parquet
      on: [k]
      how: outer
      algorithm: sort
      output: {tmp_path}/outer.parquet
  - uid: plain
    executable: /bin/echo
    arguments: [an executable beside them]
""")
    session = tmp_path / "session"
    proc = run_deeprc("tasks", tasks, "--cores", 3, "--session", session, "--quiet")
    results = json.loads((session / "results.json").read_text())
    assert set(results) == {"join.inner", "join.outer"}, proc.stdout

    left = pq.read_table(tables / "left.parquet").to_pandas()
    right = pq.read_table(tables / "right.parquet").to_pandas()
    for uid, how, output in [("join.inner", "inner", "inner.parquet"), ("join.outer", "outer", "outer.parquet")]:
        expected = left.merge(right, on="k", how=how, suffixes=("_x", "_y"))
        got = pq.read_table(tmp_path / output).to_pandas()
        assert results[uid]["rows"] == len(expected)
        assert len(got) == len(expected)
        pd.testing.assert_frame_equal(normalized(got), normalized(expected), check_dtype=False)
    assert "join.inner DONE" in proc.stdout


def test_a_failing_function_task_fails_alone(run_deeprc, tables, tmp_path):
    tasks = write_tasks(tmp_path / "tasks.yaml", f"""
- uid: good
  mode: function
  function: table.join
  ranks: 2
  args: {{left: {tables}/left.parquet, right: {tables}/right.parquet, on: k}}
- uid: missing.column
  mode: function
  function: table.join
  args: {{left: {tables}/left.parquet, right: {tables}/right.parquet, on: no_such_column}}
- uid: unknown
  mode: function
  function: table.no_such_operator
""")
    session = tmp_path / "session"
    proc = run_deeprc("tasks", tasks, "--cores", 2, "--session", session, "--quiet", check=False)
    assert proc.returncode != 0
    assert "missing.column FAILED" in proc.stdout and "no_such_column" in proc.stdout
    assert "unknown FAILED" in proc.stdout and "no function task named 'table.no_such_operator'" in proc.stdout
    results = json.loads((session / "results.json").read_text())
    left = pq.read_table(tables / "left.parquet").to_pandas()
    right = pq.read_table(tables / "right.parquet").to_pandas()
    assert results == {"good": {"rows": len(left.merge(right, on="k")), "rank_rows": results["good"]["rank_rows"]}}


@pytest.mark.parametrize("entry, message, line", [
    ("mode: function\n  function: table.join\n  executable: /bin/true", "not an executable", 3),
    ("mode: function", "names no function", 3),
    ("mode: functoin\n  function: table.join", "unknown task mode 'functoin'", 4),
    ("mode: function\n  function: table.join\n  cores_per_rank: 2", "one worker (one core) per rank", 3),
    ("mode: function\n  function: table.join\n  args: [a, b]", "'args' must be a map", 6),
])
def test_malformed_function_tasks_are_refused_with_their_line(run_deeprc, tmp_path, entry, message, line):
    tasks = write_tasks(tmp_path / "tasks.yaml", f"- uid: ok\n  executable: /bin/true\n- uid: bad\n  {entry}\n")
    proc = run_deeprc("tasks", tasks, "--cores", 1, "--session", tmp_path / "session", check=False)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    assert f"tasks.yaml:{line}:" in proc.stderr, proc.stderr


def test_training_as_a_function_task_equals_deeprc_train(run_deeprc, tmp_path):
    """learn.train in the pool runs what `deeprc train` runs: on 1 rank, and data-parallel over the
    task's 2 workers as `deeprc train --ranks 2` over MPI, the test metrics are the same numbers."""
    data = tmp_path / "ett.csv"
    run_deeprc("data", "generate-ett", "--out", data, "--rows", 2000)
    common = ["--horizon", 24, "--max-steps", 30, "--targets", "OT", "--threads", 1, "--quiet"]
    run_deeprc("train", "nlinear", "--data", data, "--out", tmp_path / "bare1", *common)
    run_deeprc("train", "nlinear", "--data", data, "--out", tmp_path / "bare2", "--ranks", 2, "--backend", "mpi",
               *common)
    args = f"{{model: nlinear, data: {data}, horizon: 24, max_steps: 30, targets: [OT]"
    tasks = write_tasks(tmp_path / "tasks.yaml", f"""
- uid: one
  mode: function
  function: learn.train
  args: {args}, out: {tmp_path}/one}}
- uid: two
  mode: function
  function: learn.train
  ranks: 2
  args: {args}, out: {tmp_path}/two}}
""")
    session = tmp_path / "session"
    run_deeprc("tasks", tasks, "--cores", 2, "--session", session, "--quiet")
    results = json.loads((session / "results.json").read_text())

    def test_metrics(folder):
        return json.loads((tmp_path / folder / "metrics.json").read_text())["test"]

    for uid, bare in [("one", "bare1"), ("two", "bare2")]:
        assert test_metrics(uid) == test_metrics(bare), uid
        assert results[uid]["test"] == test_metrics(bare)
        assert results[uid]["ranks"] == (1 if uid == "one" else 2)
        assert (tmp_path / uid / "predictions.parquet").is_file()


def test_the_readme_example_runs_as_written(build_dir, tmp_path):
    """Issue 14, item 11: the README's function-task example failed as written (relative paths,
    inputs nobody had). Its shell block runs unchanged from a folder laid out like the repository
    root (build/ there), and the join equals pandas' merge of the inputs it wrote."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Function tasks"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert blocks, "the README's function-task section has no shell block to run"
    (tmp_path / "build").symlink_to(build_dir)
    proc = subprocess.run(["bash", "-e", "-c", blocks[0]], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "join DONE" in proc.stdout and "train DONE" in proc.stdout, proc.stdout
    demo = tmp_path / "demo"
    expected = pd.read_csv(demo / "a.csv").merge(pd.read_csv(demo / "b.csv"), on="k")
    got = pq.read_table(demo / "joined.parquet").to_pandas()
    pd.testing.assert_frame_equal(normalized(got), normalized(expected), check_dtype=False)
    assert (demo / "nlinear" / "metrics.json").is_file()
