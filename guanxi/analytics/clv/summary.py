"""Per-customer (x, t_x, T, spend) summary of a transaction log, computed in the engine via Ibis.

The convention is the one that reproduces the published CDNOW inputs of Fader, Hardie & Lee
(2005) exactly (2,357 customers, 946 repeat buyers):

- purchases on the same calendar day count as one purchase (their amounts are added);
- a day whose amounts net to less than zero (a refund) is not a purchase; a zero-amount day
  is (CDNOW has such days, and the published inputs count them);
- ``x`` (frequency) is the number of *repeat* purchase days up to and including the
  calibration end, i.e. purchase days minus the first one;
- ``t_x`` (recency) is the time from the first to the last purchase day and ``T`` the time
  from the first purchase day to the calibration-end date, both counted in whole days by the
  engine and divided by the period length: 1 for ``day``, 7 for ``week`` and 30.4375
  (= 365.25 / 12, the mean Gregorian month) for ``month``;
- spend (monetary) is the mean of the repeat purchase days' totals (the first purchase is
  left out, as Gamma-Gamma requires); customers with ``x = 0`` have no spend (null);
- ``holdout`` counts purchase days after the calibration end up to the observation end, for
  validating forecasts.

Only the customers whose first purchase is on or before the calibration end are summarised.
Day counts and money (integer cents) leave the engine as integers, and every division happens
in NumPy, so DuckDB, PostgreSQL and Spark give identical results (see ARCHITECTURE.md on
integer and DECIMAL division).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi.analytics.clv.errors import CLVInputError

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375}
_CENTS_SPAN = 2**40  # a day's total up to about 11 billion currency units


def period_days(period: str) -> float:
    """Length of one model time unit in days (``day`` 1, ``week`` 7, ``month`` 30.4375)."""
    try:
        return PERIOD_DAYS[period]
    except KeyError:
        raise CLVInputError(
            f"unknown period {period!r}: expected one of {', '.join(PERIOD_DAYS)}"
        ) from None


def _as_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CLVInputError(f"{name} {value!r} is not a date (expected YYYY-MM-DD)") from None


def as_ibis_table(transactions) -> ibis.Table:
    """Accept an Ibis table, a pandas DataFrame or a pyarrow Table."""
    if isinstance(transactions, ibis.Table):
        return transactions
    if isinstance(transactions, pd.DataFrame | pa.Table):
        return ibis.memtable(transactions)
    raise CLVInputError(
        f"transactions must be an Ibis table, a pandas DataFrame or a pyarrow Table, "
        f"not {type(transactions).__name__}"
    )


def summary_expr(
    transactions,
    *,
    calibration_end,
    observation_end=None,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> ibis.Table:
    """The Ibis expression of the per-customer summary, in whole days and integer cents.

    Columns: ``customer_id``, ``frequency`` (x), ``recency_days``, ``T_days``,
    ``repeat_cents`` (sum of the repeat days' totals, cents; 0 when x = 0; only with an amount
    column), ``holdout`` (purchase days after the calibration end, up to ``observation_end``;
    only when given) and ``first_purchase``.
    """
    t = as_ibis_table(transactions)
    needed = [customer, date] + ([amount] if amount else [])
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise CLVInputError(
            f"missing column(s) {', '.join(missing)}; the table has {', '.join(t.columns)}"
        )
    cal = ibis.date(_as_date(calibration_end, "calibration end"))
    day = t[date].cast("date")
    if observation_end is not None:
        obs = _as_date(observation_end, "observation end")
        if obs < _as_date(calibration_end, "calibration end"):
            raise CLVInputError("observation end is before the calibration end")
        upto = ibis.date(obs)
    else:
        upto = cal
    rows = t.filter(day <= upto)
    metrics = {}
    if amount:
        # 64-bit sums: DuckDB's SUM(BIGINT) is a 128-bit HUGEINT, slower, and it would make
        # every expression built on it 128-bit too.
        cents = (rows[amount].cast("float64") * 100).round().cast("int64")
        metrics["cents"] = cents.sum().cast("!int64")
    daily = rows.group_by(cid=rows[customer], day=rows[date].cast("date")).agg(**metrics)
    if amount:
        daily = daily.filter(daily.cents >= 0)
    # Without a holdout every row is in the calibration period: no FILTER clauses.
    in_cal = (daily.day <= cal) if observation_end is not None else None
    aggs = {
        "first_purchase": daily.day.min(where=in_cal),
        "last_purchase": daily.day.max(where=in_cal),
        "days": daily.day.count(where=in_cal).cast("!int64"),
    }
    if amount:
        aggs["cents"] = daily.cents.sum(where=in_cal).cast("!int64")
        # The first day's amount without an ordered aggregate (slow on every engine): pack
        # (day number, cents) into one integer whose minimum is the first day's pair.
        day_number = daily.day.delta(ibis.date(1970, 1, 1), unit="day").cast("int64")
        aggs["first_key"] = (day_number * _CENTS_SPAN + daily.cents).min(where=in_cal)
    if observation_end is not None:
        aggs["holdout"] = daily.day.count(where=~in_cal).cast("int64")
    per = daily.group_by("cid").agg(**aggs)
    per = per.filter(per.first_purchase.notnull())
    cols = {
        "customer_id": per.cid,
        "frequency": (per.days - 1).cast("int64"),
        "recency_days": per.last_purchase.delta(per.first_purchase, unit="day").cast("int64"),
        "T_days": cal.delta(per.first_purchase, unit="day").cast("int64"),
    }
    if amount:
        # The first day's cents are the key less its day part. Not ``first_key % span``: day
        # numbers before 1970 are negative, and SQL's remainder keeps the dividend's sign.
        first_day = per.first_purchase.delta(ibis.date(1970, 1, 1), unit="day").cast("int64")
        first_cents = per.first_key - first_day * _CENTS_SPAN
        cols["repeat_cents"] = (per.cents - first_cents).cast("int64")
    if observation_end is not None:
        cols["holdout"] = per.holdout
    cols["first_purchase"] = per.first_purchase
    return per.select(**cols)


@dataclass(frozen=True)
class Summary:
    """Per-customer arrays in model time units (see the module docstring)."""

    customer_id: np.ndarray
    frequency: np.ndarray  # x, int64
    recency: np.ndarray  # t_x, float64
    T: np.ndarray  # float64
    monetary: np.ndarray  # mean repeat-day spend, NaN when x = 0
    recency_days: np.ndarray
    T_days: np.ndarray
    repeat_cents: np.ndarray | None
    holdout: np.ndarray | None
    period: str

    def __len__(self) -> int:
        return len(self.frequency)

    def to_pandas(self) -> pd.DataFrame:
        data = {
            "customer_id": self.customer_id,
            "frequency": self.frequency,
            "recency": self.recency,
            "T": self.T,
            "monetary": self.monetary,
        }
        if self.holdout is not None:
            data["holdout"] = self.holdout
        return pd.DataFrame(data)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pandas(self.to_pandas(), preserve_index=False)


def summary_from_arrow(table: pa.Table, period: str = "week") -> Summary:
    """Turn the engine's integer summary (``summary_expr`` result) into model units."""
    unit = period_days(period)
    if table.num_rows == 0:
        raise CLVInputError("no customer has a purchase on or before the calibration end")
    x = table["frequency"].to_numpy().astype(np.int64)
    rec_days = table["recency_days"].to_numpy().astype(np.int64)
    t_days = table["T_days"].to_numpy().astype(np.int64)
    repeat_cents = None
    monetary = np.full(len(x), np.nan)
    if "repeat_cents" in table.column_names:
        repeat_cents = table["repeat_cents"].to_numpy().astype(np.int64)
        repeat = x > 0
        monetary[repeat] = repeat_cents[repeat] / 100.0 / x[repeat]
    holdout = table["holdout"].to_numpy() if "holdout" in table.column_names else None
    return Summary(
        customer_id=table["customer_id"].to_numpy(zero_copy_only=False),
        frequency=x,
        recency=rec_days / unit,
        T=t_days / unit,
        monetary=monetary,
        recency_days=rec_days,
        T_days=t_days,
        repeat_cents=repeat_cents,
        holdout=holdout,
        period=period,
    )


