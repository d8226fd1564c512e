"""`deeprc table sort|head|tail|concat|equals|partition` end to end against pandas and pyarrow."""
import math
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from sort_join_reference import random_table, row_multiset


def with_row_ids(table):
    return table.append_column("row", pa.array(np.arange(table.num_rows), pa.int64()))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("size", [0, 1, 60, 700])
@pytest.mark.parametrize("by", [["k"], ["-s"], ["s", "-k"], ["-d", "i8", "-v"], ["u32", "-f32"]])
def test_sort_matches_pandas_stable_nulls_last(tmp_path, run_deeprc, seed, size, by):
    rng = np.random.default_rng(seed)
    table = with_row_ids(random_table(rng, size, key_range=5, payload="left"))
    pq.write_table(table, tmp_path / "in.parquet")
    run_deeprc("table", "sort", tmp_path / "in.parquet", "--by", ",".join(by), "--out", tmp_path / "out.arrow")
    got = feather.read_table(tmp_path / "out.arrow")
    assert got.schema == table.schema

    columns = [key.lstrip("-") for key in by]
    ascending = [not key.startswith("-") for key in by]
    # A stable multi-key sort with nulls last in each key; the row ids pin down ties.
    expected = table.to_pandas().sort_values(columns, ascending=ascending, na_position="last", kind="stable")
    assert got.column("row").to_pylist() == expected["row"].tolist()


def radix_reference(values, ascending):
    """The documented order in plain Python: numbers (stable, -0.0 == 0.0), then NaN, then nulls."""
    def key(item):
        row, v = item
        if v is None:
            return (2, 0)
        if isinstance(v, float) and math.isnan(v):
            return (1, 0)
        return (0, v if ascending else -v)
    return [row for row, _ in sorted(enumerate(values), key=key)]


@pytest.mark.parametrize("size", [33, 2049, 20000])
@pytest.mark.parametrize("type_name", ["int64", "int16", "uint64", "float64", "float32", "timestamp"])
@pytest.mark.parametrize("descending", [False, True])
def test_single_key_radix_sort(tmp_path, run_deeprc, size, type_name, descending):
    # One fixed-width key: deeprc's radix sort. Wide and narrow ranges, duplicates, negatives,
    # nulls and, for floats, NaN and -0.0 / 0.0 (equal, so their input order stays).
    rng = np.random.default_rng(size)
    wide = rng.integers(-(1 << 62), 1 << 62, size)
    narrow = rng.integers(-40, 40, size)
    raw = np.where(rng.random(size) < 0.5, wide, narrow)
    if type_name == "uint64":
        values = [int(v) + (1 << 62) for v in raw]
    elif type_name == "int16":
        values = [int(v) % 60000 - 30000 for v in raw]
    elif type_name.startswith("float"):
        values = [float(v) / 8 for v in narrow]
        for i in rng.choice(size, size // 10, replace=False):
            values[i] = [float("nan"), -0.0, 0.0, float("inf"), -float("inf")][i % 5]
    else:
        values = [int(v) for v in raw]
    values = [None if m else v for v, m in zip(values, rng.random(size) < 0.1)]
    arrow_type = {"timestamp": pa.timestamp("ns")}.get(type_name) or getattr(pa, type_name)()
    table = with_row_ids(pa.table({"k": pa.array(values, arrow_type), "v": rng.random(size)}))
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=1000)
    by = "-k" if descending else "k"
    run_deeprc("table", "sort", tmp_path / "in.parquet", "--by", by, "--out", tmp_path / "out.arrow")
    got = feather.read_table(tmp_path / "out.arrow")
    keys = values
    if type_name == "float32":
        keys = [None if k is None else float(np.float32(k)) for k in keys]
    assert got.column("row").to_pylist() == radix_reference(keys, not descending)
    expected = table.take(got.column("row"))
    # repr, because NaN != NaN: the gathered keys must be bit for bit the input's (-0.0 stays -0.0).
    assert repr(got.column("k").to_pylist()) == repr(expected.column("k").to_pylist())
    assert got.column("v").equals(expected.column("v"))


