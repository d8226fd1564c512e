"""`deeprc table convert` between every format, checked with pyarrow."""
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest


def sample():
    return pa.table({"id": [1, 2, None], "x": [0.5, None, 2.5], "s": ["a", None, "c"]})


@pytest.mark.parametrize("target", ["out.parquet", "out.arrow", "out.csv", "out.arrows"])
def test_convert_round_trip(tmp_path, run_deeprc, target):
    src = tmp_path / "in.parquet"
    pq.write_table(sample(), src)
    run_deeprc("table", "convert", src, tmp_path / target)
    out = tmp_path / target
    if target.endswith(".parquet"):
        got = pq.read_table(out)
    elif target.endswith(".csv"):
        got = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    elif target.endswith(".arrows"):
        got = pa.ipc.open_stream(out).read_all()
    else:
        got = feather.read_table(out)
    assert got.equals(sample())


def test_missing_file_is_named(tmp_path, run_deeprc):
    proc = run_deeprc("table", "convert", tmp_path / "nope.csv", tmp_path / "o.csv", check=False)
    assert proc.returncode != 0
    assert "nope.csv" in proc.stderr


def test_ragged_csv_names_file_and_row(tmp_path, run_deeprc):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n")
    proc = run_deeprc("table", "convert", bad, tmp_path / "o.parquet", check=False)
    assert proc.returncode != 0
    assert "ragged.csv" in proc.stderr and "Row #3" in proc.stderr, proc.stderr


def test_truncated_parquet_is_an_error_naming_the_file(tmp_path, run_deeprc):
    good = tmp_path / "good.parquet"
    pq.write_table(sample(), good)
    bad = tmp_path / "truncated.parquet"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    proc = run_deeprc("table", "head", bad, check=False)
    assert proc.returncode != 0
    assert "truncated.parquet" in proc.stderr, proc.stderr
