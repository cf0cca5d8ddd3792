"""What every domain's services share."""

import time
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.dispatch import Signal
from django.utils.translation import gettext as _


def reject_unknown_fields(data: dict, allowed: Iterable[str]) -> None:
    """A service takes only the fields it knows: any other name is a ValidationError."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )


class StaleEdit(Exception):  # noqa: N818 (a condition, not a programming error)
    """An edit based on an older version of a record than the stored one.

    The API answers 409; a page shows who changed it meanwhile and both values.
    `changes` is {field: [stored value, submitted value]} for the fields in conflict.
    """

    def __init__(self, instance, *, changed_by=None, changes: dict | None = None):
        self.instance = instance
        self.changed_by = changed_by
        self.changes = changes or {}
        who = getattr(changed_by, "username", None) or _("someone else")
        super().__init__(
            _("%(who)s changed this record meanwhile; reload it and apply your change again.")
            % {"who": who}
        )


def claim_version(instance, expected: int | None, submitted: dict) -> None:
    """Take the next version of `instance` before saving it (inside the write's transaction).

    With `expected` (the version the editor started from), the stored version must still be
    that one: checked and bumped in one UPDATE, so of two simultaneous edits one wins and the
    other gets StaleEdit with {field: [stored value, submitted value]} for the fields that
    differ, and the user who made the last change. Without it (an internal write), the version
    is only bumped.
    """
    from django.db.models import F

    from guanxi.audit.services import _plain

    model = type(instance)
    if expected is None:
        model.objects.filter(pk=instance.pk).update(version=F("version") + 1)
        instance.version = model.objects.filter(pk=instance.pk).values_list("version", flat=True)[0]
        return
    # F() + 1, not expected + 1: a hostile version of 2**31 - 1 matches no row, and the
    # database never sees a value beyond its column
    if model.objects.filter(pk=instance.pk, version=expected).update(version=F("version") + 1):
        instance.version = expected + 1
        return
    from guanxi.audit.models import AuditEntry

    stored = model.objects.get(pk=instance.pk)
    changes = {
        field: [_plain(getattr(stored, field)), _plain(value)]
        for field, value in submitted.items()
        if _plain(getattr(stored, field)) != _plain(value)
    }
    last = (
        AuditEntry.objects.filter(model=model._meta.model_name, object_id=str(instance.pk))
        .select_related("actor")
        .first()
    )
    raise StaleEdit(stored, changed_by=last.actor if last else None, changes=changes)


class TooManyRequests(Exception):  # noqa: N818 (a condition, not a programming error)
    """A user asked more often than a limit allows: the API answers 429 with the message and
    Retry-After, a page 429 with the message."""

    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


def count_one(key: str, timeout: int) -> int:
    """Add one to the counter `key` (kept `timeout` seconds) and return it, atomically across
    every process of the install. Redis counts atomically by itself; Django's file cache reads
    and then writes, so parallel requests would overwrite each other's counts (the hostile
    review beat a limit of 20 with 36 parallel posts): there the add and increment run under an
    exclusive lock on a file beside the cache."""
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith("FileBasedCache"):
        return _add_one(key, timeout)
    import fcntl
    from pathlib import Path

    lock = Path(settings.CACHES["default"]["LOCATION"]) / ".counters.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            return _add_one(key, timeout)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _add_one(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first of a new window
        cache.set(key, 1, timeout=timeout)
        return 1


def rate_limit(user, action: str, per_minute: int, message: str) -> None:
    """Count one `action` of `user` in the current minute (count_one: shared by every process
    of the install); TooManyRequests past `per_minute` of them. `message` may use %(limit)d."""
    now = time.time()
    count = count_one(f"guanxi:rate:{action}:{user.pk}:{int(now // 60)}", timeout=70)
    if count > per_minute:
        raise TooManyRequests(message % {"limit": per_minute}, retry_after=60 - int(now % 60))


# A selection from a list's checkboxes (bulk actions) ------------------------------------------

MAX_SELECTION = 1000


def selected_ids(raw: list[str], *, not_an_id: str, none: str, too_many: str) -> list[int]:
    """The ids ticked in a list, sorted; else a ValidationError on "ids" with the caller's
    message (each names its own records: `not_an_id` with %(value)s, `too_many` with %(n)d)."""
    ids = set()
    for value in raw:
        value = str(value).strip()
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise ValidationError({"ids": [not_an_id % {"value": value}]})
        ids.add(int(value))
    if not ids:
        raise ValidationError({"ids": [none]})
    if len(ids) > MAX_SELECTION:
        raise ValidationError({"ids": [too_many % {"n": MAX_SELECTION}]})
    return sorted(ids)


def whole_selection(found: list, ids: list[int], refused) -> list:
    """`found` when it holds every selected id (a selection is all or nothing); else a
    ValidationError on "ids" with refused(n), the caller's message for n ids left out."""
    missing = len(set(ids)) - len(found)
    if missing:
        raise ValidationError({"ids": [refused(missing)]})
    return found


