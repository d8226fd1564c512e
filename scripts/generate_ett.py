"""Writes synthetic hourly data in the ETT format (date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT) for
machines without the real ETTh1.csv: daily and weekly cycles, a slow trend and noise."""
import argparse

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=17420)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    t = np.arange(args.rows, dtype=np.float64)
    daily, weekly = np.sin(2 * np.pi * t / 24), np.sin(2 * np.pi * t / (24 * 7))
    frame = pd.DataFrame({"date": pd.date_range("2016-07-01", periods=args.rows, freq="h").strftime("%Y-%m-%d %H:%M:%S")})
    for i, name in enumerate(["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"]):
        frame[name] = np.round(5 + 2 * daily * (1 + 0.1 * i) + weekly + 0.3 * rng.standard_normal(args.rows), 3)
    frame["OT"] = np.round(20 + 8 * np.sin(2 * np.pi * t / (24 * 365)) + 3 * daily + 0.01 * t / 24
                           + rng.standard_normal(args.rows), 3)
    frame.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
