"""Writes of the public pool (公海): pools and their rules, claiming, releasing, locking, and
the rules run (return due customers, remind their owners). Each is atomic and audited; pages,
the API and the scheduled task call these. Transfers are in transfers.py."""

import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.accounts.models import Department, Profile
from guanxi.accounts.preferences import languages_of
from guanxi.accounts.scope import (
    claimable_customer,
    get_pool_or_404,
    manageable_customer,
    require_manage_pools,
    visible_pools,
)
from guanxi.accounts.services import profile_of
from guanxi.activities.services import create_follow_up_reminders, system_text
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer, CustomerLevel
from guanxi.services_common import claim_version, customers_changed_hands, customers_transferred

from . import rules
from .models import Pool, PoolRule, PoolRun

POOL_FIELDS = [
    "name",
    "exempt_won",
    "won_days",
    "exempt_locked",
    "reclaim_bar_days",
    "owned_limit",
    "locked_limit",
    "remind_days",
]
LEVELS = [level for level, _label in CustomerLevel.choices]
MAX_DAYS = 3650
# What a pool member sees of a pooled customer (scope.py): nothing personal.
BASIC_FIELDS = (
    "id",
    "name",
    "level",
    "city",
    "province",
    "source",
    "pooled_at",
    "pool_id",
    "previous_owner__username",
    "previous_owner__profile__display_name",
)


class ClaimRefused(Exception):  # noqa: N818 (a refusal the user is told about, not a bug)
    """A claim that cannot be: taken meanwhile, over the limit, barred. The API answers 409."""


# Pools and their rules -----------------------------------------------------------------------


def _days(errors: dict, field: str, value, *, required: bool = False):
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("Enter a number of days."))
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return None
    if not 0 <= number <= MAX_DAYS:
        errors.setdefault(field, []).append(
            _("Enter a number from 0 to %(max)d.") % {"max": MAX_DAYS}
        )
        return None
    return number


def clean_pool_data(data: dict) -> dict:
    """Check a pool's settings and rules; ValidationError naming every problem.

    data: name, department_ids, exempt_won, won_days, exempt_locked, reclaim_bar_days,
    owned_limit, locked_limit, remind_days, and rules {level: {follow_up_days, deal_days}}.
    """
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("Give the pool a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    cleaned = {
        "name": name,
        "exempt_won": bool(data.get("exempt_won")),
        "exempt_locked": bool(data.get("exempt_locked")),
        "won_days": _days(errors, "won_days", data.get("won_days", 90), required=True),
        "reclaim_bar_days": _days(
            errors, "reclaim_bar_days", data.get("reclaim_bar_days", 0), required=True
        ),
        "remind_days": _days(errors, "remind_days", data.get("remind_days", 3), required=True),
        "owned_limit": _days(errors, "owned_limit", data.get("owned_limit")),
        "locked_limit": _days(errors, "locked_limit", data.get("locked_limit")),
    }
    ids = []
    for value in data.get("department_ids") or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            errors.setdefault("department_ids", []).append(_("Choose teams from the list."))
            break
    departments = list(Department.objects.filter(pk__in=ids))
    if len(departments) != len(set(ids)):
        errors.setdefault("department_ids", []).append(_("Choose teams from the list."))
    cleaned["departments"] = departments
    given = data.get("rules") or {}
    unknown = set(given) - set(LEVELS)
    if unknown:
        errors.setdefault("rules", []).append(
            _("Unknown customer levels: %(levels)s.") % {"levels": ", ".join(sorted(unknown))}
        )
    cleaned["rules"] = {}
    for level in LEVELS:
        rule = given.get(level) or {}
        cleaned["rules"][level] = {
            "follow_up_days": _days(errors, f"{level}_follow_up_days", rule.get("follow_up_days")),
            "deal_days": _days(errors, f"{level}_deal_days", rule.get("deal_days")),
        }
    for level in LEVELS:
        for field in ("follow_up_days", "deal_days"):
            if cleaned["rules"][level][field] == 0:
                errors.setdefault(f"{level}_{field}", []).append(
                    _("At least one day; leave it empty for no such rule.")
                )
    if name and Pool.objects.filter(name=name).exclude(pk=data.get("pk")).exists():
        errors.setdefault("name", []).append(_("Another pool has this name."))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _pool_state(pool: Pool) -> dict:
    state = {field: getattr(pool, field) for field in POOL_FIELDS}
    state["departments"] = sorted(pool.departments.values_list("pk", flat=True))
    state["rules"] = {
        rule.level: [rule.follow_up_days, rule.deal_days] for rule in pool.rules.all()
    }
    return state