# Which customers a scope holds changes when a customer changes hands or goes (transfer,
# hand-over, merge, deletion, erasure) without any scope's own filter changing: caches keyed on
# the scope's filter (the dashboards') also carry this generation, which those services move.
_CUSTOMER_SET_GENERATION = "guanxi:customer-set-generation"


#: Sent once the generation moved: receivers rebuild what it made stale (the dashboards,
#: guanxi.insights.tasks), from apps above this module.
customer_set_changed = Signal()


def customers_changed_hands() -> None:
    """Move the generation (call after a transfer, merge, deletion or erasure commits)."""
    cache.set(_CUSTOMER_SET_GENERATION, time.time_ns(), None)
    customer_set_changed.send(sender=None)


def customer_set_generation() -> int:
    return cache.get(_CUSTOMER_SET_GENERATION, 0)


#: Sent by guanxi.privacy's erase_customer (actor=, customer=) before it scrubs the trail, so
#: apps above it erase the personal text of their own records of the customer (the cases).
customer_erased = Signal()


# A customer's data held by the apps above guanxi.privacy, for its subject-access export ------

#: {section name: collect(customer) -> list of plain dicts}, filled by the apps above
#: guanxi.privacy in their AppConfig.ready (register_personal_data_section): export_personal_data
#: adds every section, so a subject-access request reaches the cases, survey answers and
#: reviews without privacy importing upwards.
_PERSONAL_DATA_SECTIONS: dict = {}


def register_personal_data_section(name: str, collect) -> None:
    """Add `name` to every customer's export: collect(customer) returns a list of plain dicts
    (JSON values only). Registering a name again replaces its collector (a reloaded app)."""
    _PERSONAL_DATA_SECTIONS[name] = collect


def personal_data_sections(customer) -> dict[str, list[dict]]:
    """Every registered section of the customer's data, by name (sorted)."""
    return {
        name: _PERSONAL_DATA_SECTIONS[name](customer) for name in sorted(_PERSONAL_DATA_SECTIONS)
    }


# Sales hand-offs between apps that must not import each other -----------------------------

#: Sent after customers change owner by a transfer (客户转移) or a pool claim, inside the
#: transaction (actor=, customer_ids=list[int], from_user=User|None, to_user=, move=set[str]):
#: `move` names what goes along with the customers ("opportunities", "contracts", "tasks");
#: the apps holding those records (pipeline, contracts, activities) move their own and audit it.
customers_transferred = Signal()

#: Sent when a lead becomes a customer, inside the transaction (actor=, lead=, customer=,
#: contact=Contact|None, opportunity=dict|None): with `opportunity` ({"name", "amount",
#: "expected_close"}), the pipeline app opens that opportunity for the new customer.
lead_converted = Signal()


# 查重 beyond the customer table ------------------------------------------------------------

#: {name: find(user, mobile=, email=, name=) -> list of plain dicts}, filled by the apps above
#: guanxi.customers (the leads) in their AppConfig.ready: the customer duplicate check adds
#: their matches, so 查重 covers records customers cannot import. Each dict holds "kind",
#: "field", "owner" and "id" (None unless the asking user may open the record), "url".
_DUPLICATE_SOURCES: dict = {}


def register_duplicate_source(name: str, find) -> None:
    """Add `name` to every customer 查重 (registering a name again replaces it)."""
    _DUPLICATE_SOURCES[name] = find


def other_duplicates(user, *, mobile: str = "", email: str = "", name: str = "") -> list[dict]:
    """The matches every registered source finds for these values (sorted by source name)."""
    found = []
    for source in sorted(_DUPLICATE_SOURCES):
        found += _DUPLICATE_SOURCES[source](user, mobile=mobile, email=email, name=name)
    return found
