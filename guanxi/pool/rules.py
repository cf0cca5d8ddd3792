"""The pool rules in set-based SQL: when each owned customer returns to its pool (return_due),
which customers go back today, and who gets a reminder first.

Everything here runs as a handful of UPDATE statements whatever the number of customers: one per
(pool, customer level) for the due dates, one per 2,000 customers returned or reminded (the audit
trail needs their ids and previous owners). No Python loop over customers.

return_due, for an owned customer of a pool whose level has a rule (follow-up N days, deal M
days), with start = owned_since (else created_at):
    follow-up clock = the later of the owner's last follow-up and start, plus N days;
    deal clock      = the later of the last purchase and start, plus M days;
    due             = the earlier of the two clocks (the one set when only one is);
    won exemption   : with a purchase, not before the purchase + the won window (M, else the
                      pool's won_days): a customer that bought within the window stays;
    lock exemption  : a locked customer has no due date (never returns);
stored as the date in the site's time zone. It depends on no "today", so it only changes when a
follow-up is recorded, an order is placed, the owner or the lock changes, or the rules change:
those recompute it (the receivers in signals.py, the services, and the daily job for writes that
sent no signal, such as imports).
"""

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.db.models.lookups import Lookup
from django.utils import timezone

from guanxi.activities.models import Interaction
from guanxi.audit import services as audit
from guanxi.customers.models import Customer
from guanxi.sales.models import Order

from .models import Pool, PoolRule

CHUNK = 2000


def _plus(expression, days: int):
    return ExpressionWrapper(expression + Value(timedelta(days=days)), output_field=DateTimeField())


def _last_purchase():
    return Subquery(
        Order.objects.filter(customer_id=OuterRef("pk"))
        .purchases()
        .order_by()
        .values("customer_id")
        .annotate(last=Max("ordered_at"))
        .values("last")[:1],
        output_field=DateTimeField(),
    )


def due_expression(pool: Pool, rule: PoolRule | None):
    """The return_due of an owned customer of `pool` with `rule`'s level (None: never)."""
    if rule is None or (rule.follow_up_days is None and rule.deal_days is None):
        return None
    start = Coalesce(F("owned_since"), F("created_at"))
    needs_orders = rule.deal_days is not None or pool.exempt_won
    purchase = _last_purchase() if needs_orders else None
    clocks = []
    if rule.follow_up_days is not None:
        clocks.append(
            _plus(Greatest(Coalesce(F("last_follow_up_at"), start), start), rule.follow_up_days)
        )
    if rule.deal_days is not None:
        clocks.append(_plus(Greatest(Coalesce(purchase, start), start), rule.deal_days))
    due = clocks[0] if len(clocks) == 1 else Least(*clocks)
    if pool.exempt_won:
        won_days = rule.deal_days if rule.deal_days is not None else pool.won_days
        # no purchase: no exemption (the won date is NULL, Coalesce keeps the due date)
        due = Greatest(due, Coalesce(_plus(purchase, won_days), due))
    return TruncDate(due, tzinfo=timezone.get_current_timezone())


class IsDistinctFrom(Lookup):
    """`a IS DISTINCT FROM b`: unequal, NULL counting as a value (SQLite spells it IS NOT)."""

    lookup_name = "distinct_from"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "IS NOT" if connection.vendor == "sqlite" else "IS DISTINCT FROM"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]


DateField.register_lookup(IsDistinctFrom)


def pool_expression(pool: Pool):
    """return_due for an owned customer of `pool`, whatever its level (None: never)."""
    rules = {rule.level: rule for rule in pool.rules.all()}
    whens = []
    for level in ("A", "B", "C"):
        expression = due_expression(pool, rules.get(level))
        if expression is not None:
            whens.append(When(level=level, then=expression))
    if not whens:
        return Value(None, output_field=DateField())
    if pool.exempt_locked:
        whens.insert(0, When(locked=True, then=Value(None, output_field=DateField())))
    return Case(*whens, default=Value(None, output_field=DateField()), output_field=DateField())


def recompute(queryset=None, *, pool: Pool | None = None) -> None:
    """Set return_due on the owned customers of `queryset` (default: all): one UPDATE per
    pool, writing only the rows whose date changes (an UPDATE rewrites the row and every index
    of it, the name's trigram index too: by far the dearest part at a million rows).
    Customers without an owner, a pool or a rule get none."""
    base = Customer.objects.all() if queryset is None else queryset
    pools = [pool] if pool is not None else list(Pool.objects.prefetch_related("rules"))
    for one in pools:
        expression = pool_expression(one)
        base.filter(pool=one, owner__isnull=False).filter(
            return_due__distinct_from=expression
        ).update(return_due=expression)
    if pool is None:
        base.filter(Q(owner__isnull=True) | Q(pool__isnull=True)).exclude(
            return_due__isnull=True
        ).update(return_due=None)