def test_sort_types_and_errors(tmp_path, run_deeprc):
    table = pa.table({
        "ls": pa.array(["b", None, "a", "b"], pa.large_string()),
        "t": pa.array([3, 1, None, 2], pa.timestamp("ms")),
        "b": pa.array([True, None, False, True]),
        "u": pa.array([2**63, 5, None, 0], pa.uint64()),
    })
    src = tmp_path / "in.arrow"
    feather.write_feather(table, src)
    for by, expected in [("ls,-t", [2, 0, 3, 1]), ("-b,u", [3, 0, 2, 1]), ("-u", [0, 1, 3, 2]), ("t", [1, 3, 0, 2])]:
        run_deeprc("table", "sort", src, "--by", by, "--out", tmp_path / "out.arrow")
        got = feather.read_table(tmp_path / "out.arrow")
        assert got.equals(table.take(expected)), by

    proc = run_deeprc("table", "sort", src, "--by", "ls,-zz", check=False)
    assert proc.returncode == 1
    assert "in.arrow: no column 'zz'; the table has: ls, t, b, u" in proc.stderr
    proc = run_deeprc("table", "sort", src, "--by", "-", check=False)
    assert proc.returncode == 1 and "empty column name" in proc.stderr
    assert "descending" in run_deeprc("table", "sort", "--help").stdout


@pytest.mark.parametrize("command", ["head", "tail"])
@pytest.mark.parametrize("size,n", [(0, 3), (5, 0), (5, 3), (5, 10), (1000, 7)])
def test_head_tail_match_pyarrow(tmp_path, run_deeprc, command, size, n):
    table = random_table(np.random.default_rng(size), size, payload="right")
    pq.write_table(table, tmp_path / "in.parquet")
    run_deeprc("table", command, tmp_path / "in.parquet", "-n", n, "--out", tmp_path / "out.arrow")
    got = feather.read_table(tmp_path / "out.arrow")
    count = min(n, size)
    expected = table.slice(0, count) if command == "head" else table.slice(size - count, count)
    assert got.equals(expected)


def test_head_defaults_to_ten_rows_and_prints_without_out(tmp_path, run_deeprc):
    pq.write_table(pa.table({"x": list(range(25))}), tmp_path / "in.parquet")
    run_deeprc("table", "head", tmp_path / "in.parquet", "--out", tmp_path / "out.parquet")
    assert pq.read_table(tmp_path / "out.parquet").column("x").to_pylist() == list(range(10))
    printed = run_deeprc("table", "tail", tmp_path / "in.parquet", "-n", "2").stdout
    assert "23" in printed and "24" in printed and "22" not in printed
    proc = run_deeprc("table", "head", tmp_path / "in.parquet", "-n", "-1", check=False)
    # Refused while the command line is parsed (CLI11's exit code for a failed check), flag named.
    assert proc.returncode != 0 and "--rows: must be a whole number >= 0, got '-1'" in proc.stderr


def test_concat_matches_pyarrow(tmp_path, run_deeprc):
    rng = np.random.default_rng(9)
    tables = [random_table(rng, n, payload="left") for n in (0, 13, 200, 1)]
    paths = []
    for i, table in enumerate(tables):
        paths.append(tmp_path / f"part{i}.parquet")
        pq.write_table(table, paths[-1])
    run_deeprc("table", "concat", *paths, "--out", tmp_path / "all.arrow")
    assert feather.read_table(tmp_path / "all.arrow").equals(pa.concat_tables(tables))


def test_concat_errors_name_the_file_and_column(tmp_path, run_deeprc):
    pq.write_table(pa.table({"k": pa.array([1], pa.int64()), "s": ["a"]}), tmp_path / "A.parquet")
    pq.write_table(pa.table({"k": pa.array([1], pa.int32()), "s": ["a"]}), tmp_path / "B.parquet")
    pq.write_table(pa.table({"k": pa.array([1], pa.int64())}), tmp_path / "C.parquet")
    proc = run_deeprc("table", "concat", tmp_path / "A.parquet", tmp_path / "B.parquet", check=False)
    assert proc.returncode == 1
    assert "column 'k' has type int32 in" in proc.stderr and "B.parquet" in proc.stderr
    proc = run_deeprc("table", "concat", tmp_path / "A.parquet", tmp_path / "C.parquet", check=False)
    assert proc.returncode == 1 and "column 's' of" in proc.stderr and "C.parquet" in proc.stderr


