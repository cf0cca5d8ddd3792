"""The demo's public pools (公海): a store pool for the east and north teams, an online pool for
the south team, with rules as a tea company would set them, and the unowned customers in them
(the online ones in the online pool)."""

from django.contrib.auth import get_user_model
from django.db import connection

from guanxi.accounts.models import Department
from guanxi.customers.models import Customer, CustomerSource
from guanxi.pool.models import Pool
from guanxi.pool.services import run_rules, save_pool

ONLINE = [CustomerSource.ONLINE_INQUIRY, CustomerSource.ADVERTISING]
POOLS = [
    (
        "门店公海",
        ["华东销售组", "华北销售组"],
        {
            "A": {"follow_up_days": 180, "deal_days": 365},
            "B": {"follow_up_days": 120, "deal_days": 365},
            "C": {"follow_up_days": 90, "deal_days": 270},
        },
        {"reclaim_bar_days": 7, "owned_limit": None, "locked_limit": 20, "remind_days": 3},
    ),
    (
        "线上公海",
        ["华南销售组"],
        {
            "A": {"follow_up_days": 150, "deal_days": 365},
            "B": {"follow_up_days": 90, "deal_days": 300},
            "C": {"follow_up_days": 60, "deal_days": 240},
        },
        {"reclaim_bar_days": 14, "owned_limit": None, "locked_limit": 10, "remind_days": 5},
    ),
]


def _days_ago(column: str, spread: int, where: str) -> None:
    """column = now less (id mod `spread`) days, in one statement."""
    table = Customer._meta.db_table
    if connection.vendor == "postgresql":
        value = f"now() - (id % {spread}) * interval '1 day'"
    else:
        value = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (id % {spread}) || ' days')"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {value} WHERE {where}")  # noqa: S608


def seed_pools(staff) -> dict:
    manager = get_user_model().objects.get(pk=staff.manager_id)
    made = {}
    for name, teams, rules, limits in POOLS:
        pool = Pool.objects.filter(name=name).first()
        if pool is None:
            pool = save_pool(
                manager,
                {
                    "name": name,
                    "department_ids": list(
                        Department.objects.filter(name__in=teams).values_list("pk", flat=True)
                    ),
                    "exempt_won": True,
                    "won_days": 180,
                    "exempt_locked": True,
                    "rules": rules,
                    **limits,
                },
            )
        made[name] = pool
    unowned = Customer.objects.filter(owner__isnull=True, pool__isnull=True)
    for pool, customers in (
        (made["线上公海"], unowned.filter(source__in=ONLINE)),
        (made["门店公海"], unowned.exclude(source__in=ONLINE)),
    ):
        customers.update(pool=pool)
    # waiting since one of the last 60 days; the owners took their customers within the last
    # 100 days (the clocks start then), so a few return at the first run and "days until
    # return" differs from customer to customer (by id: the demo stays reproducible)
    _days_ago("pooled_at", 60, "owner_id IS NULL AND pool_id IS NOT NULL")
    _days_ago("owned_since", 100, "owner_id IS NOT NULL")
    run = run_rules()
    return {
        "pooled": Customer.objects.filter(owner__isnull=True, pool__isnull=False).count(),
        "returned": run.returned,
    }
