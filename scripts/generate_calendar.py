"""Writes a calendar table for the timestamps of an ETT-format table: one row per distinct 'date'
with its day of week (0 = Monday), hour and a weekend flag, so that `make run` has something real
to join on."""
import argparse

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--like", required=True, help="the ETT table (Parquet) whose dates to describe")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    dates = pq.read_table(args.like, columns=["date"]).column("date").to_pandas().drop_duplicates()
    stamps = pd.to_datetime(dates)
    calendar = pd.DataFrame({"date": dates.values, "weekday": stamps.dt.weekday.values,
                             "hour": stamps.dt.hour.values, "weekend": (stamps.dt.weekday >= 5).values})
    pq.write_table(pa.Table.from_pandas(calendar, preserve_index=False).cast(
        pa.schema([("date", pa.table({"d": dates.values}).schema.field("d").type), ("weekday", pa.int32()),
                   ("hour", pa.int32()), ("weekend", pa.bool_())])), args.out)


if __name__ == "__main__":
    main()
