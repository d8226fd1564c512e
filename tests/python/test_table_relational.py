"""`deeprc table select|project|groupby|unique|union|intersect|subtract` end to end.

Random tables with nulls, strings, dates and timestamps (several seeds and sizes, including empty
tables, all-null keys and duplicate keys) go through the CLI as Parquet and come back as Arrow
IPC, which keeps every type exactly (large_string included); each result is checked
against an independent pandas computation: nullable-dtype masks for select, groupby(dropna=False)
for groupby, drop_duplicates for unique, concat/merge for the set operators.
"""
import datetime
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

# pandas warns when a group has only nulls to take the median of; such groups are part of the test.
pytestmark = pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")

SEEDS = [0, 1, 2]
SIZES = [0, 1, 40, 1500]
BASE_DATE = datetime.date(2020, 1, 1)


def with_nulls(rng, values, null_fraction):
    mask = rng.random(len(values)) < null_fraction
    return [None if m else v for m, v in zip(mask, values)]


def random_table(seed, n, null_fraction=0.15, cardinality=4):
    """Every type the operators support, each with nulls; key-like columns have few values."""
    rng = np.random.default_rng(seed)

    def col(values, type_):
        return pa.array(with_nulls(rng, list(values), null_fraction), type=type_)

    return pa.table(
        {
            "k_int": col(rng.integers(0, cardinality, n).tolist(), pa.int64()),
            "k_str": col(rng.choice(["a", "b", "", "dd"], n).tolist(), pa.string()),
            "k_bool": col((rng.random(n) < 0.5).tolist(), pa.bool_()),
            "k_date": col([BASE_DATE + datetime.timedelta(days=int(d)) for d in rng.integers(0, 3, n)], pa.date32()),
            "i8": col(rng.integers(-100, 100, n).tolist(), pa.int8()),
            "i32": col(rng.integers(-1000, 1000, n).tolist(), pa.int32()),
            "u16": col(rng.integers(0, 60000, n).tolist(), pa.uint16()),
            "u64": col(rng.integers(0, 2**63, n, dtype=np.uint64).tolist(), pa.uint64()),
            "f32": col(rng.normal(size=n).astype(np.float32).tolist(), pa.float32()),
            "f64": col((rng.normal(size=n) * 100).tolist(), pa.float64()),
            "s": col(rng.choice(["x", "y", "zz", "w"], n).tolist(), pa.large_string()),
            "ts": col([datetime.datetime(2021, 1, 1) + datetime.timedelta(seconds=int(s)) for s in rng.integers(0, 10**6, n)],
                      pa.timestamp("us")),
        }
    )


def write(tmp_path, name, table):
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def read(path):
    return feather.read_table(path)


def nullable_frame(table):
    """pandas with nullable dtypes, whose &, |, ~ and comparisons are three-valued like SQL's."""
    mapping = {
        pa.int8(): pd.Int8Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
        pa.uint16(): pd.UInt16Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.float32(): pd.Float32Dtype(),
        pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype("python"),
        pa.large_string(): pd.StringDtype("python"),
    }
    return table.to_pandas(types_mapper=mapping.get)


def date_ge(series, day):
    """`series >= day` for an object column of dates and None, with None as NA."""
    return pd.array([None if d is None else d >= day for d in series], dtype="boolean")


