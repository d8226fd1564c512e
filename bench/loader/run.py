#!/usr/bin/env python3
"""bench/loader: the data bridge's WindowLoader beside PyTorch's DataLoader, in one run.

Both iterate the same forecasting windows (input 96 rows, horizon 96, every start, shuffled, batches
of 1024) over the same data: a long table of 7 series x 2M float32 rows (ETTh1-shaped: 7 variables,
but long), written once as a .npy matrix into the input cache. deeprc_loader_bench builds an Arrow
table over the file's bytes and runs WindowLoader (collating threads); torch_loader.py, under
Debian's python3 and its python3-torch, runs torch.utils.data.DataLoader over a Dataset of slice
views of torch.from_numpy (worker processes). Each (system, workers) runs in a fresh process, so its
peak RSS is its own; throughput is steady state (from the first batch on), best of --repeat passes.
Prints a table and writes bench/results/loader.json.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEMS = ("deeprc", "pytorch")
# Target of issue 6: our windows/s at least 10x PyTorch's DataLoader with the same number of workers.
TARGET_OURS_OVER_TORCH = 10.0
GENERATOR_VERSION = 1


# --- inputs --------------------------------------------------------------------------------------

def generate(data_dir, series, rows, seed=20250101):
    """A float32 [series, rows] matrix: a daily cycle per series plus noise, like hourly ETT data."""
    meta = {"generator": GENERATOR_VERSION, "series": series, "rows": rows, "seed": seed}
    path = os.path.join(data_dir, f"long-{series}x{rows}.npy")
    meta_path = path + ".json"
    if os.path.exists(path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            if json.load(f) == meta:
                return path
    os.makedirs(data_dir, exist_ok=True)
    print(f"generating {path} ({series} x {rows:,} float32) ...", flush=True)
    rng = np.random.default_rng(seed)
    t = np.arange(rows, dtype=np.float64)
    y = np.empty((series, rows), dtype=np.float32)
    for s in range(series):
        y[s] = 10 * s + np.sin(2 * np.pi * (t / 24 + s / series)) + 0.1 * rng.standard_normal(rows)
    np.save(path + ".tmp.npy", y)
    os.replace(path + ".tmp.npy", path)
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    return path


# --- running -------------------------------------------------------------------------------------

def command(system, workers, data, args):
    common = ["--data", data, "--input-size", str(args.input_size), "--horizon", str(args.horizon),
              "--batch", str(args.batch), "--workers", str(workers), "--repeat", str(args.repeat)]
    if system == "deeprc":
        return [os.path.join(args.build_dir, "bin", "deeprc_loader_bench"), *common,
                "--max-batches", str(args.ours_batches)]
    return [args.torch_python, os.path.join(ROOT, "bench", "loader", "torch_loader.py"), *common,
            "--max-batches", str(args.torch_batches)]


# --- report --------------------------------------------------------------------------------------

def machine_info(torch_python):
    torch_version = subprocess.run([torch_python, "-c", "import torch; print(torch.__version__)"],
                                   capture_output=True, text=True).stdout.strip() or None
    return common.machine_info({"numpy": np.__version__, "torch": torch_version})


def summarize(results, workers_list):
    """One row per (system, workers): best windows/s over rounds, largest peak, ours over PyTorch."""
    rows = []
    for workers in workers_list:
        best = {}
        for system in SYSTEMS:
            runs = results.get((system, workers), [])
            if not runs:
                continue
            best[system] = max(r["best_windows_per_s"] for r in runs)
            rows.append({"system": system, "workers": workers, "windows_per_s": best[system],
                         "peak_rss_mb": round(max(r["peak_rss_bytes"] for r in runs) / 1e6),
                         "peak_above_baseline_mb": round(max(r["peak_rss_bytes"] - r["rss_baseline_bytes"]
                                                             for r in runs) / 1e6),
                         "worker_peak_rss_mb": round(max(r.get("worker_peak_rss_bytes", 0) for r in runs) / 1e6)})
        if len(best) == 2:
            for row in rows[-2:]:
                row["ours_over_torch"] = best["deeprc"] / best["pytorch"]
    return rows


def table_lines(summary):
    """A Markdown table: readable on the terminal and pasted as is into docs."""
    lines = ["| system | workers | windows/s | peak RSS MB | above start MB | worker peak MB | ours/PyTorch |",
             "|---|---|---|---|---|---|---|"]
    for row in summary:
        ratio = row.get("ours_over_torch")
        cell = "-" if ratio is None else f"{ratio:.1f}x{'' if ratio >= TARGET_OURS_OVER_TORCH else ' !'}"
        worker_peak = str(row["worker_peak_rss_mb"]) if row["system"] == "pytorch" and row["workers"] else "-"
        lines.append(f"| {row['system']} | {row['workers']} | {row['windows_per_s']:,.0f} | {row['peak_rss_mb']} | "
                     f"{row['peak_above_baseline_mb']} | {worker_peak} | {cell} |")
    return lines


LEGEND = ("windows/s: steady state (from the first batch on), best of all passes; workers are threads for"
          " deeprc, processes for PyTorch. Peak RSS is the consumer process's VmHWM (both load LibTorch);"
          " above start: minus its RSS before the data was loaded; worker peak: the largest PyTorch worker"
          " process's. `!` marks a miss of the target ours/PyTorch >= 10 at the same number of workers.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=7)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows per series (default 2M)")
    parser.add_argument("--input-size", type=int, default=96)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--workers", default="0,2", help="comma-separated worker counts (default 0,2)")
    parser.add_argument("--ours-batches", type=int, default=0, help="deeprc batches per pass; 0 = an epoch")
    parser.add_argument("--torch-batches", type=int, default=150,
                        help="PyTorch batches per pass (default 150: an epoch takes minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="passes per process, the best counts (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="processes per (system, workers), interleaved")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"subset of {','.join(SYSTEMS)}")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--torch-python", default="/usr/bin/python3", help="a python3 with torch (Debian's)")
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "bench", "data", "loader"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "loader.json"))
    parser.add_argument("--timeout", type=float, default=900, help="seconds per process before it is killed")
    args = parser.parse_args()
    workers_list = [int(w) for w in args.workers.split(",") if w]
    systems = [s for s in args.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown system(s) {sorted(unknown)}; known: {', '.join(SYSTEMS)}")
    if "deeprc" in systems and not os.access(os.path.join(args.build_dir, "bin", "deeprc_loader_bench"), os.X_OK):
        parser.error(f"no {args.build_dir}/bin/deeprc_loader_bench: build it first (make build, or scripts/bench)")

    data = generate(os.path.abspath(args.data_dir), args.series, args.rows)
    machine = machine_info(args.torch_python)
    print(f"bench/loader: {args.series} series x {args.rows:,} rows float32, input {args.input_size}, horizon "
          f"{args.horizon}, batch {args.batch}, workers {args.workers}; {machine['cpu']}, {machine['cores']} cores, "
          f"load {machine['load_avg_at_start'][0]:.2f}", flush=True)

    results, failures = {}, {}
    for round_ in range(args.rounds):
        for workers in workers_list:
            for system in systems:
                result = common.run_measured(command(system, workers, data, args), args.timeout,
                                             f"{system}/{workers}", failures, round_, "process_tree_peak_rss_bytes")
                if result is None:
                    continue
                results.setdefault((system, workers), []).append(result)
                print(f"  {system:<8} workers {workers}  {result['best_windows_per_s']:>12,.0f} windows/s  "
                      f"peak {result['peak_rss_bytes'] / 1e6:6.0f} MB  ({result['windows_timed']:,} windows timed)",
                      flush=True)

    summary = summarize(results, workers_list)
    lines = table_lines(summary)
    print()
    print("\n".join(lines))
    print("\n" + LEGEND)
    for key, message in failures.items():
        print(f"FAILED {key}: {message[-300:]}")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump({"benchmark": "bench/loader", "machine": machine,
                   "inputs": {"series": args.series, "rows_per_series": args.rows, "dtype": "float32",
                              "input_size": args.input_size, "horizon": args.horizon, "batch": args.batch,
                              "shuffle": True, "ours_batches_per_pass": args.ours_batches,
                              "torch_batches_per_pass": args.torch_batches},
                   "repeat": args.repeat, "rounds": args.rounds, "target_ours_over_torch": TARGET_OURS_OVER_TORCH,
                   "summary": summary, "failures": failures,
                   "results": [r for runs in results.values() for r in runs]}, f, indent=1)
    os.replace(args.out + ".tmp", args.out)
    print(f"wrote {os.path.relpath(args.out, ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
