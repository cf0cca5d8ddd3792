"""Event method of customer lifetime value (客户事件计算法).

A customer's value is the sum of the value of the events she brings (DOMAIN.md §7):

    CLV = first purchase + repeat purchases + cross-selling + service-cost savings
          + referral value + other loyalty value

Each component is a column of a per-customer (or per-segment) table, already expressed in
money (and already discounted if the analyst wants a present value). Missing components count
as zero only when the column is absent altogether; a missing value inside a column is an error.
"""

from __future__ import annotations

import pandas as pd

from guanxi.analytics.clv.dwyer import _to_pandas
from guanxi.analytics.clv.errors import CLVInputError

COMPONENTS = (
    "first_purchase",
    "repeat_purchases",
    "cross_selling",
    "service_savings",
    "referral_value",
    "other_loyalty_value",
)


def event_clv(table, *, key: str = "customer_id", columns: dict | None = None) -> pd.DataFrame:
    """Sum the event components per row: returns ``key``, the components and ``clv``.

    Parameters
    ----------
    table : pandas.DataFrame, pyarrow.Table or ibis.Table
    key : str
        Identifier column kept in the output.
    columns : dict, optional
        Maps a component name (see ``COMPONENTS``) to the table's column; by default the
        component names themselves. At least one component must be present.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": [1], "first_purchase": [100.0],
    ...                   "repeat_purchases": [300.0], "referral_value": [50.0]})
    >>> event_clv(t)["clv"].tolist()
    [450.0]
    """
    df = _to_pandas(table)
    names = {c: c for c in COMPONENTS}
    if columns:
        unknown = set(columns) - set(COMPONENTS)
        if unknown:
            raise CLVInputError(
                f"unknown component(s) {', '.join(sorted(unknown))}; "
                f"expected {', '.join(COMPONENTS)}"
            )
        names.update(columns)
    if key not in df.columns:
        raise CLVInputError(f"missing key column {key!r}")
    present = {c: col for c, col in names.items() if col in df.columns}
    if not present:
        raise CLVInputError(f"none of the event columns {', '.join(names.values())} is present")
    out = pd.DataFrame({key: df[key].to_numpy()})
    total = 0.0
    for component, col in present.items():
        values = pd.to_numeric(df[col], errors="coerce")
        if values.isna().any():
            raise CLVInputError(f"column {col!r} has missing or non-numeric values")
        out[component] = values.to_numpy(dtype=float)
        total = total + out[component]
    out["clv"] = total
    return out


def event_value(
    first_purchase: float = 0.0,
    repeat_purchases: float = 0.0,
    cross_selling: float = 0.0,
    service_savings: float = 0.0,
    referral_value: float = 0.0,
    other_loyalty_value: float = 0.0,
) -> float:
    """The event-method CLV of one customer: the sum of the six components."""
    return float(
        first_purchase
        + repeat_purchases
        + cross_selling
        + service_savings
        + referral_value
        + other_loyalty_value
    )
