"""Shared order logs for the table analytics tests (tests/analytics/clv has its own)."""

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

D = dt.date

# Five customers, hand-checked in each test module (as of 2024-04-02, the day after the log):
#   a: 3 orders (10, 20, 30), b: 2 orders (5, 5), c: 1 order (7), d: 1 order (100),
#   e: 1 order (1.50) back in December.
SMALL_ORDERS = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "b", "b", "c", "d", "e"],
        "date": [
            D(2024, 1, 5),
            D(2024, 2, 1),
            D(2024, 4, 1),
            D(2024, 1, 9),
            D(2024, 3, 3),
            D(2024, 2, 2),
            D(2024, 3, 10),
            D(2023, 12, 1),
        ],
        "amount": [10.0, 20.0, 30.0, 5.0, 5.0, 7.0, 100.0, 1.5],
    }
)


@pytest.fixture
def small_orders():
    return ibis.memtable(SMALL_ORDERS)


def by_customer(table) -> pd.DataFrame:
    """Materialise an Ibis result as pandas, indexed by customer id."""
    return table.to_pyarrow().to_pandas().set_index("customer_id").sort_index()


@pytest.fixture
def cdnow_path() -> Path:
    import lifetimes

    return Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"


@pytest.fixture
def cdnow_frame(cdnow_path) -> pd.DataFrame:
    """CDNOW 1/10th sample: id, id in master, date YYYYMMDD, number of CDs, dollars."""
    frame = pd.read_csv(
        cdnow_path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "master_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "master_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d").dt.date
    return frame
