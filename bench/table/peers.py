#!/usr/bin/env python3
"""The peers of bench/table: the same operations on the same files with DuckDB, Polars and pandas.

One call runs one operation with one engine in this process and prints one JSON line, the same
fields as deeprc_table_bench prints; run.py starts a fresh process per (engine, operation) so each
peak RSS belongs to one operation. `--engine all --op all` does that loop itself, for a quick look.
Every engine runs single-threaded, as ours does.
"""
import os

# Thread pools are sized when the libraries load, so these must come before any import of them.
os.environ["POLARS_MAX_THREADS"] = "1"
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

OPS = ("join", "sort", "groupby_1k", "groupby_1m", "read_csv")
ENGINES = ("duckdb", "polars", "pandas")


# --- memory: the same measurement as bench/table/table_bench.cc ---------------------------------

def memory():
    """(VmRSS, VmHWM) of this process in bytes."""
    status = open("/proc/self/status").read()
    rss, hwm = (int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) * 1024 for k in ("VmRSS", "VmHWM"))
    return rss, hwm


def release_unused_memory():
    """Hands free memory the allocators still hold back to the OS (as table_bench.cc does), so
    garbage of the untimed loading or an earlier repetition never counts in an operation's peak."""
    import ctypes
    import pyarrow as pa
    pa.default_memory_pool().release_unused()
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def reset_peak_rss():
    """Sets VmHWM back to the current RSS (Linux >= 4.0), so the next peak is the operation's own."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


# --- engines: load() reads inputs into memory (untimed); ops[op]() runs and materializes --------

class DuckDB:
    def __init__(self):
        import duckdb
        self.version = duckdb.__version__
        self.con = duckdb.connect()  # in memory
        self.con.execute("SET threads = 1")

    def load(self, op, data):
        # Inputs become DuckDB's own in-memory tables, as ours become arrow::Tables.
        for name, path in inputs(op, data).items():
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{path}')")

    def run(self, op, data):
        # The result is materialized in a DuckDB table: its native form, as ours is an arrow::Table.
        query = {
            "join": "SELECT l.k, l.lv, r.rv FROM l JOIN r ON l.k = r.k",
            "sort": "SELECT * FROM t ORDER BY k",
            "groupby_1k": "SELECT k, sum(v) AS v_sum, avg(v) AS v_mean FROM t GROUP BY k",
            "groupby_1m": "SELECT k, sum(v) AS v_sum, avg(v) AS v_mean FROM t GROUP BY k",
            "read_csv": f"SELECT * FROM read_csv('{data}/read.csv')",
        }[op]
        self.con.execute(f"CREATE TABLE out AS {query}")
        return self.con.execute("SELECT count(*) FROM out").fetchone()[0]

    def release(self):
        self.con.execute("DROP TABLE IF EXISTS out")


class Polars:
    def __init__(self):
        import polars as pl
        self.pl = pl
        self.version = pl.__version__
        assert pl.thread_pool_size() == 1, "POLARS_MAX_THREADS=1 did not take"

    def load(self, op, data):
        self.t = {name: self.pl.read_parquet(path) for name, path in inputs(op, data).items()}

    def run(self, op, data):
        pl, t = self.pl, self.t
        if op == "join":
            self.out = t["l"].join(t["r"], on="k", how="inner")
        elif op == "sort":
            self.out = t["t"].sort("k")
        elif op.startswith("groupby"):
            self.out = t["t"].group_by("k").agg(pl.col("v").sum().alias("v_sum"),
                                                pl.col("v").mean().alias("v_mean"))
        elif op == "read_csv":
            self.out = pl.read_csv(f"{data}/read.csv")
        return self.out.height

    def release(self):
        self.out = None


class Pandas:
    def __init__(self):
        import pandas as pd
        self.pd = pd
        self.version = pd.__version__

    def load(self, op, data):
        # pyarrow reads (untimed) into pandas' default NumPy-backed columns.
        self.t = {name: self.pd.read_parquet(path) for name, path in inputs(op, data).items()}

    def run(self, op, data):
        t = self.t
        if op == "join":
            self.out = t["l"].merge(t["r"], on="k", how="inner")
        elif op == "sort":
            self.out = t["t"].sort_values("k")
        elif op.startswith("groupby"):
            # sort=False: the other engines do not sort the groups either.
            self.out = t["t"].groupby("k", sort=False)["v"].agg(["sum", "mean"])
        elif op == "read_csv":
            self.out = self.pd.read_csv(f"{data}/read.csv")  # the default C parser
        return len(self.out)

    def release(self):
        self.out = None


def inputs(op, data):
    """Table name -> Parquet file; the CSV read has none (reading is what it times)."""
    return {
        "join": {"l": f"{data}/join_left.parquet", "r": f"{data}/join_right.parquet"},
        "sort": {"t": f"{data}/sort.parquet"},
        "groupby_1k": {"t": f"{data}/groupby_1k.parquet"},
        "groupby_1m": {"t": f"{data}/groupby_1m.parquet"},
        "read_csv": {},
    }[op]


def run_one(engine_name, op, data, repeat):
    import pyarrow as pa
    pa.set_cpu_count(1)  # pandas and Polars loads go through Arrow here and there
    pa.set_io_thread_count(1)
    engine = {"duckdb": DuckDB, "polars": Polars, "pandas": Pandas}[engine_name]()
    rss_baseline, _ = memory()
    start = time.perf_counter()
    engine.load(op, data)
    load_s = time.perf_counter() - start
    gc.collect()
    release_unused_memory()
    rss_loaded, _ = memory()

    times, cpu_times, peak, rows_out = [], [], 0, None
    for _ in range(repeat):
        gc.collect()
        release_unused_memory()
        reset_peak_rss()
        cpu_start, start = time.process_time(), time.perf_counter()
        rows_out = engine.run(op, data)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)  # all threads: shows any hidden parallelism
        peak = max(peak, memory()[1])
        engine.release()
    return {
        "engine": engine_name, "version": engine.version, "op": op, "threads": 1,
        "times_s": times, "best_s": min(times),
        "cpu_times_s": cpu_times, "best_cpu_s": min(cpu_times), "rows_out": rows_out, "load_s": load_s,
        "rss_baseline_bytes": rss_baseline, "rss_loaded_bytes": rss_loaded, "peak_rss_bytes": peak,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", required=True, choices=ENGINES + ("all",))
    parser.add_argument("--op", required=True, choices=OPS + ("all",))
    parser.add_argument("--data", required=True, help="folder of the inputs that run.py generates")
    parser.add_argument("--repeat", type=int, default=3, help="best of N (default 3)")
    args = parser.parse_args()

    if args.engine != "all" and args.op != "all":
        print(json.dumps(run_one(args.engine, args.op, args.data, args.repeat)), flush=True)
        return
    # Each pair in a fresh process of its own, so one peak RSS never carries into the next.
    for op in OPS if args.op == "all" else (args.op,):
        for engine in ENGINES if args.engine == "all" else (args.engine,):
            subprocess.run([sys.executable, __file__, "--engine", engine, "--op", op,
                            "--data", args.data, "--repeat", str(args.repeat)], check=True)


if __name__ == "__main__":
    main()