def test_equals_ordered_and_unordered(tmp_path, run_deeprc):
    rng = np.random.default_rng(11)
    table = random_table(rng, 300, payload="right")
    shuffled = table.take(rng.permutation(table.num_rows))
    changed = table.set_column(2, "v", pc.add(table.column("v"), 1.0))
    for name, t in [("a", table), ("b", shuffled), ("c", changed), ("d", table.slice(0, 299))]:
        pq.write_table(t, tmp_path / f"{name}.parquet")
    a, b, c, d = (tmp_path / f"{x}.parquet" for x in "abcd")

    assert run_deeprc("table", "equals", a, a).returncode == 0
    assert run_deeprc("table", "equals", a, b, "--unordered").returncode == 0
    proc = run_deeprc("table", "equals", a, b, check=False)
    assert proc.returncode == 1 and "differ: row" in proc.stderr
    proc = run_deeprc("table", "equals", a, c, "--unordered", check=False)
    assert proc.returncode == 1 and "column 'v'" in proc.stderr
    proc = run_deeprc("table", "equals", a, d, check=False)
    assert proc.returncode == 1 and "300 rows" in proc.stderr
    empty = tmp_path / "e.parquet"
    pq.write_table(table.slice(0, 0), empty)
    assert run_deeprc("table", "equals", empty, empty, "--unordered").returncode == 0


@pytest.mark.parametrize("parts", [1, 3, 8])
def test_partition_keeps_every_row_and_equal_keys_together(tmp_path, run_deeprc, parts):
    rng = np.random.default_rng(parts)
    table = random_table(rng, 500, key_range=30, payload="left")
    pq.write_table(table, tmp_path / "in.parquet")
    run_deeprc("table", "partition", tmp_path / "in.parquet", "--by", "k,s", "-n", parts,
               "--out", tmp_path / "p.parquet")
    # Part files are named as every part file of deeprc: ".<part>" before the extension.
    pieces = [pq.read_table(tmp_path / f"p.{i}.parquet") for i in range(parts)]
    assert row_multiset(pa.concat_tables(pieces)) == row_multiset(table)
    owner = {}
    for i, piece in enumerate(pieces):
        for key in zip(piece.column("k").to_pylist(), piece.column("s").to_pylist()):
            assert owner.setdefault(key, i) == i, f"key {key} is in parts {owner[key]} and {i}"


def test_partition_agrees_across_compatible_key_types(tmp_path, run_deeprc):
    rng = np.random.default_rng(12)
    base = random_table(rng, 400, key_range=50, null_frac=0.2, payload="left")
    narrow = base.set_column(0, "k", base.column("k").cast(pa.int32())).set_column(
        1, "s", base.column("s").cast(pa.large_string()))
    feather.write_feather(base, tmp_path / "wide.arrow")
    feather.write_feather(narrow, tmp_path / "narrow.arrow")
    for name in ("wide", "narrow"):
        run_deeprc("table", "partition", tmp_path / f"{name}.arrow", "--by", "k,s", "-n", 4,
                   "--out", tmp_path / f"{name}-{{rank}}.arrow")
    for i in range(4):
        wide = feather.read_table(tmp_path / f"wide-{i}.arrow")
        narrow = feather.read_table(tmp_path / f"narrow-{i}.arrow")
        # The same rows, in the same order: the payloads are identical.
        assert wide.drop_columns(["k", "s"]).equals(narrow.drop_columns(["k", "s"]))
    # All-null keys land in one part.
    nulls = pa.table({"k": pa.array([None] * 50, pa.int64()), "x": list(range(50))})
    pq.write_table(nulls, tmp_path / "nulls.parquet")
    run_deeprc("table", "partition", tmp_path / "nulls.parquet", "--by", "k", "-n", 5, "--out", tmp_path / "n.parquet")
    sizes = sorted(pq.read_metadata(tmp_path / f"n.{i}.parquet").num_rows for i in range(5))
    assert sizes == [0, 0, 0, 0, 50]


def test_partition_refuses_the_old_placeholder(tmp_path, run_deeprc):
    """Part files have one naming scheme ({rank}, or .<part> before the extension): the old '{}'
    is refused with the new spelling, not written into a file name."""
    pq.write_table(pa.table({"k": [1, 2, 3]}), tmp_path / "in.parquet")
    proc = run_deeprc("table", "partition", tmp_path / "in.parquet", "--by", "k", "-n", 2,
                      "--out", tmp_path / "p-{}.parquet", check=False)
    assert proc.returncode == 1 and "'{}' is no part placeholder" in proc.stderr and "{rank}" in proc.stderr
    assert not list(tmp_path.glob("p-*"))
