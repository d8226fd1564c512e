#!/usr/bin/env python3
"""bench/loader peer: the same forecasting windows through PyTorch's own data pipeline.

A torch Dataset over torch.from_numpy of the same .npy matrix deeprc_loader_bench reads (no copy):
__getitem__ returns slice views of one series (input rows, forecast rows) and the window's series
and table row, as WindowBatch has them; a torch.utils.data.DataLoader shuffles, collates with its
default collate_fn into [B, input_size, 1] / [B, horizon, 1] tensors, with 0 or N worker processes.
Prints one JSON line with the fields deeprc_loader_bench prints. Run with Debian's python3 (its
python3-torch), as bench/loader/run.py does.

Throughput is steady state, as on deeprc's side: the clock starts when the first batch arrives.
"""
import argparse
import json
import re
import resource
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def memory():
    """(VmRSS, VmHWM) of this process in bytes: the measurement deeprc_loader_bench makes."""
    with open("/proc/self/status") as f:
        text = f.read()
    kb = lambda key: int(re.search(rf"{key}:\s+(\d+) kB", text).group(1)) * 1024
    return kb("VmRSS"), kb("VmHWM")


class Windows(Dataset):
    """Window i of series s: input rows [start, start + input_size), forecast rows after them."""

    def __init__(self, y, input_size, horizon):
        self.y, self.input_size, self.horizon = y, input_size, horizon
        self.rows = y.shape[1]
        self.per_series = self.rows - input_size - horizon + 1

    def __len__(self):
        return self.y.shape[0] * self.per_series

    def __getitem__(self, i):
        s, start = divmod(i, self.per_series)
        row = start + self.input_size
        series = self.y[s]
        return (series[start:row].unsqueeze(-1), series[row:row + self.horizon].unsqueeze(-1), s,
                s * self.rows + row)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="float32 C-order .npy matrix [series, rows]")
    parser.add_argument("--input-size", type=int, default=96)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--max-batches", type=int, default=0, help="batches per pass; 0 = a whole epoch")
    parser.add_argument("--repeat", type=int, default=3, help="passes (each a new epoch); the best counts")
    args = parser.parse_args()

    rss_baseline, _ = memory()
    array = np.load(args.data)
    assert array.dtype == np.float32 and array.ndim == 2 and array.flags.c_contiguous, "float32 C-order matrix"
    y = torch.from_numpy(array)
    dataset = Windows(y, args.input_size, args.horizon)
    torch.manual_seed(0)
    loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers)

    rates, windows, checksum = [], 0, 0.0
    for _ in range(args.repeat):
        windows, batches, start = 0, 0, None
        for insample, outsample, series, forecast_row in loader:
            if batches == 0:
                start = time.perf_counter()  # steady state: from the first batch on
            else:
                windows += insample.shape[0]
            checksum += float(outsample[0, 0, 0])  # the consumer touches every batch
            batches += 1
            if batches == args.max_batches:
                break
        rates.append(windows / (time.perf_counter() - start))
    _, peak = memory()
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 if args.workers else 0
    print(json.dumps({
        "system": "pytorch", "workers": args.workers, "batch_size": args.batch, "input_size": args.input_size,
        "horizon": args.horizon, "series": int(y.shape[0]), "dataset_windows": len(dataset),
        "windows_timed": windows, "windows_per_s": rates, "best_windows_per_s": max(rates),
        "table_bytes": int(array.nbytes), "rss_baseline_bytes": rss_baseline, "peak_rss_bytes": peak,
        "worker_peak_rss_bytes": workers_peak, "torch": torch.__version__, "checksum": checksum}))


if __name__ == "__main__":
    main()
