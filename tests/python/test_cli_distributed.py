"""`deeprc table <op> --ranks N --backend B`: the distributed run of every operator equals the
local run of the same command on the same files (as multisets, or in order where the operator
defines one)."""
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

BACKENDS = ["mpi", "gloo", "ucx"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    rng = np.random.default_rng(7)
    d = tmp_path_factory.mktemp("dist-inputs")

    def table(n, payload):
        keys = rng.integers(0, n // 2, n).astype("int64")
        mask = rng.random(n) < 0.05
        return pa.table({
            "k": pa.array(keys, mask=mask),
            "s": pa.array([f"s{v % 5}" for v in rng.integers(0, 100, n)]),
            payload: rng.normal(size=n),
        })

    # Small row groups, so that each rank reads its own part of one file.
    pq.write_table(table(3000, "a"), d / "left.parquet", row_group_size=400)
    pq.write_table(table(2000, "b"), d / "right.parquet", row_group_size=400)
    narrow_a = table(1500, "a").select(["k", "s"])
    narrow_b = table(1500, "b").select(["k", "s"])
    pq.write_table(narrow_a, d / "a.parquet", row_group_size=300)
    pq.write_table(narrow_b, d / "b.parquet", row_group_size=300)
    return d


OPERATIONS = {
    "join": (["join", "--left", "{d}/left.parquet", "--right", "{d}/right.parquet", "--on", "k", "--how", "outer"], False),
    "sort": (["sort", "{d}/left.parquet", "--by", "s,-a"], True),
    "groupby": (["groupby", "{d}/left.parquet", "--by", "k", "--agg", "a:sum,a:mean,a:std,a:median,s:nunique"], False),
    "unique": (["unique", "{d}/left.parquet", "--on", "s"], False),
    "union": (["union", "{d}/a.parquet", "{d}/b.parquet"], False),
    "subtract": (["subtract", "{d}/a.parquet", "{d}/b.parquet"], False),
    "select": (["select", "{d}/left.parquet", "--where", "a > 0 and s != 's1'"], True),
    "head": (["head", "{d}/left.parquet", "-n", "1234"], True),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_distributed_equals_local(run_deeprc, inputs, tmp_path, backend, operation):
    args, ordered = OPERATIONS[operation]
    args = [a.format(d=inputs) for a in args]
    run_deeprc("table", *args, "--out", tmp_path / "local.arrow")
    run_deeprc("table", *args, "--ranks", 3, "--backend", backend, "--gather", "--out", tmp_path / "dist.arrow")
    compare = ["table", "equals", tmp_path / "local.arrow", tmp_path / "dist.arrow"]
    if not ordered:
        compare.append("--unordered")
    if operation == "groupby":
        # Floating-point sums combine in another order across ranks: compare rounded values.
        local = pa.ipc.open_file(tmp_path / "local.arrow").read_all().to_pandas().round(9)
        dist = pa.ipc.open_file(tmp_path / "dist.arrow").read_all().to_pandas().round(9)
        key = list(local.columns)
        assert local.sort_values(key).reset_index(drop=True).equals(dist.sort_values(key).reset_index(drop=True))
        return
    run_deeprc(*compare)


def test_per_rank_files_in_and_out(run_deeprc, inputs, tmp_path):
    """Inputs named with {rank} are read one file per rank; without --gather each rank writes its part."""
    whole = pq.read_table(inputs / "left.parquet")
    for r in range(2):
        pq.write_table(whole.slice(r * 1500, 1500), tmp_path / f"in-{r}.parquet")
    run_deeprc("table", "sort", tmp_path / "in-{rank}.parquet", "--by", "k", "--ranks", 2, "--backend", "gloo",
               "--out", tmp_path / "out-{rank}.parquet")
    parts = [pq.read_table(tmp_path / f"out-{r}.parquet") for r in range(2)]
    got = pa.concat_tables(parts)
    expected = whole.sort_by([("k", "ascending")])
    assert got.num_rows == whole.num_rows
    # Globally ordered: rank 0's part then rank 1's is the sorted key column (nulls last).
    assert got.column("k").to_pylist() == expected.column("k").to_pylist()


def test_distributed_error_names_the_file_and_column(run_deeprc, inputs, tmp_path):
    proc = run_deeprc("table", "join", "--left", inputs / "left.parquet", "--right", inputs / "right.parquet",
                      "--on", "nope", "--ranks", 2, "--backend", "gloo", "--out", tmp_path / "j.parquet", check=False)
    assert proc.returncode != 0
    assert "nope" in proc.stderr and "left.parquet" in proc.stderr
