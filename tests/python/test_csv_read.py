"""`deeprc table convert x.csv y.parquet` reads CSVs as pyarrow.csv.read_csv does.

deeprc reads CSV with its own single-pass reader and falls back to Arrow's reader for what that one
does not read exactly as Arrow does; either way the table must be pyarrow's, and bad input must
still fail naming the file and the row.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest


def reference(path):
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def reference_via_parquet(path, tmp_path):
    """pyarrow's table after pyarrow's own Parquet round trip, as deeprc's output is read back:
    Parquet has no seconds, so both come back with timestamp[s] as timestamp[ms]."""
    out = tmp_path / (path.stem + ".reference.parquet")
    pq.write_table(reference(path), out)
    return pq.read_table(out)


def read_with_deeprc(run_deeprc, path, tmp_path, fast=True):
    """The table deeprc reads; `fast`: whether its own reader read it (else Arrow's, as it logs)."""
    out = tmp_path / (path.stem + ".parquet")
    proc = run_deeprc("--log-level", "debug", "table", "convert", path, out)
    log = proc.stdout + proc.stderr
    assert ("read with Arrow's CSV reader" not in log) == fast, log
    return pq.read_table(out)


def assert_same(got, expected):
    assert got.schema.equals(expected.schema), f"{got.schema}\n!=\n{expected.schema}"
    for name in expected.column_names:
        a, b = got.column(name).combine_chunks(), expected.column(name).combine_chunks()
        if pa.types.is_floating(b.type):
            # Bit for bit: equals() takes -0.0 for 0.0.
            a_bits = np.asarray(a.fill_null(0).to_numpy(zero_copy_only=False)).view(np.int64)
            b_bits = np.asarray(b.fill_null(0).to_numpy(zero_copy_only=False)).view(np.int64)
            assert a.is_null().equals(b.is_null()), name
            assert np.array_equal(a_bits, b_bits), name
        else:
            assert a.equals(b), name


def random_frame(seed, rows):
    rng = np.random.default_rng(seed)
    words = np.array(["item", "a,b", 'say "hi"', "naïve", "", "NA", " x ", "z"])
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "k": rng.integers(-(10**12), 10**12, rows),
            "x": rng.normal(0, 10.0 ** rng.integers(-6, 9, rows)),
            "price": np.round(rng.uniform(0, 1000, rows), 2),
            "s": ["s" + str(i) + w for i, w in zip(rng.integers(0, 10**5, rows), rng.choice(words, rows))],
            # Timestamps to the second and calendar days, as time series are written.
            "when": pd.to_datetime(rng.integers(0, 2 * 10**9, rows), unit="s"),
            "day": pd.to_datetime(rng.integers(-(10**4), 3 * 10**4, rows), unit="D").date,
        }
    )
    frame.loc[rng.random(rows) < 0.05, "x"] = np.nan
    frame.loc[rng.random(rows) < 0.05, "s"] = None
    frame.loc[rng.random(rows) < 0.05, "when"] = pd.NaT
    frame.loc[rng.random(rows) < 0.05, "day"] = None
    return frame


@pytest.mark.parametrize("seed,rows", [(1, 10), (2, 5000), (3, 40000)])
def test_pandas_written_csv_reads_as_pyarrow_does(tmp_path, run_deeprc, seed, rows):
    path = tmp_path / f"pandas_{seed}.csv"
    random_frame(seed, rows).to_csv(path, index=False)
    assert_same(read_with_deeprc(run_deeprc, path, tmp_path), reference_via_parquet(path, tmp_path))


@pytest.mark.parametrize("seed,rows", [(4, 10), (5, 40000)])
def test_pyarrow_written_csv_reads_as_pyarrow_does(tmp_path, run_deeprc, seed, rows):
    path = tmp_path / f"pyarrow_{seed}.csv"
    pacsv.write_csv(pa.Table.from_pandas(random_frame(seed, rows), preserve_index=False), path)
    assert_same(read_with_deeprc(run_deeprc, path, tmp_path), reference_via_parquet(path, tmp_path))


def test_crlf_and_quoted_newlines_read_as_pyarrow_does(tmp_path, run_deeprc):
    path = tmp_path / "crlf.csv"
    random_frame(6, 3000).to_csv(path, index=False, lineterminator="\r\n")
    assert_same(read_with_deeprc(run_deeprc, path, tmp_path), reference_via_parquet(path, tmp_path))
    path = tmp_path / "newlines.csv"
    path.write_text('a,b\n1,"two\nlines"\n2,plain\n')
    assert_same(read_with_deeprc(run_deeprc, path, tmp_path, fast=False), reference_via_parquet(path, tmp_path))


def test_a_column_that_changes_type_after_the_first_block(tmp_path, run_deeprc):
    # Arrow infers int64 from its first 1 MB block and widens to double at the last row.
    path = tmp_path / "widen.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i % 9}\n" for i in range(200000)) + "1,2.5\n")
    got = read_with_deeprc(run_deeprc, path, tmp_path, fast=False)
    assert got.schema.field("b").type == pa.float64()
    assert_same(got, reference(path))


def test_ragged_row_after_the_first_block_names_file_and_row(tmp_path, run_deeprc):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(200000)) + "7\n")
    proc = run_deeprc("table", "convert", path, tmp_path / "o.parquet", check=False)
    assert proc.returncode != 0
    assert "ragged.csv" in proc.stderr and "Row #200002" in proc.stderr, proc.stderr
