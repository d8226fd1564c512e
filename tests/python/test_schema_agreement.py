"""Ranks whose files order or type their columns differently (issue 14, item 1): `deeprc table
<op> 'in-{rank}.parquet' --ranks 2 --gather` agrees on one schema before any exchange, so the
result equals pyarrow's on the files conformed by hand (rank 0's column order, the type Arrow
unifies to); what cannot be agreed on is a clear error naming the ranks and the column, never
garbage with exit 0."""
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

BACKENDS = ["gloo", "mpi"]


def shares(kind):
    """Rank 0's and rank 1's tables: k distinct over both ranks (so a sort has one answer), g = k // 2
    (so `unique --on g` drops rows, and keeps some of rank 1's), v = k / 4."""
    rng = np.random.default_rng(14)
    keys = rng.permutation(400).astype("int64")

    def table(k):
        return pa.table({"k": k, "g": k // 2, "v": k / 4.0})

    t0, t1 = table(keys[:250]), table(keys[250:])
    if kind == "order":
        return t0, t1.select(["v", "g", "k"])
    if kind == "types":
        return t0, t1.set_column(0, "k", pc.cast(t1["k"], pa.float64()))
    raise ValueError(kind)


def conformed(kind):
    """The global table as the ranks must agree on it, built by pyarrow alone."""
    t0, t1 = shares(kind)
    schema = pa.unify_schemas([t0.schema, t1.schema], promote_options="permissive")
    return pa.concat_tables([t0.cast(schema), t1.select(schema.names).cast(schema)])


def first_of_each(table, column):
    """The first row of each distinct value of `column`, in order (pandas' drop_duplicates)."""
    seen = set()
    rows = [i for i, value in enumerate(table[column].to_pylist()) if not (value in seen or seen.add(value))]
    return table.take(rows)


def write_shares(directory, tables):
    for rank, table in enumerate(tables):
        pq.write_table(table, directory / f"in-{rank}.parquet")
    return str(directory / "in-{rank}.parquet")


OPERATIONS = {
    # name: (arguments after the input, pyarrow's answer on the conformed table, ordered?)
    "sort": (["--by", "k"], lambda t: t.sort_by("k"), True),
    "select": (["--where", "k > 120"], lambda t: t.filter(pc.greater(t["k"], 120)), True),
    "unique": (["--on", "g"], lambda t: first_of_each(t, "g"), False),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["order", "types"])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_ranks_agree_on_one_schema(run_deeprc, tmp_path, backend, kind, operation):
    args, reference, ordered = OPERATIONS[operation]
    pattern = write_shares(tmp_path, shares(kind))
    out = tmp_path / "out.parquet"
    run_deeprc("table", operation, pattern, *args, "--ranks", 2, "--backend", backend, "--gather", "-o", out)
    got = pq.read_table(out)
    expected = reference(conformed(kind))
    assert got.schema.equals(expected.schema), f"{got.schema}\nvs\n{expected.schema}"
    if not ordered:
        got, expected = got.sort_by("k"), expected.sort_by("k")
    assert got.equals(expected), f"{got.to_pydict()}\nvs\n{expected.to_pydict()}"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_types_arrow_cannot_unify_are_an_error(run_deeprc, tmp_path, backend, operation):
    t0, t1 = shares("order")
    t1 = t1.set_column(2, "k", pc.cast(t1["k"], pa.string()))
    pattern = write_shares(tmp_path, [t0, t1])
    out = tmp_path / "out.parquet"
    args = OPERATIONS[operation][0]
    proc = run_deeprc("table", operation, pattern, *args, "--ranks", 2, "--backend", backend, "--gather", "-o", out,
                      check=False)
    assert proc.returncode != 0, proc.stderr
    assert "column 'k' is int64 on rank 0 and string on rank 1" in proc.stderr, proc.stderr
    assert "in-{rank}.parquet" in proc.stderr, proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_column_is_an_error(run_deeprc, tmp_path, backend):
    t0, t1 = shares("order")
    pattern = write_shares(tmp_path, [t0, t1.select(["g", "k"])])
    out = tmp_path / "out.parquet"
    proc = run_deeprc("table", "sort", pattern, "--by", "k", "--ranks", 2, "--backend", backend, "--gather", "-o", out,
                      check=False)
    assert proc.returncode != 0, proc.stderr
    assert "rank 1 has no column 'v', which rank 0 has" in proc.stderr, proc.stderr
    assert not out.exists()