# (predicate for deeprc, the same predicate on a nullable-dtype pandas frame)
PREDICATES = [
    ("i32 > 10", lambda d: d.i32 > 10),
    ("f64 >= 0 and s == 'x'", lambda d: (d.f64 >= 0) & (d.s == "x")),
    ("not (k_int == 2) or f32 < -0.5", lambda d: ~(d.k_int == 2) | (d.f32 < -0.5)),
    ("k_str is null || u16 <= 1000", lambda d: d.k_str.isna() | (d.u16 <= 1000)),
    ("i8 * 2 + 1 > 3 && k_bool", lambda d: (d.i8.astype("Int64") * 2 + 1 > 3) & d.k_bool),
    ("i32 / 7 > 1.5 or -i8 < -50", lambda d: (d.i32.astype("Float64") / 7 > 1.5) | (-d.i8.astype("Int64") < -50)),
    ("k_str != '' and not k_bool", lambda d: (d.k_str != "") & ~d.k_bool),
    ("u64 > 4611686018427387904 and u64 != -1", lambda d: d.u64 > 4611686018427387904),
    ("k_date >= '2020-01-02' and s is not null", lambda d: date_ge(d.k_date, datetime.date(2020, 1, 2)) & d.s.notna()),
    ("\"k_int\" + i32 <= 0", lambda d: d.k_int + d.i32.astype("Int64") <= 0),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_select_matches_pandas(tmp_path, run_deeprc, seed, n):
    table = random_table(seed, n)
    src = write(tmp_path, "in.parquet", table)
    frame = nullable_frame(table)
    for i, (text, predicate) in enumerate(PREDICATES):
        out = tmp_path / f"out{i}.arrow"
        run_deeprc("table", "select", src, "--where", text, "--out", out)
        mask = pd.array(predicate(frame), dtype="boolean").fillna(False).to_numpy(dtype=bool)
        expected = table.filter(pa.array(mask))
        got = read(out)
        assert got.equals(expected), f"select {text!r}: {got.num_rows} rows, expected {expected.num_rows}"


def test_select_errors_name_file_column_and_position(tmp_path, run_deeprc):
    src = write(tmp_path, "data.parquet", random_table(0, 5))
    proc = run_deeprc("table", "select", src, "--where", "nope > 1", "--out", tmp_path / "o.arrow", check=False)
    assert proc.returncode != 0
    assert "data.parquet" in proc.stderr and "no column 'nope'" in proc.stderr and "k_int" in proc.stderr
    proc = run_deeprc("table", "select", src, "--where", "i32 > > 1", "--out", tmp_path / "o.arrow", check=False)
    assert proc.returncode != 0
    assert "at column 7" in proc.stderr and "expected a value" in proc.stderr


@pytest.mark.parametrize("seed", SEEDS)
def test_project_chooses_and_reorders(tmp_path, run_deeprc, seed):
    table = random_table(seed, 30)
    src = write(tmp_path, "in.parquet", table)
    run_deeprc("table", "project", src, "--columns", "s,i8,k_date", "--out", tmp_path / "o.arrow")
    assert read(tmp_path / "o.arrow").equals(table.select(["s", "i8", "k_date"]))
    proc = run_deeprc("table", "project", src, "--columns", "s,missing", "--out", tmp_path / "o.arrow",
                      check=False)
    assert proc.returncode != 0 and "in.parquet" in proc.stderr and "no column 'missing'" in proc.stderr


# ---------------------------------------------------------------------------------------------
# groupby

GROUPBY_KEYS = [["k_int"], ["k_str", "k_bool"], ["k_date"], ["k_int", "k_str"]]
AGGREGATIONS = [
    ("f64", "sum"), ("f64", "count"), ("f64", "mean"), ("f64", "min"), ("f64", "max"), ("f64", "var"),
    ("f64", "std"), ("f64", "nunique"), ("f64", "median"), ("f64", "quantile=0.9"), ("f64", "quantile=0.25"),
    ("i32", "sum"), ("i32", "mean"), ("i32", "median"), ("i32", "nunique"), ("u16", "max"), ("f32", "var"),
    ("s", "count"), ("s", "nunique"), ("s", "min"), ("s", "max"), ("ts", "min"),
]


def output_name(column, agg):
    return f"{column}_q{agg.split('=')[1]}" if agg.startswith("quantile=") else f"{column}_{agg}"


def pandas_aggregate(group, agg, ddof=1):
    series = group
    if agg == "sum":
        return series.sum(min_count=1)  # deeprc: the sum of only nulls is null
    if agg == "var":
        return series.var(ddof=ddof)
    if agg == "std":
        return series.std(ddof=ddof)
    if agg.startswith("quantile="):
        return series.quantile(float(agg.split("=")[1]))
    if agg in ("min", "max") and series.dtype == object:
        # Per group in Python: object columns mix str and None.
        return series.agg(lambda x: getattr(x.dropna(), agg)() if x.notna().any() else None)
    return getattr(series, agg)()


def normalize(value):
    """One spelling of missing and of numbers, so pandas and Arrow values compare."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return normalize(value.item())
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def values_match(got, expected):
    got, expected = normalize(got), normalize(expected)
    if got is None or expected is None:
        return got is None and expected is None
    if isinstance(got, float) or isinstance(expected, float):
        return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)
    return got == expected


def check_groupby(tmp_path, run_deeprc, table, keys, aggregations, ddof=1):
    src = write(tmp_path, "in.parquet", table)
    out = tmp_path / "out.arrow"
    specs = ",".join(f"{c}:{a}" for c, a in aggregations)
    args = ["table", "groupby", src, "--by", ",".join(keys), "--agg", specs, "--out", out]
    if ddof != 1:
        args += ["--ddof", ddof]
    run_deeprc(*args)
    got = read(out)
    assert got.column_names == keys + [output_name(c, a) for c, a in aggregations]

    # Groups come sorted by the keys ascending, nulls last.
    order = got.select(keys).sort_by([(k, "ascending") for k in keys], null_placement="at_end")
    assert order.equals(got.select(keys))

    frame = table.to_pandas()
    # Arrow aggregates float32 in float64; so does pandas once the column is float64.
    frame = frame.astype({c: "float64" for c in frame.columns if frame[c].dtype == np.float32})
    grouped = frame.groupby(keys, dropna=False, sort=False)
    expected = {}
    for column, agg in aggregations:
        result = grouped[column].apply(lambda g, agg=agg: pandas_aggregate(g, agg, ddof)) if len(frame) else {}
        for key, value in (result.items() if len(frame) else []):
            key = key if isinstance(key, tuple) else (key,)
            expected.setdefault(tuple(normalize(k) for k in key), {})[output_name(column, agg)] = value
    rows = got.to_pylist()
    assert len(rows) == len(expected), f"{len(rows)} groups, pandas has {len(expected)}"
    for row in rows:
        key = tuple(normalize(row[k]) for k in keys)
        assert key in expected, f"group {key} is not in pandas' result"
        for name, value in expected[key].items():
            assert values_match(row[name], value), f"group {key}, {name}: deeprc {row[name]!r}, pandas {value!r}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_groupby_matches_pandas(tmp_path, run_deeprc, seed, n):
    table = random_table(seed, n)
    for keys in GROUPBY_KEYS:
        check_groupby(tmp_path, run_deeprc, table, keys, AGGREGATIONS)


def test_groupby_acero_only_path_matches_pandas(tmp_path, run_deeprc):
    # Without median/quantile GroupBy runs on Acero alone: the other execution path.
    fast = [(c, a) for c, a in AGGREGATIONS if a != "median" and not a.startswith("quantile")]
    for seed in SEEDS:
        check_groupby(tmp_path, run_deeprc, random_table(seed, 500), ["k_str", "k_int"], fast)


def test_groupby_all_null_and_duplicate_keys(tmp_path, run_deeprc):
    table = random_table(7, 200, null_fraction=0.1)
    all_null = table.set_column(0, "k_int", pa.nulls(200, pa.int64()))
    check_groupby(tmp_path, run_deeprc, all_null, ["k_int"], [("f64", "sum"), ("f64", "median"), ("s", "nunique")])
    one_key = table.set_column(1, "k_str", pa.array(["same"] * 200))
    check_groupby(tmp_path, run_deeprc, one_key, ["k_str"], [("i32", "mean"), ("i32", "quantile=0.5")])


def test_groupby_ddof(tmp_path, run_deeprc):
    check_groupby(tmp_path, run_deeprc, random_table(3, 300), ["k_int"], [("f64", "var"), ("f64", "std")], ddof=0)


# Integer-like keys with these aggregations take GroupBy's fast path (direct indexing for keys of
# a narrow range, hashing for wide ones) instead of Acero.
FAST_AGGREGATIONS = [
    (c, a) for c in ("i8", "i32", "u16", "f32", "f64") for a in ("sum", "count", "mean", "min", "max", "var", "std")
] + [("f64", "median"), ("i32", "quantile=0.25"), ("u64", "max"), ("u64", "count")]


def with_int_keys(table, seed, low, high, step=1, null_fraction=0.1):
    rng = np.random.default_rng(seed + 100)
    keys = (rng.integers(low, high, table.num_rows) * step).tolist()
    return table.set_column(0, "k_int", pa.array(with_nulls(rng, keys, null_fraction), type=pa.int64()))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_groupby_integer_keys_fast_path_matches_pandas(tmp_path, run_deeprc, seed, n):
    table = random_table(seed, n)
    dense_negative = with_int_keys(table, seed, -50, 50)
    sparse = with_int_keys(table, seed, -300, 300, step=2**40 + 7)
    for keyed in (table, dense_negative, sparse):
        check_groupby(tmp_path, run_deeprc, keyed, ["k_int"], FAST_AGGREGATIONS)
    check_groupby(tmp_path, run_deeprc, table, ["k_date"], FAST_AGGREGATIONS)
    check_groupby(tmp_path, run_deeprc, dense_negative, ["k_int", "k_date"], FAST_AGGREGATIONS)
    check_groupby(tmp_path, run_deeprc, sparse, ["k_date", "k_int"], FAST_AGGREGATIONS, ddof=0)


def test_groupby_integer_keys_all_null_values_and_keys(tmp_path, run_deeprc):
    table = with_int_keys(random_table(5, 300), 5, -3, 3)
    no_values = table.set_column(table.schema.get_field_index("f64"), "f64", pa.nulls(300, pa.float64()))
    check_groupby(tmp_path, run_deeprc, no_values, ["k_int"], [("f64", "sum"), ("f64", "mean"), ("f64", "var"),
                                                               ("f64", "count"), ("i32", "sum")])
    no_keys = table.set_column(0, "k_int", pa.nulls(300, pa.int64()))
    check_groupby(tmp_path, run_deeprc, no_keys, ["k_int"], FAST_AGGREGATIONS)


def test_groupby_errors_name_file_and_column(tmp_path, run_deeprc):
    src = write(tmp_path, "data.parquet", random_table(0, 5))
    out = tmp_path / "o.arrow"
    proc = run_deeprc("table", "groupby", src, "--by", "nokey", "--agg", "f64:sum", "--out", out, check=False)
    assert proc.returncode != 0 and "data.parquet" in proc.stderr and "no column 'nokey'" in proc.stderr
    proc = run_deeprc("table", "groupby", src, "--by", "k_int", "--agg", "s:mean", "--out", out, check=False)
    assert proc.returncode != 0 and "column 's'" in proc.stderr
    proc = run_deeprc("table", "groupby", src, "--by", "k_int", "--agg", "f64:average", "--out", out, check=False)
    assert proc.returncode != 0 and "unknown kind 'average'" in proc.stderr


# ---------------------------------------------------------------------------------------------
# unique and the set operators: low-cardinality columns, so that rows repeat

SET_COLUMNS = ["k_int", "k_str", "k_bool", "k_date"]


def small_table(seed, n, int_type=pa.int64(), str_type=pa.string()):
    rng = np.random.default_rng(seed + 100)
    table = random_table(seed, n, cardinality=3).select(SET_COLUMNS)
    halves = pa.array(with_nulls(rng, (rng.integers(0, 3, n) / 2).tolist(), 0.15), pa.float64())
    table = table.append_column("half", halves)
    return table.set_column(0, "k_int", table["k_int"].cast(int_type)).set_column(
        1, "k_str", table["k_str"].cast(str_type))


def kept_positions(frame_index):
    return pa.array(np.asarray(frame_index, dtype=np.int64), pa.int64())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_unique_matches_drop_duplicates(tmp_path, run_deeprc, seed, n):
    table = random_table(seed, n, cardinality=3)
    src = write(tmp_path, "in.parquet", table)
    frame = table.to_pandas()
    for subset in [["k_int"], ["k_str", "k_bool"], ["k_int", "k_date", "s"], None]:
        source, data = (src, table) if subset else (write(tmp_path, "small.parquet", small_table(seed, n)),
                                                     small_table(seed, n))
        out = tmp_path / "out.arrow"
        args = ["table", "unique", source, "--out", out] + (["--on", ",".join(subset)] if subset else [])
        run_deeprc(*args)
        kept = (frame if subset else data.to_pandas()).drop_duplicates(subset=subset, keep="first").index
        expected = data.take(kept_positions(kept))
        got = read(out)
        assert got.equals(expected), f"unique on {subset}: {got.num_rows} rows, expected {expected.num_rows}"


def set_operands(seed, n):
    """A, and B: half rows of A, half new ones, with int32 and large_string where A has int64 and string."""
    a = small_table(seed, n)
    rng = np.random.default_rng(seed + 200)
    fresh = small_table(seed + 50, n)
    picks = rng.integers(0, max(n, 1), n // 2) if n else np.array([], dtype=np.int64)
    b = pa.concat_tables([a.take(pa.array(picks, pa.int64())), fresh.slice(0, n - n // 2)])
    b = b.take(pa.array(rng.permutation(b.num_rows), pa.int64()))
    b = b.set_column(0, "k_int", b["k_int"].cast(pa.int32())).set_column(1, "k_str", b["k_str"].cast(pa.large_string()))
    return a, b


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_set_operators_match_pandas(tmp_path, run_deeprc, seed, n):
    a, b = set_operands(seed, n)
    src_a, src_b = write(tmp_path, "a.parquet", a), write(tmp_path, "b.parquet", b)
    common = pa.schema([a.schema.field(0), pa.field("k_str", pa.large_string())] + list(a.schema)[2:])
    a_common, b_common = a.cast(common), b.cast(common)
    frame_a, frame_b = a.to_pandas(), b.to_pandas()
    columns = list(frame_a.columns)

    # union: the first occurrence of each row of A then B
    both = pd.concat([frame_a, frame_b], ignore_index=True)
    expected_union = pa.concat_tables([a_common, b_common]).take(kept_positions(both.drop_duplicates().index))

    # intersect / subtract: a left merge keeps A's order and says which rows B has
    distinct_a = frame_a.drop_duplicates().reset_index()
    merged = distinct_a.merge(frame_b.drop_duplicates(), how="left", on=columns, indicator=True)
    expected_intersect = a_common.take(kept_positions(merged.loc[merged["_merge"] == "both", "index"]))
    expected_subtract = a_common.take(kept_positions(merged.loc[merged["_merge"] == "left_only", "index"]))

    for op, expected in [("union", expected_union), ("intersect", expected_intersect),
                         ("subtract", expected_subtract)]:
        out = tmp_path / f"{op}.arrow"
        run_deeprc("table", op, src_a, src_b, "--out", out)
        got = read(out)
        assert got.equals(expected), f"{op}: {got.num_rows} rows, expected {expected.num_rows}\n{got}\n{expected}"


def test_set_operator_errors_name_the_column(tmp_path, run_deeprc):
    a = small_table(0, 10)
    src_a = write(tmp_path, "a.parquet", a)
    renamed = write(tmp_path, "renamed.parquet", a.rename_columns(["k_int", "other", "k_bool", "k_date", "half"]))
    proc = run_deeprc("table", "union", src_a, renamed, "--out", tmp_path / "o.arrow", check=False)
    assert proc.returncode != 0
    assert "a.parquet" in proc.stderr and "renamed.parquet" in proc.stderr and "'other'" in proc.stderr
    retyped = write(tmp_path, "retyped.parquet", a.set_column(2, "k_bool", a["k_bool"].cast(pa.string())))
    proc = run_deeprc("table", "intersect", src_a, retyped, "--out", tmp_path / "o.arrow", check=False)
    assert proc.returncode != 0 and "column 'k_bool'" in proc.stderr and "no common type" in proc.stderr


@pytest.mark.parametrize("command", ["select", "project", "groupby", "unique", "union", "intersect", "subtract"])
def test_help_documents_options(run_deeprc, command):
    proc = run_deeprc("table", command, "--help")
    assert "--out" in proc.stdout
    expected = {"select": "--where", "project": "--columns", "groupby": "--agg", "unique": "--on"}.get(command)
    if expected:
        assert expected in proc.stdout


def test_print_without_out_shows_shape_and_first_and_last_rows(tmp_path, run_deeprc):
    """Issue 14 item 11: without --out the whole table was printed; now its shape and first and
    last five rows, as Polars prints a table. Checked against pyarrow's shape, head and tail."""
    n = 2500
    table = pa.table({"x": pa.array(range(n), pa.int64()), "s": pa.array([f"row{i}" for i in range(n)])})
    pq.write_table(table, tmp_path / "in.parquet")
    printed = run_deeprc("table", "select", tmp_path / "in.parquet", "--where", "x >= 0").stdout
    lines = printed.splitlines()
    assert lines[0] == f"shape: ({table.num_rows}, {table.num_columns})"
    assert lines[1].split() == table.column_names
    assert lines[2].split() == [str(t) for t in table.schema.types]
    rows = [line.split() for line in lines[4:]]
    expected_head = [[str(x), s] for x, s in zip(table["x"][:5].to_pylist(), table["s"][:5].to_pylist())]
    expected_tail = [[str(x), s] for x, s in zip(table["x"][-5:].to_pylist(), table["s"][-5:].to_pylist())]
    assert rows == expected_head + [["…", "…"]] + expected_tail
    # A short table is printed whole, nulls as null.
    small = pa.table({"x": pa.array([1, None, 3], pa.int64())})
    pq.write_table(small, tmp_path / "small.parquet")
    printed = run_deeprc("table", "select", tmp_path / "small.parquet", "--where", "true").stdout
    assert printed.splitlines()[0] == "shape: (3, 1)"
    assert [line.strip() for line in printed.splitlines()[4:]] == ["1", "null", "3"]


def test_unreadable_input_says_why_and_names_the_path(tmp_path, run_deeprc):
    """Issue 14 item 11: "Failed to open local file" came without the reason Arrow keeps in the
    status detail. Each read path (CSV with either engine, Parquet, IPC file and stream)."""
    for name in ["missing.csv", "missing.parquet", "missing.arrow", "missing.arrows"]:
        path = tmp_path / name
        proc = run_deeprc("table", "select", path, "--where", "true", "--out", tmp_path / "o.parquet", check=False)
        assert proc.returncode == 1, proc.stderr
        assert f"cannot read '{path}': No such file or directory" in proc.stderr
    folder = tmp_path / "folder.parquet"
    folder.mkdir()
    proc = run_deeprc("table", "select", folder, "--where", "true", "--out", tmp_path / "o.parquet", check=False)
    assert proc.returncode == 1 and f"cannot read '{folder}': Is a directory" in proc.stderr
    assert not (tmp_path / "o.parquet").exists()


def test_decimal_column_compared_with_integer_literal_matches_pyarrow(tmp_path, run_deeprc):
    """Issue 14 item 11: `d > 2` on a decimal column failed with "Precision is not great enough".
    The reference: pyarrow's comparison kernels called on the column and the integer."""
    import decimal

    import pyarrow.compute as pc

    functions = {">": pc.greater, "<=": pc.less_equal, "==": pc.equal, "<": pc.less}
    values = [None if v is None else decimal.Decimal(v) for v in ["1.50", "2.50", None, "2.00", "-3.25", "999.99"]]
    for type_ in [pa.decimal128(5, 2), pa.decimal128(38, 2), pa.decimal256(40, 2)]:
        table = pa.table({"i": pa.array(range(len(values)), pa.int64()), "d": pa.array(values, type_)})
        pq.write_table(table, tmp_path / "dec.parquet")
        for op, literal in [(">", 2), ("<=", 2), ("==", 2), ("<", 1000), (">", -4), ("<", 10**12)]:
            run_deeprc("table", "select", tmp_path / "dec.parquet", "--where", f"d {op} {literal}",
                       "--out", tmp_path / "o.arrow")
            expected = table.filter(functions[op](table["d"], literal))
            got = feather.read_table(tmp_path / "o.arrow")
            assert got["i"].to_pylist() == expected["i"].to_pylist(), (type_, op, literal)