def recompute_customers(ids) -> None:
    """recompute() for the customers `ids` (a follow-up, a claim, a transfer), 2,000 at a
    time (a leaver's transfer may name many)."""
    ids = sorted(set(ids))
    pools = None
    for start in range(0, len(ids), CHUNK):
        chunk = Customer.objects.filter(pk__in=ids[start : start + CHUNK])
        pool_ids = set(chunk.filter(pool__isnull=False).values_list("pool_id", flat=True))
        if pool_ids:
            if pools is None:
                pools = {p.pk: p for p in Pool.objects.prefetch_related("rules")}
            for pool_id in pool_ids:
                recompute(chunk, pool=pools[pool_id])
        chunk.filter(Q(owner__isnull=True) | Q(pool__isnull=True)).exclude(
            return_due__isnull=True
        ).update(return_due=None)


def _pool_teams():
    """(pool, the ids of its member teams and every team below them), pools by id."""
    for pool in Pool.objects.prefetch_related("departments").order_by("id"):
        teams: set[int] = set()
        for department in pool.departments.all():
            teams.update(department.descendant_ids())
        if teams:
            yield pool, teams


def assign_home_pools() -> int:
    """Give owned customers without a pool the first pool (by id) whose member teams include
    their team (or a team above it). Returns how many got one."""
    assigned = 0
    for pool, teams in _pool_teams():
        assigned += Customer.objects.filter(
            pool__isnull=True, owner__isnull=False, department_id__in=sorted(teams)
        ).update(pool=pool)
    return assigned


def home_pool(department_id: int | None) -> Pool | None:
    """The pool assign_home_pools would give a customer of this team (None: no pool has it)."""
    if department_id is not None:
        for pool, teams in _pool_teams():
            if department_id in teams:
                return pool
    return None


def refresh_follow_ups(since=None) -> int:
    """Move last_follow_up_at forward to the latest interaction recorded by each customer's
    owner: from the interactions recorded since `since` (all of them without it). One UPDATE
    over the interactions aggregated per customer, touching only the rows that move (an
    UPDATE of a row rewrites all its indexes). Returns how many moved."""
    customers, interactions = Customer._meta.db_table, Interaction._meta.db_table
    recent, params = "", []
    if since is not None:
        recent = "AND i.created_at >= %s"
        params.append(connection.ops.adapt_datetimefield_value(since))
    sql = f"""
        UPDATE {customers} SET last_follow_up_at = x.last
        FROM (
            SELECT i.customer_id AS customer_id, MAX(i.occurred_at) AS last
            FROM {interactions} i JOIN {customers} o
              ON o.id = i.customer_id AND o.owner_id = i.user_id
            WHERE 1 = 1 {recent}
            GROUP BY i.customer_id
        ) x
        WHERE {customers}.id = x.customer_id
          AND ({customers}.last_follow_up_at IS NULL OR {customers}.last_follow_up_at < x.last)
    """  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


TOUCHED_AT_MOST = 100_000


def touched_since(since) -> list[int] | None:
    """The ids of the customers whose return date may have moved since `since` without a
    signal: an interaction or an order was written (imports write both in bulk). None when
    more than TOUCHED_AT_MOST: then recomputing everyone is cheaper than the id list."""
    ids = set(
        Interaction.objects.filter(created_at__gte=since).values_list("customer_id", flat=True)
    )
    ids.update(Order.objects.filter(created_at__gte=since).values_list("customer_id", flat=True))
    return None if len(ids) > TOUCHED_AT_MOST else sorted(ids)


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


@transaction.atomic
def return_due_customers(today, *, actor=None) -> int:
    """Send every owned customer whose return_due is today or past back to its pool: no owner,
    the previous owner kept (history stays with the customer), audited per customer."""
    now = timezone.now()
    rows = list(
        Customer.objects.select_for_update()
        .filter(owner__isnull=False, pool__isnull=False, return_due__lte=today)
        .order_by("pk")
        .values_list("pk", "owner_id", "return_due")
    )
    for chunk in _chunks(rows):
        Customer.objects.filter(pk__in=[pk for pk, _o, _d in chunk]).update(
            previous_owner=F("owner"),
            owner=None,
            pooled_at=now,
            locked=False,
            return_due=None,
            return_reminded_for=None,
            version=F("version") + 1,
            updated_at=now,
        )
    audit.record_rows(
        actor,
        audit.AuditEntry.Action.ASSIGN,
        Customer._meta.model_name,
        (
            (pk, pk, {"owner": [owner_id, None], "returned_to_pool": [None, due.isoformat()]})
            for pk, owner_id, due in rows
        ),
    )
    return len(rows)


def reminder_candidates(today):
    """(customer id, name, owner id, return_due) of the owned customers returning within their
    pool's reminder days, not reminded for that date yet."""
    found = []
    for pool in Pool.objects.filter(remind_days__gt=0):
        found.extend(
            Customer.objects.filter(
                pool=pool,
                owner__isnull=False,
                return_due__gt=today,
                return_due__lte=today + timedelta(days=pool.remind_days),
            )
            .filter(Q(return_reminded_for__isnull=True) | ~Q(return_reminded_for=F("return_due")))
            .order_by("pk")
            .values_list("pk", "name", "owner_id", "return_due")
        )
    return found


def mark_reminded(ids) -> None:
    for chunk in _chunks(list(ids)):
        Customer.objects.filter(pk__in=chunk).update(return_reminded_for=F("return_due"))
