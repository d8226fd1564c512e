"""`deeprc table join` end to end against pandas merge with SQL null semantics, both algorithms."""
import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from sort_join_reference import random_table, row_multiset, sql_merge

HOWS = ["inner", "left", "right", "outer"]
ALGORITHMS = ["hash", "sort"]


def check_join(tmp_path, run_deeprc, left, right, left_on, right_on, hows=HOWS, out_format="parquet"):
    pq.write_table(left, tmp_path / "A.parquet")
    pq.write_table(right, tmp_path / "B.parquet")
    if left_on == right_on:
        keys = ["--on", ",".join(left_on)]
    else:
        keys = ["--left-on", ",".join(left_on), "--right-on", ",".join(right_on)]
    results = {}
    for how in hows:
        columns, expected = sql_merge(left, right, left_on, right_on, how)
        for algorithm in ALGORITHMS:
            out = tmp_path / f"{how}-{algorithm}.{out_format}"
            run_deeprc("table", "join", "--left", tmp_path / "A.parquet", "--right", tmp_path / "B.parquet", *keys,
                       "--how", how, "--algorithm", algorithm, "--out", out)
            got = pq.read_table(out) if out_format == "parquet" else feather.read_table(out)
            assert got.column_names == columns, (how, algorithm)
            assert row_multiset(got) == expected, (how, algorithm)
            results[how, algorithm] = got
    return results


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sizes", [(0, 0), (0, 7), (9, 0), (40, 30), (400, 250)])
def test_join_matches_pandas(tmp_path, run_deeprc, seed, sizes):
    rng = np.random.default_rng(seed)
    left = random_table(rng, sizes[0], payload="left")
    right = random_table(rng, sizes[1], payload="right")
    check_join(tmp_path, run_deeprc, left, right, ["k"], ["k"])


@pytest.mark.parametrize("seed", [3, 4])
def test_join_on_two_keys(tmp_path, run_deeprc, seed):
    rng = np.random.default_rng(seed)
    left = random_table(rng, 300, key_range=4, payload="left")
    right = random_table(rng, 200, key_range=4, payload="right")
    check_join(tmp_path, run_deeprc, left, right, ["k", "s"], ["k", "s"])


def test_join_int32_with_int64_and_string_with_large_string(tmp_path, run_deeprc):
    rng = np.random.default_rng(5)
    left = random_table(rng, 200, key_type=pa.int32(), payload="left")
    right = random_table(rng, 150, key_type=pa.int64(), string_type=pa.large_string(), payload="right")
    # Arrow IPC output, because deeprc's Parquet writer does not keep large_string.
    results = check_join(tmp_path, run_deeprc, left, right, ["k", "s"], ["k", "s"], hows=["inner", "outer"],
                         out_format="arrow")
    for got in results.values():
        assert got.schema.field("k").type == pa.int64()
        assert got.schema.field("s").type == pa.large_string()


def test_join_all_null_keys(tmp_path, run_deeprc):
    rng = np.random.default_rng(6)
    left = random_table(rng, 30, null_frac=1.0, payload="left")
    right = random_table(rng, 20, null_frac=0.2, payload="right")
    results = check_join(tmp_path, run_deeprc, left, right, ["k"], ["k"])
    assert results["inner", "hash"].num_rows == 0
    assert results["outer", "sort"].num_rows == 50


def test_join_different_key_names(tmp_path, run_deeprc):
    rng = np.random.default_rng(7)
    left = random_table(rng, 120, payload="left")
    right = random_table(rng, 90, payload="right").rename_columns(["id", "s", "v", "b", "t", "u64", "ls", "i16"])
    # One pair with different names (both columns kept), one with the same name (one column).
    check_join(tmp_path, run_deeprc, left, right, ["k", "s"], ["id", "s"])


def test_join_only_duplicate_keys(tmp_path, run_deeprc):
    left = pa.table({"k": [1] * 30, "x": list(range(30))})
    right = pa.table({"k": [1] * 20 + [None] * 3, "y": list(range(23))})
    results = check_join(tmp_path, run_deeprc, left, right, ["k"], ["k"], hows=["inner", "right"])
    assert results["inner", "sort"].num_rows == 600


def test_join_errors_name_the_file_and_column(tmp_path, run_deeprc):
    pq.write_table(pa.table({"k": [1, 2], "v": ["a", "b"]}), tmp_path / "A.parquet")
    pq.write_table(pa.table({"id": [1], "w": [0.5]}), tmp_path / "B.parquet")
    a, b = tmp_path / "A.parquet", tmp_path / "B.parquet"
    proc = run_deeprc("table", "join", "--left", a, "--right", b, "--on", "k", "--out", tmp_path / "C.parquet",
                      check=False)
    assert proc.returncode == 1
    assert "B.parquet: no column 'k'; the table has: id, w" in proc.stderr
    assert not (tmp_path / "C.parquet").exists()

    proc = run_deeprc("table", "join", "--left", a, "--right", b, "--left-on", "v", "--right-on", "id", check=False)
    assert proc.returncode == 1
    assert "A.parquet column 'v' (string)" in proc.stderr and "B.parquet column 'id' (int64)" in proc.stderr

    proc = run_deeprc("table", "join", "--left", a, "--right", b, "--on", "k", "--how", "cross", check=False)
    assert proc.returncode == 1 and "inner, left, right or outer" in proc.stderr
    proc = run_deeprc("table", "join", "--left", a, "--right", b, "--on", "k", "--left-on", "k", check=False)
    assert proc.returncode != 0
    proc = run_deeprc("table", "join", "--left", tmp_path / "missing.parquet", "--right", b, "--on", "k",
                      check=False)
    assert proc.returncode == 1 and "missing.parquet" in proc.stderr


def test_join_help_documents_the_options(run_deeprc):
    text = run_deeprc("table", "join", "--help").stdout
    for option in ["--left", "--right", "--on", "--left-on", "--right-on", "--how", "--algorithm", "--suffixes",
                   "--out", "null key"]:
        assert option in text


@pytest.mark.parametrize("key_range", [50, 3000, 10**12])
@pytest.mark.parametrize("key_type", [pa.int32(), pa.int64(), pa.float64()])
def test_single_key_join_fast_path_larger(tmp_path, run_deeprc, key_range, key_type):
    # One numeric key: deeprc's own hash join (a perfect hash for dense keys, hashing otherwise),
    # on tables large enough to cross its 32-row batches, with duplicates, nulls and negative keys.
    if key_type == pa.int32():
        key_range = min(key_range, 1 << 30)
    rng = np.random.default_rng(key_range % 97)
    left = random_table(rng, 3000, key_type=key_type, key_range=key_range, payload="left")
    right = random_table(rng, 2000, key_type=key_type, key_range=key_range, payload="right")
    shift = key_range // 2  # negative keys too
    left = left.set_column(0, "k", pa.array([None if k is None else k - shift for k in left.column("k").to_pylist()],
                                            key_type))
    right = right.set_column(0, "k", pa.array([None if k is None else k - shift
                                               for k in right.column("k").to_pylist()], key_type))
    check_join(tmp_path, run_deeprc, left, right, ["k"], ["k"])
