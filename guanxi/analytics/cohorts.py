"""Cohort analysis (客户群流失分析): acquisition-month cohorts, the retention matrix, churn rate
per period and the revenue lost to churn (DOMAIN.md §8, "prevention: measure churn rate,
estimate the loss")."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from guanxi.analytics.base import (
    BITS,
    ZERO,
    CustomerBase,
    check_base,
    mask_aggregates,
    months_log,
)
from guanxi.analytics.common import order_log, ratio, sum_int64

__all__ = ["churn_by_period", "cohorts", "retention_matrix"]


def _bit(table: ir.Table, masks: list[str], back: ir.IntegerValue) -> ir.IntegerValue:
    """Bit ``back`` of the masks (1 if the customer bought ``back`` months before the as-of
    month, else 0). Shift counts are 32-bit: PostgreSQL and Spark shift a BIGINT by an INT."""
    if len(masks) == 1:
        return (table[masks[0]] >> back.cast("int32")) & 1
    return ibis.cases(
        *(
            (
                (back >= j * BITS) & (back < (j + 1) * BITS),
                (table[name] >> (back - j * BITS).cast("int32")) & 1,
            )
            for j, name in enumerate(masks)
        ),
        else_=ZERO,
    )


def cohorts(
    transactions: ir.Table | CustomerBase,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    as_of: dt.date | str | None = None,
) -> ir.Table:
    """Acquisition-month cohorts with retention, churn and revenue lost, one row per
    cohort × period.

    Parameters
    ----------
    transactions : ibis.Table or CustomerBase
        An order log: one row per purchase; or its per-customer aggregate from
        :func:`~guanxi.analytics.base.customer_base` (then the column names and ``as_of`` are
        the base's; only revenue by month still reads the log).
    customer, date, amount : str
        Column names.
    as_of : date or ISO string, optional
        Purchases after it are ignored and periods after its month are not reported.
        Default: the day after the last purchase (so the last month of the log is the last
        period; it may be a partial month).

    Returns
    -------
    ibis.Table
        ``cohort`` (first day of the acquisition month), ``period`` (months since
        acquisition, 0 = the acquisition month), ``cohort_size``, ``active_customers``,
        ``retention``, ``revenue``, ``start_customers``, ``churned_customers``, ``churn_rate``,
        ``revenue_lost``.

    Notes
    -----
    For cohort ``c`` (customers whose first purchase is in month ``c``, size ``N_c``) and
    period ``k`` (calendar month ``c + k``):

    - ``active_customers A_k`` = customers of the cohort with a purchase in month ``c + k``;
      ``retention = A_k / N_c`` (``A_0 = N_c``, so retention starts at 1);
    - ``start_customers`` = ``A_{k-1}`` (0 in period 0);
    - ``churned_customers L_k`` = customers active in period ``k - 1`` with no purchase in
      period ``k``; ``churn_rate = L_k / A_{k-1}`` (churned customers / customers at the start
      of the period, the textbook's 客户流失率);
    - ``revenue_lost`` = what those ``L_k`` customers spent in period ``k - 1``: the revenue per
      period the company loses if they do not come back (the loss estimate).

    Every period from 0 to the as-of month is reported for every cohort, including periods in
    which nobody bought (``active_customers = 0``, ``retention = 0``). A cohort always has at
    least one customer (it is defined by first purchases), so ``retention`` is never undefined.
    ``churn_rate`` is null for period 0 and after a period with no active customer (no one left
    to lose); ``churned_customers`` and ``revenue_lost`` are 0 there. Money is added as integer
    cents.

    How it is computed (the same result as joining every customer-month to the next one, but
    without the large intermediate tables): one pass over the order log gives, per customer,
    the acquisition month and the set of months with a purchase as 62-bit masks (bit ``b`` of
    mask ``j``: a purchase ``62·j + b`` months before the as-of month; one mask per 62 months
    of history). Counts come from the distinct (cohort, masks) patterns expanded over their
    periods; revenue and revenue lost from one join of the orders with the per-customer masks
    (an order's customer churns after it when the next month's bit is 0). One extra query
    reads the first purchase date, to know how many masks are needed.
    """
    if isinstance(transactions, CustomerBase):
        check_base(transactions, as_of)
        log, masks = transactions.log, list(transactions.masks)
        as_of_date = transactions.as_of
        customers = transactions.table
    else:
        log, as_of_date = order_log(
            transactions, customer=customer, date=date, amount=amount, as_of=as_of
        )
        # Months are counted backwards from the as-of month ("back" 0 = the as-of month), so
        # a customer's months fit in bit masks without knowing her first month in advance.
        log, masks = months_log(log, as_of_date)
        # One pass over the order log: per customer, the acquisition month and the set of
        # months with a purchase (bit ``back`` of the masks).
        customers = log.group_by("customer_id").aggregate(**mask_aggregates(log, masks))

    # Counts from the (small) table of distinct purchase patterns, one row per cohort period.
    patterns = customers.group_by(["cohort_back", *masks]).aggregate(n=customers.count())
    grid = patterns.mutate(period=ibis.range(0, patterns.cohort_back + 1).unnest().cast("int64"))
    back = grid.cohort_back - grid.period
    now = _bit(grid, masks, back)
    before = ibis.cases((grid.period > 0, _bit(grid, masks, back + 1)), else_=ZERO)
    cells = grid.group_by("cohort_back", "period").aggregate(
        cohort_size=sum_int64(grid.n),
        active_customers=sum_int64(grid.n * now),
        start_customers=sum_int64(grid.n * before),
        churned_customers=sum_int64(grid.n * before * (1 - now)),
    )
    # The cohort's month from its number (no extra per-customer first date to carry).
    month = (
        ibis.literal(as_of_date.year * 12 + as_of_date.month - 1, type="int64") - cells.cohort_back
    )
    cells = cells.mutate(
        back=cells.cohort_back - cells.period,
        cohort=ibis.date((month // 12).cast("int32"), (month % 12 + 1).cast("int32"), 1),
    )

    # Revenue per cohort month, and what customers who do not buy the next month spent.
    orders = log.select("customer_id", "back", "amount_cents").inner_join(
        customers.select("customer_id", "cohort_back", *masks), "customer_id"
    )
    stops = (orders.back > 0) & (_bit(orders, masks, orders.back - 1) == 0)
    revenue = orders.group_by("cohort_back", "back").aggregate(
        revenue_cents=sum_int64(orders.amount_cents),
        lost_cents=sum_int64(ibis.cases((stops, orders.amount_cents), else_=ZERO)),
    )
    # Join on plain column pairs: an expression inside the predicate of a join on a join was
    # resolved against the wrong side by Ibis 12.
    table = cells.left_join(revenue, ["cohort_back", "back"]).drop(
        "cohort_back_right", "back_right"
    )
    # What was lost in period k was spent in period k - 1: the previous row of the cohort (every
    # period of a cohort has a row). A lag over the small cell table rather than a second join
    # of the revenue aggregate, which the engine would compute twice.
    table = table.mutate(
        lost_cents=table.lost_cents.lag().over(group_by="cohort_back", order_by="period")
    )
    active = table.active_customers
    churned = table.churned_customers
    prev = table.start_customers
    return table.select(
        cohort=table.cohort.cast("date"),
        period=table.period,
        cohort_size=table.cohort_size,
        active_customers=active,
        retention=ratio(active, table.cohort_size),
        revenue=ratio(table.revenue_cents.fill_null(0), 100),
        start_customers=prev,
        churned_customers=churned,
        churn_rate=ibis.cases((prev > 0, ratio(churned, prev)), else_=ibis.null("float64")),
        revenue_lost=ratio(table.lost_cents.fill_null(0), 100),
    )


def churn_by_period(cohort_table: ir.Table) -> ir.Table:
    """Churn rate and revenue lost per period since acquisition, over all cohorts.

    ``churn_rate_k = Σ_c L_{c,k} / Σ_c A_{c,k-1}`` (customers lost over customers at the start
    of the period, cohorts pooled); ``revenue_lost`` summed. Takes the output of
    :func:`cohorts`; periods with nobody at the start are left out.
    """
    t = cohort_table.filter(cohort_table.period > 0)
    per = t.group_by("period").aggregate(
        start_customers=t.start_customers.sum().cast("int64"),
        churned_customers=t.churned_customers.sum().cast("int64"),
        revenue_lost=t.revenue_lost.sum(),
    )
    per = per.filter(per.start_customers > 0)
    return per.mutate(churn_rate=ratio(per.churned_customers, per.start_customers))


def retention_matrix(cohort_table: ir.Table, value: str = "retention"):
    """The cohort × period matrix of ``value`` (default retention) as a pandas DataFrame.

    Rows are cohorts (first day of the month), columns periods 0, 1, ...; cells after the
    as-of month are empty (NaN: not observed yet), which is the only place a NaN appears.
    """
    frame = cohort_table.select("cohort", "period", value).to_pyarrow().to_pandas()
    matrix = frame.pivot(index="cohort", columns="period", values=value).sort_index()
    matrix.columns.name = "period"
    return matrix