def customer_summary(
    transactions,
    *,
    calibration_end,
    observation_end=None,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    period: str = "week",
) -> Summary:
    """Summarise a transaction log per customer for the BG/NBD, Pareto/NBD and Gamma-Gamma models.

    Parameters
    ----------
    transactions : ibis.Table, pandas.DataFrame or pyarrow.Table
        One row per transaction. An Ibis table runs on its own backend (DuckDB, PostgreSQL,
        Spark); pandas and pyarrow inputs run on Ibis' default backend (DuckDB).
    calibration_end, observation_end : date or ISO string
        End of the calibration period (inclusive) and of the holdout period (optional).
    customer, date, amount : str
        Column names; ``amount=None`` summarises counts only.
    period : {"day", "week", "month"}
        Model time unit; a month is 30.4375 days.

    Returns
    -------
    Summary
        Per-customer arrays; ``.to_pandas()`` / ``.to_arrow()`` give a table with
        ``customer_id, frequency, recency, T, monetary[, holdout]``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...     "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...     "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = customer_summary(log, calibration_end="2024-01-29")
    >>> s.to_pandas().sort_values("customer_id").to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'customer_id': [1, 2], 'frequency': [1, 0], 'recency': [2.0, 0.0], 'T': [4.0, 3.0],
     'monetary': [20.0, nan]}
    """
    period_days(period)
    expr = summary_expr(
        transactions,
        calibration_end=calibration_end,
        observation_end=observation_end,
        customer=customer,
        date=date,
        amount=amount,
    )
    try:
        table = expr.to_pyarrow()
    except CLVInputError:
        raise
    except Exception as exc:  # engine-side cast failures: unparsable dates or amounts
        raise CLVInputError(f"could not summarise the transactions: {exc}") from exc
    return summary_from_arrow(table, period)


def compact(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """De-duplicate rows of integer columns: (unique columns, counts, inverse index).

    Used to fit on the distinct (x, t_x, T) tuples weighted by their counts, and to score
    distinct tuples once before broadcasting back to customers.
    """
    cols = [np.ascontiguousarray(c, dtype=np.int64) for c in columns]
    key = np.zeros(len(cols[0]), dtype=np.int64)
    span = 1
    fits = True
    for c in cols:
        lo, hi = (int(c.min()), int(c.max())) if len(c) else (0, 0)
        width = hi - lo + 1
        if span > (2**62) // max(width, 1):
            fits = False
            break
        key += (c - lo) * span
        span *= width
    if fits:
        codes, uniques = pd.factorize(key, sort=False)
        first = np.zeros(len(uniques), dtype=np.int64)
        first[codes] = np.arange(len(codes))  # any row of a group will do: they are equal
    else:  # pragma: no cover - astronomically wide integer ranges
        stacked = np.stack(cols, axis=1)
        _, first, codes = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
        codes = codes.ravel()
    counts = np.bincount(codes, minlength=len(first)).astype(np.float64)
    return [c[first] for c in cols], counts, codes
