"""Random tables and independent references (pandas, pyarrow, plain Python) for the sort/join tests."""
import datetime
import math
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa


def nullify(rng, values, null_frac):
    mask = rng.random(len(values)) < null_frac
    return [None if m else v for v, m in zip(values, mask)]


def random_strings(rng, n, alphabet="abcd", max_len=2):
    lengths = rng.integers(0, max_len + 1, n)
    return ["".join(rng.choice(list(alphabet), size=l)) for l in lengths]


def random_table(rng, n, *, key_type=pa.int64(), string_type=pa.string(), key_range=12, null_frac=0.15,
                 payload="left"):
    """Keys k (integer) and s (string) with duplicates and nulls, plus payloads of every required type."""
    columns = {
        "k": pa.array(nullify(rng, rng.integers(0, key_range, n).tolist(), null_frac), key_type),
        "s": pa.array(nullify(rng, random_strings(rng, n), null_frac), string_type),
        "v": pa.array(nullify(rng, rng.normal(size=n).round(3).tolist(), null_frac), pa.float64()),
    }
    if payload == "left":
        columns["i8"] = pa.array(nullify(rng, rng.integers(-100, 100, n).tolist(), null_frac), pa.int8())
        columns["u32"] = pa.array(nullify(rng, rng.integers(0, 1 << 31, n).tolist(), null_frac), pa.uint32())
        columns["d"] = pa.array(nullify(rng, [datetime.date(2020, 1, 1) + datetime.timedelta(days=int(x))
                                              for x in rng.integers(0, 1000, n)], null_frac), pa.date32())
        columns["f32"] = pa.array(nullify(rng, rng.normal(size=n).round(2).tolist(), null_frac), pa.float32())
    else:
        columns["b"] = pa.array(nullify(rng, (rng.random(n) < 0.5).tolist(), null_frac), pa.bool_())
        columns["t"] = pa.array(nullify(rng, rng.integers(0, 10**12, n).tolist(), null_frac), pa.timestamp("us"))
        columns["u64"] = pa.array(nullify(rng, rng.integers(0, 1 << 40, n).tolist(), null_frac), pa.uint64())
        columns["ls"] = pa.array(nullify(rng, random_strings(rng, n, max_len=5), null_frac), pa.large_string())
        columns["i16"] = pa.array(nullify(rng, rng.integers(-1000, 1000, n).tolist(), null_frac), pa.int16())
    return pa.table(columns)


def normalize(value):
    """One representation per value, so that pandas' conversions (int with nulls -> float, ...) compare equal."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        return pd.Timestamp(value).value
    return value


def row_multiset(frame):
    if isinstance(frame, pa.Table):
        frame = frame.to_pandas()
    return Counter(tuple(normalize(v) for v in row) for row in frame.itertuples(index=False, name=None))


def sql_merge(left, right, left_on, right_on, how):
    """pandas merge with SQL semantics: pandas matches null keys with each other; SQL never does.

    Rows with a null key are taken out, the rest merged by pandas, and the null-key rows put back
    as unmatched rows (for the outer sides), built by merging them with an empty other side.
    """
    ldf, rdf = left.to_pandas(), right.to_pandas()
    lvalid = ldf[left_on].notna().all(axis=1)
    rvalid = rdf[right_on].notna().all(axis=1)
    kwargs = dict(left_on=left_on, right_on=right_on, suffixes=("_x", "_y"))
    parts = [ldf[lvalid].merge(rdf[rvalid], how=how, **kwargs)]
    if how in ("left", "outer"):
        parts.append(ldf[~lvalid].merge(rdf.iloc[0:0], how="left", **kwargs))
    if how in ("right", "outer"):
        parts.append(ldf.iloc[0:0].merge(rdf[~rvalid], how="right", **kwargs))
    columns = list(parts[0].columns)
    for part in parts[1:]:
        assert list(part.columns) == columns
    return columns, sum((row_multiset(part) for part in parts), Counter())
