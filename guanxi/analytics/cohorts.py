"""Cohort analysis (客户群流失分析): acquisition-month cohorts, the retention matrix, churn rate
per period and the revenue lost to churn (DOMAIN.md §8, "prevention: measure churn rate,
estimate the loss")."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from guanxi.analytics.common import order_log, ratio, sum_int64

__all__ = ["churn_by_period", "cohorts", "retention_matrix"]


def _month_index(value: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0: ``12 · year + month - 1`` (plain integers, same on every engine)."""
    return (value.year() * 12 + value.month() - 1).cast("int64")


def cohorts(
    transactions: ir.Table,
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
    transactions : ibis.Table
        An order log: one row per purchase.
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
    """
    log, as_of_date = order_log(
        transactions, customer=customer, date=date, amount=amount, as_of=as_of
    )
    log = log.mutate(month=_month_index(log.date))
    first = log.group_by("customer_id").aggregate(
        cohort_month=log.month.min(), cohort=log.date.min().truncate("M")
    )
    monthly = log.group_by("customer_id", "month").aggregate(cents=sum_int64(log.amount_cents))
    activity = monthly.inner_join(first, "customer_id")
    activity = activity.select(
        "customer_id",
        "cohort_month",
        "cents",
        period=activity.month - activity.cohort_month,
    )
    sizes = first.group_by("cohort_month", "cohort").aggregate(cohort_size=first.count())
    cells = activity.group_by("cohort_month", "period").aggregate(
        active_customers=activity.count(), revenue_cents=sum_int64(activity.cents)
    )
    # A customer churns at period k when active at k - 1 and not at k.
    # Join on plain column pairs: an expression such as ``period + 1`` inside the predicate of
    # a join on a join was resolved against the wrong side by Ibis 12.
    nxt = activity.select(next_customer=activity.customer_id, next_period=activity.period)
    gone = activity.mutate(following=activity.period + 1)
    gone = gone.anti_join(
        nxt, [("customer_id", "next_customer"), ("following", "next_period")]
    ).drop("following")
    last_month = as_of_date.year * 12 + as_of_date.month - 1
    gone = gone.filter(gone.cohort_month + gone.period + 1 <= last_month)
    losses = gone.group_by("cohort_month", period=gone.period + 1).aggregate(
        churned_customers=gone.count(), lost_cents=sum_int64(gone.cents)
    )
    previous = cells.select(
        "cohort_month", period=cells.period + 1, previous_active=cells.active_customers
    )

    # Every period from acquisition to the as-of month, one row each (no query to find the
    # first month: the range is built per cohort by the engine).
    grid = sizes.mutate(
        period=ibis.range(0, last_month - sizes.cohort_month + 1).unnest().cast("int64")
    )
    keys = ["cohort_month", "period"]
    table = (
        grid.left_join(cells, keys)
        .drop("cohort_month_right", "period_right")
        .left_join(losses, keys)
        .drop("cohort_month_right", "period_right")
        .left_join(previous, keys)
        .drop("cohort_month_right", "period_right")
    )
    active = table.active_customers.fill_null(0)
    churned = table.churned_customers.fill_null(0)
    prev = table.previous_active.fill_null(0)
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
