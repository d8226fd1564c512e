"""`deeprc table convert` between every format, checked with pyarrow; failed writes that leave every
file as it was; numeric options out of range; one error for all ranks of `--ranks N`."""
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


# A failed write never destroys the file it would replace, even when that file is the input, and
# leaves no temporary behind (issue 14, item 2).
def test_a_failed_convert_in_place_leaves_the_input_byte_for_byte(tmp_path, run_deeprc):
    victim = tmp_path / "v.csv"
    victim.write_bytes(b"k,s\n1,caf\xe9\n2,ok\n")  # Latin-1: read as binary, not writable as CSV text
    before = victim.read_bytes()
    proc = run_deeprc("table", "convert", victim, victim, check=False)
    assert proc.returncode != 0
    assert "v.csv" in proc.stderr and "UTF8" in proc.stderr, proc.stderr
    assert victim.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.csv"]


def test_a_failed_convert_leaves_an_existing_output_byte_for_byte(tmp_path, run_deeprc):
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"k": [1, 2], "l": [[1, 2], [3]]}), nested)
    victim = tmp_path / "victim.csv"
    victim.write_text("precious,data\n1,2\n")
    proc = run_deeprc("table", "convert", nested, victim, check=False)
    assert proc.returncode != 0
    assert "victim.csv" in proc.stderr, proc.stderr
    assert victim.read_text() == "precious,data\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nested.parquet", "victim.csv"]


@pytest.mark.parametrize("name", ["t.csv", "t.parquet", "t.arrow", "t.arrows"])
def test_an_operator_may_write_over_its_own_input(tmp_path, run_deeprc, name):
    path = tmp_path / name
    run_deeprc("table", "convert", _write_sample(tmp_path), path)
    run_deeprc("table", "sort", path, "--by", "-x", "-o", path)
    got = pq.read_table(_convert_back(run_deeprc, tmp_path, path))
    expected = sample().sort_by([("x", "descending")])
    assert got.column("x").to_pylist() == expected.column("x").to_pylist()
    assert got.column("s").to_pylist() == expected.column("s").to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"in.parquet", name, "back.parquet"})


def _write_sample(tmp_path):
    src = tmp_path / "in.parquet"
    pq.write_table(sample(), src)
    return src


def _convert_back(run_deeprc, tmp_path, path):
    back = tmp_path / "back.parquet"
    run_deeprc("table", "convert", path, back)
    return back


def test_a_write_into_a_missing_folder_names_the_output(tmp_path, run_deeprc):
    proc = run_deeprc("table", "convert", _write_sample(tmp_path), tmp_path / "nowhere" / "o.parquet", check=False)
    assert proc.returncode != 0
    assert "nowhere/o.parquet" in proc.stderr and "No such file or directory" in proc.stderr, proc.stderr


# Numeric options out of range are refused with the option's name and its range, never replaced by a
# default (issue 14, item 9).
@pytest.mark.parametrize("args, flag, expected", [
    (["sort", "{in}", "--by", "x", "--ranks", "0", "-o", "{out}"], "--ranks", "in [1, 1024]"),
    (["sort", "{in}", "--by", "x", "--ranks", "-2", "-o", "{out}"], "--ranks", "in [1, 1024]"),
    (["groupby", "{in}", "--by", "id", "--ranks", "0"], "--ranks", "in [1, 1024]"),
    (["head", "{in}", "-n", "-1"], "--rows", ">= 0"),
    (["partition", "{in}", "--by", "id", "-n", "0", "-o", "{out}"], "--parts", ">= 1"),
    (["groupby", "{in}", "--by", "id", "-a", "x:std", "--ddof", "-1"], "--ddof", ">= 0"),
])
def test_table_numbers_out_of_range_are_refused(tmp_path, run_deeprc, args, flag, expected):
    src = _write_sample(tmp_path)
    out = tmp_path / "o.parquet"
    argv = [a.format(**{"in": src, "out": out}) for a in args]
    proc = run_deeprc("table", *argv, check=False)
    assert proc.returncode != 0, proc.stdout
    assert flag in proc.stderr and expected in proc.stderr, proc.stderr
    assert not out.exists()


# `--ranks N`: an error that every rank meets is printed once, without mpirun's notes on the
# ranks' exit codes (issue 14, item 11).
@pytest.mark.parametrize("backend", ["mpi", "gloo"])
def test_a_ranks_error_arrives_once(tmp_path, run_deeprc, backend):
    proc = run_deeprc("table", "sort", tmp_path / "nope.parquet", "--by", "x", "--ranks", 2, "--backend", backend,
                      "-o", tmp_path / "o.parquet", check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("deeprc: error:") == 1, proc.stderr
    assert proc.stderr.count("nope.parquet") == 1, proc.stderr
    assert "every rank (2)" in proc.stderr, proc.stderr
    assert "mpirun" not in proc.stderr and "-----" not in proc.stderr, proc.stderr
