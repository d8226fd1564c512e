#!/usr/bin/env python3
"""bench/functions peers: no-op function tasks from one client on Ray (@ray.remote) and on Dask
distributed (a LocalCluster of worker processes), the same measures as deeprc_functions_bench:
throughput of N tasks submitted at once, and the latency of one task at a time (submit to result).

Prints one JSON line: {"system", "workers", "tasks", "tasks_per_s", "latency_ms_p50", "latency_ms_p99",
"startup_s"}; run by bench/functions/run.py in a fresh process per system.
"""
import argparse
import json
import os
import statistics
import time


def noop(*_):
    return None


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def measure(submit_all, one, tasks, latency_reps, warmup):
    submit_all(warmup)  # workers started, functions shipped, before anything is timed
    start = time.perf_counter()
    submit_all(tasks)
    seconds = time.perf_counter() - start
    latencies = []
    for _ in range(latency_reps):
        start = time.perf_counter()
        one()
        latencies.append((time.perf_counter() - start) * 1e3)
    return {"tasks": tasks, "tasks_per_s": tasks / seconds, "latency_ms_p50": statistics.median(latencies),
            "latency_ms_p99": quantile(latencies, 0.99)}


def run_ray(args):
    import ray
    start = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    remote_noop = ray.remote(noop)
    startup = time.perf_counter() - start
    try:
        result = measure(lambda n: ray.get([remote_noop.remote() for _ in range(n)]),
                         lambda: ray.get(remote_noop.remote()), args.tasks, args.latency_reps, args.warmup)
    finally:
        ray.shutdown()
    return {"system": "ray", "version": ray.__version__, "startup_s": startup, **result}


def run_dask(args):
    import dask
    from dask.distributed import Client, LocalCluster
    start = time.perf_counter()
    # Worker processes like deeprc's ranks, one thread each; no dashboard.
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - start
    try:
        result = measure(lambda n: client.gather(client.map(noop, range(n), pure=False)),
                         lambda: client.submit(noop, pure=False).result(), args.tasks, args.latency_reps,
                         args.warmup)
    finally:
        client.close()
        cluster.close()
    return {"system": "dask", "version": dask.__version__, "startup_s": startup, **result}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("system", choices=("ray", "dask"))
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--latency-reps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    try:
        result = run_ray(args) if args.system == "ray" else run_dask(args)
    except Exception as e:  # reported as the run's error line, not a traceback in the table
        result = {"error": f"{args.system}: {type(e).__name__}: {e}"}
    result["workers"] = args.workers
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("RAY_DISABLE_IMPORT_WARNING", "1")
    main()