@transaction.atomic
def save_pool(actor, data: dict, *, pool: Pool | None = None, version: int | None = None) -> Pool:
    """Create a pool or change one (managers); the return dates of its customers are computed
    again at once (one UPDATE per level)."""
    require_manage_pools(actor)
    cleaned = clean_pool_data({**data, "pk": pool.pk if pool else None})
    before = _pool_state(pool) if pool is not None else {}
    if pool is None:
        pool = Pool()
    else:
        claim_version(pool, version, {f: cleaned[f] for f in POOL_FIELDS})
    for field in POOL_FIELDS:
        setattr(pool, field, cleaned[field])
    pool.save()
    pool.departments.set(cleaned["departments"])
    for level, rule in cleaned["rules"].items():
        PoolRule.objects.update_or_create(pool=pool, level=level, defaults=rule)
    pool = Pool.objects.prefetch_related("rules").get(pk=pool.pk)
    after = _pool_state(pool)
    audit.record(
        actor,
        AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        pool,
        customer_id=None,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    rules.recompute(pool=pool)
    return pool


# Claim, release, lock -------------------------------------------------------------------------


def _lock_profile(user) -> None:
    """Serialise one rep's claims and locks: two at once cannot both pass the rep's limit."""
    list(Profile.objects.select_for_update().filter(user_id=user.pk).values_list("pk"))


def reclaim_barred_until(pool: Pool, customer: Customer, user, now=None):
    """When `user`, the customer's previous owner, may claim it again (local time), or None
    if they may now: the pool's reclaim bar (the list shows it instead of a Claim button)."""
    now = now or timezone.now()
    if (
        pool.reclaim_bar_days
        and customer.previous_owner_id == user.pk
        and customer.pooled_at is not None
        and customer.pooled_at > now - timedelta(days=pool.reclaim_bar_days)
    ):
        return timezone.localtime(customer.pooled_at + timedelta(days=pool.reclaim_bar_days))
    return None


@transaction.atomic
def claim_customer(actor, customer_id) -> Customer:
    """Take a customer from a pool (领取): exactly one of simultaneous claimers wins, with one
    conditional UPDATE (owner still empty); the rep's limit and the reclaim bar are checked
    under a lock on the rep's profile row, in the same transaction. ClaimRefused otherwise."""
    customer = claimable_customer(actor, Pool.objects.all(), customer_id)
    _lock_profile(actor)
    pool = Pool.objects.get(pk=customer.pool_id)
    if customer.owner_id == actor.pk:
        raise ClaimRefused(_("This customer is already yours."))
    if customer.owner_id is not None:
        raise ClaimRefused(_("Someone else has just claimed this customer."))
    now = timezone.now()
    until = reclaim_barred_until(pool, customer, actor, now)
    if until is not None:
        raise ClaimRefused(
            _("You had this customer before: you may claim it again from %(date)s.")
            % {"date": until.strftime("%Y-%m-%d %H:%M")}
        )
    if pool.owned_limit is not None:
        owned = Customer.objects.filter(owner=actor, pool=pool).count()
        if owned >= pool.owned_limit:
            raise ClaimRefused(
                _(
                    "You already own %(owned)d customers of “%(pool)s”, its limit: release one "
                    "before claiming another."
                )
                % {"owned": owned, "pool": pool.name}
            )
    department = profile_of(actor).department
    won = Customer.objects.filter(pk=customer.pk, owner__isnull=True, pool=pool).update(
        owner=actor,
        department=department,
        owned_since=now,
        pooled_at=None,
        locked=False,
        return_reminded_for=None,
        version=F("version") + 1,
        updated_at=now,
    )
    if not won:
        raise ClaimRefused(_("Someone else has just claimed this customer."))
    audit.record(
        actor,
        AuditEntry.Action.ASSIGN,
        customer,
        customer_id=customer.pk,
        changes={
            "owner": [None, actor.pk],
            "claimed_from_pool": [None, pool.name],
            **(
                {"department": [customer.department_id, department.pk if department else None]}
                if customer.department_id != (department.pk if department else None)
                else {}
            ),
        },
    )
    customers_transferred.send(
        sender=None,
        actor=actor,
        customer_ids=[customer.pk],
        from_user=None,
        to_user=actor,
        move=set(),
    )
    transaction.on_commit(customers_changed_hands)
    customer.refresh_from_db()
    return customer


@transaction.atomic
def release_customer(actor, customer_id, *, pool_id=None) -> Customer:
    """Put an owned customer back into a pool (退回公海): its owner or a colleague whose scope
    covers it. Into its home pool, or `pool_id` (a pool the actor sees) when it has none."""
    customer = manageable_customer(
        actor, customer_id, _("Only the customer's owner or a manager over them may release it.")
    )
    if customer.owner_id is None:
        raise ValidationError(_("This customer is already in the public pool."))
    pool = None
    if pool_id not in (None, ""):
        pool = get_pool_or_404(actor, Pool.objects.all(), pool_id)
    elif customer.pool_id is not None:
        pool = Pool.objects.get(pk=customer.pool_id)
    if pool is None:
        raise ValidationError({"pool": [_("Choose the pool to release this customer to.")]})
    now = timezone.now()
    Customer.objects.filter(pk=customer.pk).update(
        pool=pool,
        previous_owner=F("owner"),
        owner=None,
        pooled_at=now,
        locked=False,
        return_due=None,
        return_reminded_for=None,
        version=F("version") + 1,
        updated_at=now,
    )
    audit.record(
        actor,
        AuditEntry.Action.ASSIGN,
        customer,
        customer_id=customer.pk,
        changes={"owner": [customer.owner_id, None], "released_to_pool": [None, pool.name]},
    )
    transaction.on_commit(customers_changed_hands)
    customer.refresh_from_db()
    return customer


@transaction.atomic
def set_locked(actor, customer_id, locked: bool) -> Customer:
    """Lock an owned customer (锁定: it never returns while the pool exempts locked ones) or
    unlock it: its owner or a manager over them, within the owner's limit of locked customers."""
    customer = manageable_customer(
        actor, customer_id, _("Only the customer's owner or a manager over them may lock it.")
    )
    if customer.owner_id is None:
        raise ValidationError(_("A customer in the public pool cannot be locked."))
    if customer.locked == locked:
        return customer
    owner = customer.owner
    _lock_profile(owner)
    pool = Pool.objects.filter(pk=customer.pool_id).first()
    if locked and pool is not None and pool.locked_limit is not None:
        held = Customer.objects.filter(owner=owner, pool=pool, locked=True).count()
        if held >= pool.locked_limit:
            raise ValidationError(
                _(
                    "%(owner)s already has %(held)d locked customers in “%(pool)s”, its limit: "
                    "unlock one first."
                )
                % {"owner": owner.get_username(), "held": held, "pool": pool.name}
            )
    Customer.objects.filter(pk=customer.pk).update(
        locked=locked, version=F("version") + 1, updated_at=timezone.now()
    )
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        customer,
        customer_id=customer.pk,
        changes={"locked": [not locked, locked]},
    )
    rules.recompute_customers([customer.pk])
    customer.refresh_from_db()
    return customer


