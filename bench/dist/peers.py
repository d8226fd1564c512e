"""Peers of bench/dist: the distributed join and sort of deeprc_dist_bench, done by Dask distributed
(a LocalCluster of R single-threaded worker processes) and by Spark (pyspark, local[R]).

The data is what deeprc_dist_bench makes: R partitions (one per worker, as one share per rank) of
rows_per_rank rows each, an int64 key uniform over [0, R * rows_per_rank) and one float64 payload;
the join's two tables are drawn independently. Each engine generates it in its own workers and holds
it in memory (Dask: persisted; Spark: cached and counted) before the clock starts; then only the
operation is timed, with its output materialized (Dask: persisted on the workers; Spark: written to
the `noop` sink, which computes every column and stores nothing). The output rows are counted
outside the timing. Prints one JSON line; run.py runs each (engine, op, ranks, rows) in a fresh
process of .venv-bench.
"""

import argparse
import json
import logging
import os
import sys
import time

import psutil


def tree_cpu_seconds():
    """CPU seconds (user + system, all threads) of this process and every process below it: the Dask
    scheduler and client here plus the worker processes, or Spark's driver JVM, which runs local[N]'s
    executor threads. On a shared machine wall time includes waiting for a core; CPU time does not."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


# --- Dask ----------------------------------------------------------------------------------------

def dask_share(index, rows, total, seed, payload):
    """One partition, made in the worker that runs it (numpy; independent streams per partition)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng([seed, index])
    return pd.DataFrame({"k": rng.integers(0, total, rows, dtype=np.int64), payload: rng.random(rows)})


def dask_run(op, ranks, rows, repeat):
    import dask
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd
    from dask.distributed import Client, LocalCluster, wait

    total = rows * ranks

    def table(seed, payload):
        meta = pd.DataFrame({"k": np.array([], np.int64), payload: np.array([], np.float64)})
        frame = dd.from_map(dask_share, range(ranks), rows=rows, total=total, seed=seed, payload=payload,
                            meta=meta, enforce_metadata=False)
        return frame.persist()

    with LocalCluster(n_workers=ranks, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(ranks)
        left = table(1, "lv")
        right = table(2, "rv") if op == "join" else None
        wait([x for x in (left, right) if x is not None])
        times, cpu_times, rows_out = [], [], None
        for _ in range(repeat):
            start, cpu_start = time.perf_counter(), tree_cpu_seconds()
            if op == "join":
                out = left.merge(right, on="k", how="inner").persist()
            else:
                out = left.sort_values("k").persist()
            wait(out)
            times.append(time.perf_counter() - start)
            cpu_times.append(tree_cpu_seconds() - cpu_start)
            rows_out = int(out.map_partitions(len).compute().sum())
            # The next repetition builds the same graph, hence the same keys: were this output
            # still held on the workers, Dask would hand it back without computing anything.
            # So it must be gone before the clock starts again.
            keys = [key for key in out.__dask_keys__()]
            del out
            deadline = time.time() + 60
            while any(client.who_has(keys).values()) and time.time() < deadline:
                time.sleep(0.05)
        return {"times_s": times, "cpu_times_s": cpu_times, "output_rows": rows_out, "version": dask.__version__,
                "shuffle": dask.config.get("dataframe.shuffle.method", None) or "default (p2p)"}


# --- Spark ---------------------------------------------------------------------------------------

def spark_run(op, ranks, rows, repeat):
    import pyspark
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    total = rows * ranks
    spark = (SparkSession.builder.master(f"local[{ranks}]").appName("deeprc-bench-dist")
             .config("spark.driver.memory", os.environ.get("DEEPRC_BENCH_SPARK_MEMORY", "6g"))
             # One shuffle partition per task slot, as deeprc has one per rank (the default, 200,
             # only adds tasks on a single machine; adaptive execution stays on, as by default).
             .config("spark.sql.shuffle.partitions", str(ranks))
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        def table(seed, payload):
            # rand(s) seeds partition i with s + i: seeds 1000 apart keep the four columns independent.
            frame = spark.range(0, total, numPartitions=ranks).select(
                F.floor(F.rand(seed) * total).cast("long").alias("k"), F.rand(seed + 1000).alias(payload))
            frame = frame.cache()
            frame.count()  # materializes the cache: generation is not timed
            return frame

        left = table(1000, "lv")
        right = table(3000, "rv") if op == "join" else None
        def operation():
            # A new DataFrame, hence a new plan, each time: an action repeated on one plan may reuse
            # that plan's shuffle files instead of shuffling again.
            return left.join(right, "k") if op == "join" else left.orderBy("k")

        times, cpu_times = [], []
        for _ in range(repeat):
            start, cpu_start = time.perf_counter(), tree_cpu_seconds()
            operation().write.format("noop").mode("overwrite").save()
            times.append(time.perf_counter() - start)
            cpu_times.append(tree_cpu_seconds() - cpu_start)
        rows_out = operation().count()  # once, outside the timing: the check that the work was the same
        return {"times_s": times, "cpu_times_s": cpu_times, "output_rows": rows_out, "version": pyspark.__version__}
    finally:
        spark.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["dask", "spark"], required=True)
    parser.add_argument("--op", choices=["join", "sort"], required=True)
    parser.add_argument("--ranks", type=int, required=True, help="Dask worker processes / Spark local[N]")
    parser.add_argument("--rows-per-rank", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run = {"dask": dask_run, "spark": spark_run}[args.engine]
    try:
        result = run(args.op, args.ranks, args.rows_per_rank, args.repeat)
        result["seconds"] = min(result["times_s"])
        result["cpu_seconds_total"] = min(result["cpu_times_s"])
    except Exception as error:  # a peer that cannot run here is a result too: say exactly why
        result = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps({"engine": args.engine, "op": args.op, "ranks": args.ranks,
                      "rows_per_rank": args.rows_per_rank, "total_rows": args.rows_per_rank * args.ranks,
                      **result}))
    sys.stdout.flush()
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
