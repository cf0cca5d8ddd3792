"""Synthetic order logs for the benchmarks, cached as Parquet under bench/.data/ (gitignored).

About 9.7 order lines per customer over two years, drawn from the BG/NBD + Gamma-Gamma story
(guanxi.analytics.clv.simulate), with some purchases split over several lines on one day.
"""

import datetime as dt
import pathlib

import pyarrow.parquet as pq

from guanxi.analytics.clv.simulate import simulate_transactions

DATA = pathlib.Path(__file__).parent / ".data"
START = dt.date(2024, 1, 1)
DAYS = 730
LAST_DAY = START + dt.timedelta(days=DAYS - 1)


def transactions_parquet(customers: int, seed: int = 42) -> pathlib.Path:
    """Path of the cached log for ``customers`` customers, generated on first use."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"orders_{customers}_{seed}.parquet"
    if not path.exists():
        table = simulate_transactions(
            customers,
            params={"r": 0.8, "alpha": 28.0, "a": 0.8, "b": 4.0},
            start=START,
            days=DAYS,
            extra_rows=0.3,
            seed=seed,
        )
        pq.write_table(table, path)
    return path