# The rules run (daily, or "Run now") ---------------------------------------------------------


def run_rules(*, actor=None, trigger: str = PoolRun.Trigger.SCHEDULE, full: bool | None = None):
    """Apply every pool's rules: home pools for new owned customers, last follow-ups and
    return dates brought up to date (all customers when `full` or on the first run, else those
    touched since the last run), due customers returned, reminders sent. Set-based: see
    rules.py. A manual run (a manager's "Run now") is a full one."""
    if actor is not None:
        require_manage_pools(actor)
    started = time.perf_counter()
    last = PoolRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    if full is None:
        full = trigger == PoolRun.Trigger.MANUAL or last is None
    run = PoolRun.objects.create(trigger=trigger, actor=actor)
    today = timezone.localdate()
    with transaction.atomic():
        run.assigned = rules.assign_home_pools()
        since = None if full else last.started_at - timedelta(minutes=5)
        rules.refresh_follow_ups(since)
        touched = None if full else rules.touched_since(since)
        if touched is None:
            rules.recompute()
        else:
            for start in range(0, len(touched), rules.CHUNK):
                rules.recompute(
                    Customer.objects.filter(pk__in=touched[start : start + rules.CHUNK])
                )
            if run.assigned:  # customers given a home pool just now have no date yet
                rules.recompute(
                    Customer.objects.filter(owner__isnull=False, return_due__isnull=True)
                )
    run.returned = rules.return_due_customers(today, actor=actor)
    run.reminded = send_reminders(today)
    if run.returned:
        transaction.on_commit(customers_changed_hands)
    run.finished_at = timezone.now()
    run.seconds = time.perf_counter() - started
    run.save(update_fields=["assigned", "returned", "reminded", "finished_at", "seconds"])
    return run


def send_reminders(today) -> int:
    """A follow-up task for each owner whose customer returns within the pool's reminder days,
    once per customer and return date (titled in each owner's language)."""
    found = rules.reminder_candidates(today)
    if not found:
        return 0
    languages = languages_of(owner_id for _pk, _name, owner_id, _due in found)

    def title(name, owner_id, due) -> tuple[str, list]:
        with translation.override(languages[owner_id]):
            return system_text(
                gettext_noop("Follow up %(name)s: back to the public pool on %(date)s"),
                name=name,
                date=due.isoformat(),
            )

    with transaction.atomic():
        made = create_follow_up_reminders(
            (
                pk,
                owner_id,
                title(name, owner_id, due),
                timezone.make_aware(datetime.combine(due - timedelta(days=1), clock(9, 0))),
            )
            for pk, name, owner_id, due in found
        )
        rules.mark_reminded([pk for pk, _n, _o, _d in found])
    return made


def pools_for(user):
    """The pools the user sees, with their rules (a read)."""
    return visible_pools(user, Pool.objects.prefetch_related("rules", "departments"))


def days_until_return(customer, today=None) -> int | None:
    """Whole days until the customer returns to its pool (0: today), None when it does not
    (also a duplicate merged into another: a review saw a countdown on one)."""
    if customer.return_due is None or customer.owner_id is None or customer.merged_into_id:
        return None
    return (customer.return_due - (today or timezone.localdate())).days
