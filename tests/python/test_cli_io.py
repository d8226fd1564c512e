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
