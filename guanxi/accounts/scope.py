"""Data scope (数据权限): who may see and change which customer, decided here and only here.

Pages, API handlers, exports and imports ask this module (the nightly reminder job acts for no
user and asks nobody: it writes reminders for each customer's owner). Related records (orders,
interactions, tasks, notes, contacts) inherit the scope of their customer.

Scopes, as Chinese CRM users know them:
- self: customers the user owns;
- subordinates: the user's and those of everyone who reports to the user, at any depth;
- department: customers of the user's department;
- department_tree: customers of the user's department and every department below it;
- all: every customer.
Collaborators (协作人) add single customers with read or read-write access, until an optional
expiry. The read-only role can read its scope but change nothing.

Three levels, each answered here for pages and the API alike:
- read: the customer is in the user's scope or shared with them (else 404, as if absent);
- write: change the record and add activities (else 403 when the user can read it);
- manage: share it, remove collaborators, delete, transfer, reveal sensitive fields, answer
  data-subject requests, record or withdraw consent, delete an order, merge two customers
  (both sides) or undo a merge — only the owner or someone
  whose data scope covers the customer, never through a collaboration (else 403). Deleting an
  interaction, note or task needs manage rights or being its author (require_author_or_manage). A collaborator from another team works on the customer but
  cannot hand it on, lock out the owner's people, or extend its own access.
A merged duplicate (合并后的重复客户) is read, never written or managed (403 saying where its
records went): it is kept only so the merge can be undone (writable_duplicate), and its data
subject's requests (export, erasure) are still answered (can_answer_requests).
Raise Http404 / PermissionDenied: pages turn them into the 404 / 403 pages, the API into JSON.

Public pools (公海, guanxi.pool): a customer in a pool has no owner, so no rep's own scope holds
it; it keeps the team (department) it had, so a manager or a department-scoped user over that
team still reads it fully (360 page, list). A pool is visible to managers, to users who see all
customers, and to the members of its teams (a pool's team includes its sub-teams). Members see
a pooled customer only through the pool: its basic fields (name, level, city, source, in the
pool since, the previous owner's name), never its contacts, timeline or personal data; its 360
page answers them 404 until they claim it (visible_pools, pool_customers, claimable_customer).
Pools and their rules are set by managers (may_manage_pools). A transfer (客户转移) is for a
writing user whose scope covers colleagues (a manager or a lead): the customers must be ones
they manage, and the new owner a colleague their scope covers (may_transfer, transfer_targets).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.prepared import PreparedObjects

from .models import DataScope, Department, Profile, Role
from .services import profile_of


def _subordinate_ids(user_id: int) -> list[int]:
    ids, frontier = [user_id], [user_id]
    while frontier:
        frontier = list(
            Profile.objects.filter(manager_id__in=frontier)
            .exclude(user_id__in=ids)
            .values_list("user_id", flat=True)
        )
        ids.extend(frontier)
    return ids


def _collaborations(user, write: bool) -> list[int]:
    """The ids of the customers shared with `user` (协作人) and not expired; with write=True
    only those shared with write access.

    Resolved to a literal list (a handful of ids, usually none): as a subquery OR-ed with the
    owner filter, PostgreSQL guessed half the table matched it and estimated a rep's list three
    times too large (which the list's count estimate and its plans rely on). Plain SQL, not the
    ORM: every list page and most scoped queries ask, and the ORM's query cost ~0.5 ms of CPU
    each time against ~0.1 ms for this one (PostgreSQL, issue 7's load targets;
    tests/test_fast_reads.py compares it with the ORM's query)."""
    from guanxi.customers.models import Collaborator

    table = Collaborator._meta.db_table
    connection = connections[router.db_for_read(Collaborator)]
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('customer_id')} FROM {quote(table)} WHERE {quote('user_id')} = %s"  # noqa: S608 - names from the model, values as parameters
        f" AND ({quote('expires_at')} IS NULL OR {quote('expires_at')} > %s)"
    )
    params = [user.pk, connection.ops.adapt_datetimefield_value(timezone.now())]
    if write:
        sql += f" AND {quote('access')} = %s"
        params.append(Collaborator.Access.WRITE.value)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def sees_all(user) -> bool:
    """True when the user's data scope covers every customer (no query beyond the profile)."""
    return user.is_authenticated and user.is_active and profile_of(user).data_scope == DataScope.ALL


def _own_q(user, profile, prefix: str) -> Q | None:
    """The customers the user's data scope covers (no collaborations); None: all of them."""
    scope = profile.data_scope
    if scope == DataScope.ALL:
        return None
    if scope == DataScope.SUBORDINATES:
        return Q(**{f"{prefix}owner_id__in": _subordinate_ids(user.pk)})
    if scope == DataScope.DEPARTMENT and profile.department_id:
        return Q(**{f"{prefix}department_id": profile.department_id}) | Q(
            **{f"{prefix}owner_id": user.pk}
        )
    if scope == DataScope.DEPARTMENT_TREE and profile.department_id:
        return Q(**{f"{prefix}department_id__in": profile.department.descendant_ids()}) | Q(
            **{f"{prefix}owner_id": user.pk}
        )
    return Q(**{f"{prefix}owner_id": user.pk})


def customer_q(
    user, *, write: bool = False, prefix: str = "", collaborations: bool = True
) -> Q | None:
    """The filter on Customer (or on a related model through `prefix`) for the user's scope.

    Returns None when the user sees everything, and a filter matching nothing when the user
    may not write at all. With collaborations=False only the data scope counts (协作人 access
    is left out): the customers the user may manage.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    profile = profile_of(user)
    if write and profile.role == Role.READ_ONLY:
        return Q(pk__in=[])
    own = _own_q(user, profile, prefix)
    if own is None or not collaborations:
        return own
    shared = _collaborations(user, write)  # ids: the planner estimates a list of ids well
    return own | Q(**{f"{prefix}id__in": shared}) if shared else own


def scoped(
    user, queryset: QuerySet, *, write: bool = False, via: str = "", merged: bool = False
) -> QuerySet:
    """Restrict a queryset of customers (via="") or of a related model (via="customer").

    For a write, a merged duplicate (合并后的重复客户) is left out: it is kept, hidden, only so
    the merge can be undone, and what was written to it would land on a record nobody finds.
    `merged=True` keeps it: undoing the merge (writable_duplicate)."""
    prefix = f"{via}__" if via else ""
    q = customer_q(user, write=write, prefix=prefix)
    qs = queryset.exclude(**{f"{prefix}erased_at__isnull": False})
    if write and not merged:
        qs = qs.filter(**{f"{prefix}merged_into__isnull": True})
    return qs if q is None else qs.filter(q)


def visible_customers(user, *, write: bool = False) -> QuerySet:
    from guanxi.customers.models import Customer

    return scoped(user, Customer.objects.all(), write=write)


MAX_ID = 2**63 - 1  # the largest id a database column holds


def get_customer_or_404(user, pk, *, write: bool = False, related: tuple[str, ...] = ()):
    """The customer if the user may see it (or change it, with write=True); else 404.

    A customer outside the scope is indistinguishable from one that does not exist, in its
    answer and in the queries run for it. `related` is handed to select_related (e.g. the owner
    a page shows).

    The user's own customer (what a rep opens most) is in every data scope, so it is asked for
    first, by owner: found, it needs neither the collaborations query nor the scope's filter
    (~1 ms of ORM work a page). Any other id, in scope or not, existing or not, then takes the
    same path: the scoped query, as visible_customers.
    """
    from guanxi.customers.models import Customer

    try:
        pk = int(pk)
        if not 0 < pk <= MAX_ID:  # SQLite raises OverflowError on a larger one
            raise Http404
        if _own_first(user, write=write):
            for customer in _own_customer(related, write).fetch(pk, user.pk):
                customer.owner = user  # the owner is the user, loaded already (with the profile)
                return customer
        return visible_customers(user, write=write).select_related(*related).get(pk=pk)
    except (ValueError, TypeError, Customer.DoesNotExist) as exc:
        raise Http404 from exc


_OWN_CUSTOMER: dict[tuple, PreparedObjects] = {}


def _own_customer(related: tuple[str, ...], write: bool) -> PreparedObjects:
    """The query of get_customer_or_404's shortcut (a customer by id and owner), compiled once
    per `related` and `write` (guanxi/prepared.py: ~1 ms of ORM work a page). The owner is
    not joined: it is the user."""
    key = (tuple(related), write)
    if key not in _OWN_CUSTOMER:
        from guanxi.customers.models import Customer

        joins = [name for name in related if name.split("__")[0] != "owner"]

        def build(pk, owner_id):
            own = Customer.objects.select_related(*joins).filter(
                pk=pk, owner_id=owner_id, erased_at__isnull=True
            )
            # as scoped(write=True): not a merged duplicate
            return own.filter(merged_into__isnull=True) if write else own

        _OWN_CUSTOMER[key] = PreparedObjects(build, arity=2)
    return _OWN_CUSTOMER[key]


def _own_first(user, *, write: bool) -> bool:
    """Whether get_customer_or_404 should look for the user's own customer first: every data
    scope (_own_q) holds the user's own customers, so for an active user who may read (write:
    change) at all, owning it is enough; a user who sees everything needs no shortcut."""
    if not user.is_authenticated or not user.is_active or sees_all(user):
        return False
    return not write or can_write(user)


def get_related_or_404(user, queryset: QuerySet, pk, *, write: bool = False):
    """A record hanging off a customer (order, interaction, task, note, contact), or 404."""
    try:
        return scoped(user, queryset, write=write, via="customer").get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def writable_customer(user, pk):
    """The customer for a write: 404 if the user cannot see it, 403 if they may only read it
    (or it is a merged duplicate: see scoped)."""
    customer = get_customer_or_404(user, pk)
    _refuse_merged(customer)
    if not visible_customers(user, write=True).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("You may not change this record."))
    return customer


def writable_duplicate(user, pk):
    """A merged duplicate for undoing its merge: 404 / 403 as manageable_customer would have
    answered before the merge (the duplicate's own scope, the merge aside). Undoing a merge is
    the owner's side's decision, as the merge was (mergeable_pair): a collaboration is not
    enough."""
    customer = get_customer_or_404(user, pk)
    one = type(customer).objects.filter(pk=customer.pk)
    if not scoped(user, one, write=True, merged=True).exists():
        raise PermissionDenied(_("You may not change this record."))
    if not can_answer_requests(user, customer):  # can_manage, the merge aside
        raise PermissionDenied(
            _(
                "Only the owner of “%(name)s” or a colleague whose data scope covers it may undo "
                "its merge."
            )
            % {"name": customer.name}
        )
    return customer


def _refuse_merged(customer) -> None:
    """PermissionDenied for a write to a merged duplicate, saying where its records went."""
    if customer.merged_into_id is not None:
        raise PermissionDenied(
            _(
                "This customer was merged into another one and is kept only so the merge can "
                "be undone: make changes on the customer it was merged into."
            )
        )


def writable_related(user, queryset: QuerySet, pk):
    """A record of a customer for a write: 404 outside the scope, 403 when read-only."""
    record = get_related_or_404(user, queryset, pk)
    if not scoped(user, queryset, write=True, via="customer").filter(pk=record.pk).exists():
        raise PermissionDenied(_("You may not change this record."))
    return record


def covers(user, customer) -> bool:
    """The user's own data scope (not a collaboration) includes this customer."""
    if not user.is_authenticated or not user.is_active or customer.erased_at is not None:
        return False
    if customer.owner_id == user.pk:
        return True  # every data scope (_own_q) holds the user's own customers: no query
    q = customer_q(user, collaborations=False)
    if q is None:
        return True
    return type(customer).objects.filter(q, pk=customer.pk).exists()


def can_manage(user, customer) -> bool:
    """May share the customer, remove collaborators, delete or transfer it: the owner or someone
    whose data scope covers it, with a role that writes. A collaborator (协作人) never may, nor
    anyone on a merged duplicate (see scoped; its data requests: can_answer_requests)."""
    return customer.merged_into_id is None and can_answer_requests(user, customer)


def can_answer_requests(user, customer) -> bool:
    """May answer a data subject's requests about the customer (export, erasure): the owner's
    side as for can_manage, also on a merged duplicate, whose personal data is still held."""
    return can_write(user) and covers(user, customer)


def require_answer_requests(user, customer) -> None:
    """For services: PermissionDenied unless can_answer_requests."""
    if not can_answer_requests(user, customer):
        raise PermissionDenied(
            _("Only the customer's owner or a colleague whose data scope covers it may do this.")
        )


def require_manage(user, customer, message: str | None = None) -> None:
    """For services: PermissionDenied unless the user may manage the customer."""
    _refuse_merged(customer)
    if not can_manage(user, customer):
        raise PermissionDenied(
            message
            or _("Only the customer's owner or a colleague whose data scope covers it may do this.")
        )


def can_change(user, customer) -> bool:
    """May change the customer's record (write access: its scope or a write collaboration),
    e.g. set its loyalty type; the bulk form is visible_customers(user, write=True)."""
    return visible_customers(user, write=True).filter(pk=customer.pk).exists()


def require_change(user, customer) -> None:
    """For services: PermissionDenied unless the user may change the customer."""
    _refuse_merged(customer)
    if not can_change(user, customer):
        raise PermissionDenied(_("You may not change this record."))


def can_mark_lost(user, customer) -> bool:
    """May mark the customer lost (流失) or win it back: the owner or a colleague whose data
    scope covers it (a manager over the owner), with a role that writes. A collaborator (协作人)
    never may: whether a customer is lost, and why, is the owner's side's judgement."""
    return can_manage(user, customer)


def require_mark_lost(user, customer) -> None:
    """For services: PermissionDenied unless the user may mark the customer lost or won back."""
    _refuse_merged(customer)
    if not can_mark_lost(user, customer):
        raise PermissionDenied(
            _("Only the customer's owner or a manager over them may mark it lost or win it back.")
        )


def require_author_or_manage(user, customer, author_id: int | None) -> None:
    """For deleting an interaction, note or task of `customer`: its author (who recorded or
    created it) may, otherwise only who may manage the customer (see can_manage). A write
    collaborator works on the customer but cannot remove what the owner's side recorded."""
    if author_id is not None and author_id == user.pk and can_write(user):
        return
    require_manage(
        user,
        customer,
        _(
            "Only its author, the customer's owner or a colleague whose data scope covers the "
            "customer may delete this."
        ),
    )


@dataclass(frozen=True)
class CustomerAccess:
    """What `user` may do with one customer they can read (a page shows its buttons by it)."""

    write: bool  # visible_customers(user, write=True) holds it
    manage: bool  # can_manage
    reveal: bool  # can_reveal


def customer_access(user, customer) -> CustomerAccess:
    """write, manage and reveal for a customer already read through get_customer_or_404, in
    one query (the data scope) where asking each rule costs four; the same rules as
    visible_customers(write=True), can_manage and can_reveal (tests/test_scope.py compares)."""
    covered = covers(user, customer)
    writer = can_write(user) and customer.merged_into_id is None  # see scoped
    manage = writer and covered
    write = manage or (
        writer
        and user.is_active
        and customer.erased_at is None
        and customer.pk in _collaborations(user, write=True)
    )
    return CustomerAccess(write=write, manage=manage, reveal=covered and can_view_sensitive(user))


def manageable_customer(user, pk, message: str | None = None):
    """The customer for sharing, deleting, transferring: 404 outside the scope, else 403 unless
    the user may manage it (see can_manage)."""
    customer = get_customer_or_404(user, pk)
    require_manage(user, customer, message)
    return customer


def requestable_customer(user, pk):
    """The customer for a data subject's request (export, erasure): 404 outside the scope,
    else 403 unless can_answer_requests."""
    customer = get_customer_or_404(user, pk)
    require_answer_requests(user, customer)
    return customer


def _merge_refusal(customer) -> str:
    return _(
        "Only the owner of “%(name)s” or a colleague whose data scope covers it may merge "
        "customers into it or undo its merges."
    ) % {"name": customer.name}


def merge_survivor(user, pk):
    """The customer another one is merged into (合并), or whose merge is undone: 404 outside
    the scope, else 403 unless the user may manage it (see mergeable_pair)."""
    customer = writable_customer(user, pk)
    require_manage(user, customer, _merge_refusal(customer))
    return customer


def mergeable_pair(user, survivor_pk, other_pk):
    """The two customers for merging `other` into `survivor` (合并), or 404 / 403.

    A merge is the owner's side's decision on both customers, so the user must manage both (see
    can_manage): the duplicate is hidden and everything on it moves to the survivor — a delete
    and a transfer in one — and the survivor receives the duplicate's collaborators (协作人) and
    consent decisions, which only its owner's side may grant or record. A write collaborator
    can neither merge the shared customer away into a customer of their own team, nor merge one
    of their own into it (a hostile review: that handed the shared customer to the own
    customer's collaborators and overrode its withdrawn consent).
    """
    get_customer_or_404(user, survivor_pk)  # 404 for either out of sight, before any 403
    get_customer_or_404(user, other_pk)
    survivor = writable_customer(user, survivor_pk)
    other = writable_customer(user, other_pk)
    require_manage(
        user,
        other,
        _(
            "Only the owner of “%(name)s” or a colleague whose data scope covers it may merge it away."
        )
        % {"name": other.name},
    )
    require_manage(user, survivor, _merge_refusal(survivor))
    return survivor, other


def manageable_customers(user) -> QuerySet:
    """The customers the user may manage (can_manage for a queryset): those of the user's own
    data scope, none for a read-only role, never those reached through a collaboration."""
    from guanxi.customers.models import Customer

    if not can_write(user):
        return Customer.objects.none()
    q = customer_q(user, collaborations=False)
    qs = Customer.objects.filter(erased_at__isnull=True, merged_into__isnull=True)
    return qs if q is None else qs.filter(q)


def can_reveal(user, customer) -> bool:
    """May see the true value of a sensitive field: the permission, and the customer within the
    user's own data scope (a collaboration gives the work, not the personal data)."""
    return can_view_sensitive(user) and covers(user, customer)


def revealable_customers(user) -> QuerySet:
    """The customers whose sensitive values the user may see (bulk exports): can_reveal for a
    queryset — none without the permission, and never those reached through a collaboration."""
    from guanxi.customers.models import Customer

    if not can_view_sensitive(user):
        return Customer.objects.none()
    q = customer_q(user, collaborations=False)
    qs = Customer.objects.filter(erased_at__isnull=True)
    return qs if q is None else qs.filter(q)


def visible_tasks(user) -> QuerySet:
    """Tasks of customers in scope, plus the user's own personal tasks (no customer).

    A task on a customer outside the scope is hidden even from its assignee: its title and the
    timeline it belongs to are that customer's data (after a transfer it goes with the customer;
    a manager who wants it done shares the customer first).
    """
    from guanxi.activities.models import Task

    # not a merged duplicate's (a reminder that clashed with the survivor's stays on it)
    of_customers = scoped(
        user, Task.objects.filter(customer__merged_into__isnull=True), via="customer"
    )
    if not user.is_authenticated or not user.is_active:
        return of_customers
    personal = Task.objects.filter(customer__isnull=True).filter(
        Q(assignee=user) | Q(created_by=user)
    )
    return of_customers | personal


def writable_tasks(user) -> QuerySet:
    """The visible tasks the user may change: personal ones, and those of customers the user
    may write (the bulk form of get_task_or_404(write=True))."""
    from guanxi.activities.models import Task

    if not can_write(user):
        return Task.objects.none()
    return visible_tasks(user).filter(
        Q(customer__isnull=True) | Q(customer__in=visible_customers(user, write=True))
    )


def covered_users(user) -> QuerySet:
    """The active users whose work the user's data scope covers (the user included): whose
    tasks a manager or lead may list, and to whom they may hand tasks. A manager covers all."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if not user.is_authenticated or not user.is_active:
        return users.none()
    profile = profile_of(user)
    scope = profile.data_scope
    if is_manager(user) or scope == DataScope.ALL:
        return users
    if scope == DataScope.SUBORDINATES:
        return users.filter(pk__in=_subordinate_ids(user.pk))
    if scope == DataScope.DEPARTMENT and profile.department_id:
        return users.filter(Q(profile__department_id=profile.department_id) | Q(pk=user.pk))
    if scope == DataScope.DEPARTMENT_TREE and profile.department_id:
        departments = profile.department.descendant_ids()
        return users.filter(Q(profile__department_id__in=departments) | Q(pk=user.pk))
    return users.filter(pk=user.pk)


def covered_department_ids(user) -> set[int] | None:
    """The teams of the colleagues whose work the user's scope covers (None: every team, for
    a manager or an "all" scope): whom a list's team filter may name (a rep's named all)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    profile = profile_of(user)
    if is_manager(user) or profile.data_scope == DataScope.ALL:
        return None
    if profile.data_scope == DataScope.SELF:  # no query for a rep
        return {profile.department_id} if profile.department_id else set()
    return set(
        covered_users(user)
        .exclude(profile__department_id=None)
        .values_list("profile__department_id", flat=True)
    )


def covered_user_ids(user) -> set[int]:
    """The ids of covered_users, without a query for a user whose scope is their own (a rep):
    e.g. whom the customer list's owner filter may name."""
    if (
        user.is_authenticated
        and user.is_active
        and profile_of(user).data_scope == DataScope.SELF
        and not is_manager(user)
    ):
        return {user.pk}
    return set(covered_users(user).values_list("pk", flat=True))


def may_work_on(customer, users) -> list:
    """Of `users`, the active ones who may change the customer (can_change): to whom a case or
    a task on it may go. Read-only users are left out before the per-user check."""
    candidates = [u for u in users if u.is_active and profile_of(u).role != Role.READ_ONLY]
    return [u for u in candidates if can_change(u, customer)]


def covers_colleagues(user) -> bool:
    """The user's data scope covers colleagues' work (a manager, a lead over subordinates, a
    department scope with colleagues in it): sees the home's indicators of that scope, may
    list colleagues' tasks, and may share a segment with everyone (may_share_segment)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if profile_of(user).data_scope == DataScope.SELF and not is_manager(user):
        return False  # covered_users is the user alone: no query (the customer list asks)
    return covered_users(user).exclude(pk=user.pk).exists()


def leads_others(user) -> bool:
    """A writing user whose scope covers colleagues (a manager, a lead): may hand on their
    tasks; listing them needs only covers_colleagues."""
    return can_write(user) and covers_colleagues(user)


def get_task_or_404(user, pk, *, write: bool = False):
    """A task the user may see (404 otherwise); with write=True, may change (403 otherwise)."""
    try:
        task = visible_tasks(user).select_related("customer").filter(pk=pk).first()
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    if task is None:
        raise Http404
    if write:
        if not can_write(user):
            raise PermissionDenied(_("You may not change this record."))
        if task.customer_id is not None:
            writable_customer(user, task.customer_id)
    return task


# Service cases (客户抱怨 / 服务工单) -----------------------------------------------------------
# A case has no rule of its own: it is visible and writable exactly when its customer is. The
# functions take the Case queryset (guanxi.service.models), as the segment ones do.


def visible_cases(user, cases: QuerySet, *, write: bool = False) -> QuerySet:
    """The cases of the customers the user may see (or change, with write=True)."""
    return scoped(user, cases, write=write, via="customer")


def get_case_or_404(user, cases: QuerySet, pk):
    """A case of a customer in the user's scope, or 404 (as if it did not exist)."""
    return get_related_or_404(user, cases, pk)


def writable_case(user, cases: QuerySet, pk):
    """A case for a write: 404 outside the scope, 403 when the user may only read it."""
    return writable_related(user, cases, pk)


def can_write(user) -> bool:
    return user.is_authenticated and profile_of(user).role != Role.READ_ONLY


def is_manager(user) -> bool:
    return user.is_authenticated and (user.is_superuser or profile_of(user).role == Role.MANAGER)


def can_view_sensitive(user) -> bool:
    return user.is_authenticated and profile_of(user).can_view_sensitive


def can_administer(user) -> bool:
    """Team administration (users, roles, departments, data scopes): managers and superusers."""
    return user.is_authenticated and user.is_active and is_manager(user)


def require_team_admin(user) -> None:
    """PermissionDenied (403) for anyone who may not administer the team."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if not can_administer(user):
        raise PermissionDenied(_("Only managers may administer the team."))


def administered_users(user) -> QuerySet:
    """The accounts `user` may administer; PermissionDenied for anyone but a team admin.

    A manager administers every account except superusers, which only a superuser may change:
    a manager cannot lock out or take over the installation's administrator.
    """
    from django.contrib.auth import get_user_model

    require_team_admin(user)
    qs = get_user_model().objects.all()
    return qs if user.is_superuser else qs.filter(is_superuser=False)


def get_administered_user_or_404(user, pk):
    """An account the team admin `user` may change, or 404; PermissionDenied for others."""
    try:
        return administered_users(user).select_related("profile").get(pk=pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except administered_users(user).model.DoesNotExist as exc:
        raise Http404 from exc


def get_department_or_404(user, pk):
    """A department for a team admin to change, or 404; PermissionDenied for others."""
    require_team_admin(user)
    try:
        return Department.objects.get(pk=pk)
    except (ValueError, TypeError, Department.DoesNotExist) as exc:
        raise Http404 from exc


def own_tokens(user) -> QuerySet:
    """The API tokens a user may list and revoke: their own live ones, nobody else's."""
    from .models import ApiToken

    return ApiToken.objects.filter(user_id=user.pk, expires_at__gt=timezone.now())


# Segments (客户细分) and analysis settings ---------------------------------------------------


def whole_base_reader():
    """The reader a scheduled job evaluates a saved query with (segment snapshots): it sees
    every customer, may change none, and is nobody (never saved, never an actor of a write).
    What it finds reaches a person only through the pages, within that person's own scope."""
    from django.contrib.auth import get_user_model

    reader = get_user_model()(username="", is_active=True)
    reader.profile = Profile(user=reader, role=Role.READ_ONLY, data_scope=DataScope.ALL)
    return reader


def segment_q(user) -> Q:
    """The segments a user may see (a filter on Segment): their own and the shared ones. What
    a segment shows is evaluated in the viewer's scope, so sharing one shares its criteria,
    never another team's customers."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(created_by_id=user.pk) | Q(shared=True)


def may_save_segments(user) -> bool:
    """Save, change or delete segments: any active user with a role that writes. A segment is
    a write like any other (audited, listed to colleagues when shared), and the read-only role
    reads its scope but changes nothing: it opens the shared segments, it saves none."""
    return user.is_authenticated and user.is_active and can_write(user)


def require_save_segments(user) -> None:
    """PermissionDenied (403) unless may_save_segments."""
    if not may_save_segments(user):
        raise PermissionDenied(_("A read-only account cannot save, change or delete segments."))


def can_edit_segment(user, segment) -> bool:
    """Any user who may save segments may change their own; a shared one its creator or a
    manager."""
    if not may_save_segments(user):
        return False
    if segment.created_by_id == user.pk:
        return True
    return segment.shared and is_manager(user)


def may_share_segment(user) -> bool:
    """Share a segment with everyone in the company: only a user whose data scope covers
    colleagues (covers_colleagues: a manager, a lead). A rep's saved queries stay their own;
    shared ones fill every colleague's list. Never the read-only role (may_save_segments)."""
    return may_save_segments(user) and covers_colleagues(user)


def require_share_segment(user) -> None:
    """PermissionDenied (403) unless the user may share a segment with everyone."""
    if not may_share_segment(user):
        raise PermissionDenied(
            _(
                "Only a manager or a lead whose data scope covers colleagues may share a "
                "segment with everyone."
            )
        )


def can_snapshot_segment(user, segment) -> bool:
    """A snapshot on demand measures the whole customer base (the history is company-wide):
    only an editor of the segment who sees every customer may take one, so no one learns
    counts outside their scope from it."""
    return can_edit_segment(user, segment) and sees_all(user)


def get_segment_or_404(user, queryset: QuerySet, pk):
    """A segment the user may see (their own or a shared one), or 404."""
    try:
        return queryset.filter(segment_q(user)).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def editable_segment(user, queryset: QuerySet, pk):
    """A segment to change or delete: 404 when the user cannot see it, 403 when they may only
    read it (a shared segment of a colleague, for anyone but a manager; any segment, for the
    read-only role)."""
    segment = get_segment_or_404(user, queryset, pk)
    require_save_segments(user)
    if not can_edit_segment(user, segment):
        raise PermissionDenied(_("Only its creator or a manager may change a shared segment."))
    return segment


def may_tune_analysis(user) -> bool:
    """Change the analysis settings (RFM bins, ABC thresholds, CLV, churn...): a manager whose
    data scope covers every customer, since the settings score the whole base and the preview
    shows its distribution."""
    return user.is_authenticated and user.is_active and is_manager(user) and sees_all(user)


def require_analysis_settings(user) -> None:
    if not may_tune_analysis(user):
        raise PermissionDenied(
            _("Only a manager who sees every customer may change the analysis settings.")
        )


def may_run_scoring(user) -> bool:
    """May start a scoring run on demand ("Recompute now"): a manager (who administers the team)
    or a writing user whose data scope covers every customer. Anyone signed in sees the runs
    (counts and dates, no customer data)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_manager(user) or (can_write(user) and sees_all(user))


def require_run_scoring(user) -> None:
    """PermissionDenied (403) unless the user may start a scoring run."""
    if not may_run_scoring(user):
        raise PermissionDenied(_("Only managers may recompute the scores."))


# Review mining (评论挖掘, guanxi.voice) -------------------------------------------------------


def may_see_reviews(user) -> bool:
    """Review sets (imported reviews, open survey answers) are the company's view of what its
    customers say: every signed-in, active member of staff reads them. A review's customer is
    named only by `customer_names`, within the reader's own scope."""
    return user.is_authenticated and user.is_active


def require_see_reviews(user) -> None:
    if not may_see_reviews(user):
        raise PermissionDenied(_("Sign in to see the reviews."))


def may_import_reviews(user) -> bool:
    """Import a review set: any member who may write (not the read-only role)."""
    return may_see_reviews(user) and can_write(user)


def require_import_reviews(user) -> None:
    if not may_import_reviews(user):
        raise PermissionDenied(_("You may not import reviews."))


def can_change_review_set(user, review_set) -> bool:
    """Analyse again or delete a review set: whoever imported it, or a manager."""
    if not may_import_reviews(user):
        return False
    return review_set.imported_by_id == user.pk or is_manager(user)


def require_change_review_set(user, review_set) -> None:
    if not can_change_review_set(user, review_set):
        raise PermissionDenied(_("Only whoever imported the reviews or a manager may do this."))


def review_customers(user) -> QuerySet:
    """The customers an imported review may be linked to: those the importer may change, as
    for adding a note (a file naming another team's customer is refused as if that customer
    did not exist; a read-only collaboration links nothing)."""
    return visible_customers(user, write=True)


def customer_names(user, customer_ids) -> dict[int, str]:
    """{customer id: name} of those of `customer_ids` the user may see; the others (another
    team's, erased, deleted) are left out, so a page shows no name for them."""
    ids = {pk for pk in customer_ids if pk is not None}
    if not ids or not may_see_reviews(user):
        return {}
    return dict(visible_customers(user).filter(pk__in=ids).values_list("pk", "name"))


# Satisfaction surveys (客户满意度调查) -----------------------------------------------------


def can_see_surveys(user) -> bool:
    """Survey definitions (title, questions, status) hold no customer data: every signed-in
    staff user sees them. Invitations and answers follow their customer (survey_records)."""
    return user.is_authenticated and user.is_active


def can_edit_surveys(user) -> bool:
    """Build, open, close surveys and invite customers: managers who write."""
    return can_see_surveys(user) and can_write(user) and is_manager(user)


def require_survey_editor(user) -> None:
    if not can_edit_surveys(user):
        raise PermissionDenied(_("Only managers may build surveys and invite customers."))


def survey_records(user, queryset: QuerySet) -> QuerySet:
    """Invitations, responses or answers (anything with a `customer`, or an answer through its
    response) visible iff their customer is: the customer rules decide."""
    via = "response__customer" if queryset.model._meta.model_name == "answer" else "customer"
    return scoped(user, queryset, via=via)


def get_survey_record_or_404(user, queryset: QuerySet, pk):
    """An invitation or response of a customer the user sees, or 404 (as if absent)."""
    try:
        return survey_records(user, queryset).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def invitable_customers(user) -> QuerySet:
    """The customers a survey editor may invite: those of their own scope (read access), so a
    selection or a segment never reaches another team's customers."""
    if not can_edit_surveys(user):
        return visible_customers(user).none()
    # an invitation is a write on the customer: not to a merged duplicate (see scoped)
    return visible_customers(user).filter(merged_into__isnull=True)


# Opportunities (销售机会) and their notes, objections and plans --------------------------------
# An opportunity has no rule of its own: it is visible and writable exactly when its customer
# is (a SPIN note, question, objection or negotiation plan goes with its opportunity). Stages
# and sales targets are the managers' to configure; every staff user reads them.


def visible_opportunities(user, opportunities: QuerySet, *, write: bool = False) -> QuerySet:
    """The opportunities of the customers the user may see (or change, with write=True)."""
    return scoped(user, opportunities, write=write, via="customer")


def get_opportunity_or_404(user, opportunities: QuerySet, pk):
    """An opportunity of a customer in the user's scope, or 404 (as if it did not exist)."""
    return get_related_or_404(user, opportunities, pk)


def writable_opportunity(user, opportunities: QuerySet, pk):
    """An opportunity for a write: 404 outside the scope, 403 when the user may only read it."""
    return writable_related(user, opportunities, pk)


def opportunity_records(user, queryset: QuerySet, *, write: bool = False) -> QuerySet:
    """Records hanging off an opportunity (SPIN notes, questions, objections, plans) of the
    customers the user may see (or change)."""
    return scoped(user, queryset, write=write, via="opportunity__customer")


def get_opportunity_record_or_404(user, queryset: QuerySet, pk, *, write: bool = False):
    """One such record: 404 outside the scope, 403 for a write when the user may only read."""
    try:
        record = opportunity_records(user, queryset).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc
    if write and not opportunity_records(user, queryset, write=True).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this record."))
    return record


def may_configure_pipeline(user) -> bool:
    """Stages (names, order, probabilities, required fields) and sales targets: managers."""
    return user.is_authenticated and user.is_active and is_manager(user)


def require_configure_pipeline(user) -> None:
    """PermissionDenied (403) for anyone who may not configure stages or set targets."""
    if not may_configure_pipeline(user):
        raise PermissionDenied(_("Only managers may configure the pipeline and set targets."))


def may_own_opportunity(user, customer) -> bool:
    """Whether `user` may own an opportunity of `customer`: an active user who may change it."""
    return bool(user and user.is_active and can_change(user, customer))


# Quotes, contracts and payment collection (报价单, 合同, 回款) -----------------------------------
# A quote, contract, instalment or payment is visible and writable exactly when its customer is
# (via "customer", or "contract__customer" for an instalment). Approving a contract and
# confirming a payment are a manager's: someone whose own data scope covers the customer, never
# the one who asked (the owner does not approve their own contract, nor a recorder confirm their
# own payment) and never through a collaboration.


def contract_records(user, queryset: QuerySet, *, write: bool = False) -> QuerySet:
    """Quotes, contracts, payments (via their customer) or instalments (via the contract's
    customer) the user may see, or change with write=True."""
    via = "contract__customer" if queryset.model._meta.model_name == "instalment" else "customer"
    return scoped(user, queryset, write=write, via=via)


def get_contract_record_or_404(user, queryset: QuerySet, pk, *, write: bool = False):
    """A quote, contract, instalment or payment the user may see (404 otherwise); with
    write=True also change (403 when the user may only read it)."""
    try:
        record = contract_records(user, queryset).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc
    if write and not contract_records(user, queryset, write=True).filter(pk=record.pk).exists():
        raise PermissionDenied(_("You may not change this record."))
    return record


def _decides(user, customer, *asker_ids) -> bool:
    return (
        is_manager(user) and can_write(user) and covers(user, customer) and user.pk not in asker_ids
    )


def _asks_for_contract(contract) -> tuple:
    """Who asks for a contract's approval: its owner, who drafted it and who submitted it."""
    return (contract.owner_id, contract.created_by_id, contract.submitted_by_id)


def can_approve_contract(user, contract) -> bool:
    """May approve or reject a contract submitted for approval: a manager whose own data scope
    covers the customer, who neither owns, drafted nor submitted it (nobody approves their own,
    also not by drafting it for a rep's customer or by handing it over after submitting)."""
    return _decides(user, contract.customer, *_asks_for_contract(contract))


def approvable_contracts(user, contracts: QuerySet) -> QuerySet:
    """can_approve_contract as a filter on `contracts`: none unless the user is a manager who
    writes; of the rest, those whose customer the user's own data scope covers (never through
    a collaboration) and that the user does not own."""
    if not (user.is_authenticated and user.is_active and is_manager(user) and can_write(user)):
        return contracts.none()
    q = customer_q(user, prefix="customer__", collaborations=False)
    qs = (
        contracts.exclude(customer__erased_at__isnull=False)
        .exclude(owner_id=user.pk)
        .exclude(created_by_id=user.pk)
        .exclude(submitted_by_id=user.pk)
    )
    return qs if q is None else qs.filter(q)


def require_approve_contract(user, contract) -> None:
    if not can_approve_contract(user, contract):
        if user.pk in _asks_for_contract(contract):
            raise PermissionDenied(
                _("You cannot approve or reject a contract you own, drafted or submitted.")
            )
        raise PermissionDenied(
            _("Only a manager whose data scope covers the customer may approve contracts.")
        )


def can_confirm_payment(user, payment) -> bool:
    """May confirm or void a recorded payment: a manager whose own data scope covers the
    customer, who did not record it."""
    return _decides(user, payment.customer, payment.recorded_by_id)


def require_confirm_payment(user, payment) -> None:
    if not can_confirm_payment(user, payment):
        if payment.recorded_by_id == user.pk:
            raise PermissionDenied(_("A payment you recorded is confirmed by another manager."))
        raise PermissionDenied(
            _("Only a manager whose data scope covers the customer may confirm payments.")
        )


# Qualitative coding (扎根理论, guanxi.coding) ------------------------------------------------
# A research project is its owner's, or shared with the whole company. Its sources are copies
# of texts; pulling a complaint, review or note into one needs read access to that record.


def may_see_coding(user) -> bool:
    """The coding workspace is for the staff who read reviews and cases: every signed-in,
    active member (what each sees of it is coding_projects)."""
    return may_see_reviews(user)


def coding_project_q(user, prefix: str = "") -> Q:
    """The research projects a user may read (a filter on CodingProject, or through `prefix`
    on what hangs off one): their own, and those shared with the company. A private project
    is nobody else's, a manager's neither."""
    if not may_see_coding(user):
        return Q(pk__in=[])
    return Q(**{f"{prefix}owner_id": user.pk}) | Q(**{f"{prefix}shared": True})


def may_create_coding_project(user) -> bool:
    """Start a research project: any member who writes (not the read-only role)."""
    return may_see_coding(user) and can_write(user)


def require_create_coding_project(user) -> None:
    if not may_create_coding_project(user):
        raise PermissionDenied(_("You may not start a research project."))


def can_code_project(user, project) -> bool:
    """Add sources, code fragments, build categories and the story line: the owner, or on a
    shared project any colleague who writes (coding is team work); never the read-only role."""
    if not may_create_coding_project(user):
        return False
    return project.owner_id == user.pk or project.shared


def require_code_project(user, project) -> None:
    if not can_code_project(user, project):
        raise PermissionDenied(_("You may not change this research project."))


def can_manage_coding_project(user, project) -> bool:
    """Rename, share, unshare or delete a project: its owner, or a manager for a shared one."""
    if not may_create_coding_project(user):
        return False
    return project.owner_id == user.pk or (project.shared and is_manager(user))


def require_manage_coding_project(user, project) -> None:
    if not can_manage_coding_project(user, project):
        raise PermissionDenied(
            _("Only its owner (or a manager, once it is shared) may change or delete it.")
        )


def get_coding_project_or_404(user, queryset: QuerySet, pk):
    """A research project the user may read (their own or a shared one), or 404."""
    try:
        return queryset.filter(coding_project_q(user)).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def get_coding_item_or_404(user, queryset: QuerySet, pk, *, via: str = "project"):
    """A document, code, category, relation (via="project"), fragment (via="document__project")
    or property (via="category__project") of a project the user may read, or 404."""
    try:
        return queryset.filter(coding_project_q(user, prefix=f"{via}__")).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def pullable_cases(user, cases: QuerySet) -> QuerySet:
    """The complaints a user may pull into a project: those of customers they may read."""
    return visible_cases(user, cases)


def pullable_notes(user, notes: QuerySet) -> QuerySet:
    """The customer notes a user may pull into a project: those of customers they may read."""
    return scoped(user, notes, via="customer")


def pullable_reviews(user, reviews: QuerySet) -> QuerySet:
    """The reviews a user may pull: every review linked to no customer (review sets are every
    member's to read), and those linked to a customer the user may read — never a review of
    another team's customer."""
    if not may_see_reviews(user):
        return reviews.none()
    q = customer_q(user, prefix="customer__")
    linked = reviews.filter(customer__isnull=False, customer__erased_at__isnull=True)
    if q is not None:
        linked = linked.filter(q)
    return reviews.filter(Q(customer__isnull=True) | Q(pk__in=linked.values("pk")))


# Public pools (公海) and transfers (客户转移), guanxi.pool -----------------------------------
# The functions take the Pool queryset (guanxi.pool.models), as the case ones take theirs.


def _ancestor_ids(department) -> list[int]:
    ids, node = [], department
    while node is not None and node.pk not in ids:
        ids.append(node.pk)
        node = node.parent
    return ids


def visible_pools(user, pools: QuerySet) -> QuerySet:
    """The pools a user sees: all for a manager or a user who sees every customer; else those
    whose member teams include the user's team or a team above it."""
    if not user.is_authenticated or not user.is_active:
        return pools.none()
    if is_manager(user) or sees_all(user):
        return pools
    profile = profile_of(user)
    if profile.department_id is None:
        return pools.none()
    return pools.filter(departments__in=_ancestor_ids(profile.department)).distinct()


def get_pool_or_404(user, pools: QuerySet, pk):
    """A pool the user sees, or 404."""
    try:
        return visible_pools(user, pools).get(pk=pk)
    except (ValueError, TypeError, pools.model.DoesNotExist) as exc:
        raise Http404 from exc


def pool_customers(user, pools: QuerySet, pool=None) -> QuerySet:
    """The customers waiting in the pools the user sees (or in `pool`): no owner, not erased,
    not merged away. Only their basic fields are for members (see the module docstring)."""
    from guanxi.customers.models import Customer

    qs = Customer.objects.filter(
        owner__isnull=True, erased_at__isnull=True, merged_into__isnull=True
    )
    if pool is not None:
        return qs.filter(pool=pool)
    return qs.filter(pool__in=visible_pools(user, pools).values("pk"))


CLAIM_RACE_SECONDS = 600


def claimable_customer(user, pools: QuerySet, pk):
    """A customer of a pool the user sees, to claim: 404 if its pool is none of them; 403 for
    a role that may not write. Claimed in the last CLAIM_RACE_SECONDS (owned) it is still
    returned: the claim says "someone else has just claimed it" (a loser of a race must be
    told, not shown a 404), which tells a member no more than the pool page showed a moment
    before. Owned for longer it is a 404 like any customer out of reach: a hostile review saw
    the 409 confirm that a customer claimed long ago from the user's pool exists."""
    from guanxi.customers.models import Customer

    recently = timezone.now() - timedelta(seconds=CLAIM_RACE_SECONDS)
    try:
        customer = (
            Customer.objects.filter(
                pool__in=visible_pools(user, pools).values("pk"), erased_at__isnull=True
            )
            .filter(Q(owner__isnull=True) | Q(owned_since__gte=recently))
            .get(pk=pk)
        )
    except (ValueError, TypeError, Customer.DoesNotExist) as exc:
        raise Http404 from exc
    if customer.owner_id not in (None, user.pk) and not _claimed_since(customer.pk, recently):
        # owned lately by a transfer or an owner change, not a claim: a hostile review saw
        # "someone else has just claimed it" confirm another team's customer, never pooled
        raise Http404
    if not can_write(user):
        raise PermissionDenied(_("You may not claim customers."))
    return customer


def _claimed_since(customer_id: int, since) -> bool:
    """Whether the customer was claimed from a pool (pool.services.claim_customer's audit
    entry) since `since`."""
    from guanxi.audit.models import AuditEntry

    return AuditEntry.objects.filter(
        customer_id=customer_id,
        action=AuditEntry.Action.ASSIGN,
        at__gte=since,
        changes__has_key="claimed_from_pool",
    ).exists()


def may_manage_pools(user) -> bool:
    """Create pools and change their teams and rules, and run the rules now: managers who
    write (the rules move customers between every rep of the teams)."""
    return user.is_authenticated and user.is_active and is_manager(user) and can_write(user)


def require_manage_pools(user) -> None:
    if not may_manage_pools(user):
        raise PermissionDenied(_("Only managers may change the public pools."))


def may_transfer(user) -> bool:
    """Use the transfer page (客户转移): a writing user whose scope covers colleagues."""
    return user.is_authenticated and user.is_active and leads_others(user)


def require_transfer(user) -> None:
    if not may_transfer(user):
        raise PermissionDenied(_("Only managers and leads may transfer customers."))


def transfer_targets(user) -> QuerySet:
    """Who may receive customers from `user`'s transfer: the active colleagues their scope
    covers (covered_users) who may write."""
    if not may_transfer(user):
        return covered_users(user).none()
    return covered_users(user).exclude(profile__role=Role.READ_ONLY)


def transfer_teams(user) -> QuerySet:
    """The teams `user` may transfer customers to (spread over their members): all for a
    manager or a user who sees all; the own team (and below, for department_tree); none else."""
    if not may_transfer(user):
        return Department.objects.none()
    profile = profile_of(user)
    if is_manager(user) or profile.data_scope == DataScope.ALL:
        return Department.objects.all()
    if profile.department_id is None:
        return Department.objects.none()
    if profile.data_scope == DataScope.DEPARTMENT_TREE:
        return Department.objects.filter(pk__in=profile.department.descendant_ids())
    if profile.data_scope == DataScope.DEPARTMENT:
        return Department.objects.filter(pk=profile.department_id)
    return Department.objects.none()


# Leads (线索) and the lead pool -------------------------------------------------------------
# A lead follows the customer rules by its own owner and team (the data scope), and a lead with
# no owner sits in the lead pool, which every active member of staff reads (masked personal
# data) so a rep can claim one. Changing a lead needs the data scope over its owner (a pool
# lead: only a manager, who assigns it; a rep claims it first).


def lead_q(user, *, write: bool = False) -> Q | None:
    """The filter on Lead for the user's scope (None: every lead); write=True: those the user
    may change (never the pool's for a rep, none for the read-only role)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    profile = profile_of(user)
    if write and profile.role == Role.READ_ONLY:
        return Q(pk__in=[])
    own = _own_q(user, profile, "")
    if write:
        if is_manager(user):
            return own if own is None else own | Q(owner__isnull=True)
        return own if own is None else own & Q(owner__isnull=False)
    return own if own is None else own | Q(owner__isnull=True)


def visible_leads(user, queryset: QuerySet, *, write: bool = False) -> QuerySet:
    """The leads (of `queryset`, a Lead queryset) the user may see, or change with write=True;
    erased leads are gone for everyone."""
    q = lead_q(user, write=write)
    qs = queryset.filter(erased_at__isnull=True)
    return qs if q is None else qs.filter(q)


def get_lead_or_404(user, queryset: QuerySet, pk):
    """A lead the user may see, or 404 (another team's lead is as if absent)."""
    try:
        return visible_leads(user, queryset).get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def writable_lead(user, queryset: QuerySet, pk):
    """A lead for a write: 404 outside the scope, 403 when the user may only read it (a pool
    lead for a rep: claim it first)."""
    lead = get_lead_or_404(user, queryset, pk)
    if not visible_leads(user, queryset, write=True).filter(pk=lead.pk).exists():
        if lead.owner_id is None and can_write(user):
            raise PermissionDenied(_("This lead is in the pool: claim it first."))
        raise PermissionDenied(_("You may not change this record."))
    return lead


def can_change_lead(user, lead) -> bool:
    """The page's buttons: may the user change this lead (see writable_lead)."""
    q = lead_q(user, write=True)
    if lead.erased_at is not None:
        return False
    return q is None or type(lead).objects.filter(q, pk=lead.pk).exists()


def can_claim_leads(user) -> bool:
    """Take a lead from the pool: any active user who writes."""
    return user.is_authenticated and user.is_active and can_write(user)


def require_claim_leads(user) -> None:
    if not can_claim_leads(user):
        raise PermissionDenied(_("You may not claim leads."))


def can_assign_leads(user) -> bool:
    """Assign a lead to a rep (and manage the public lead forms, retrain the look-alike model):
    managers who write."""
    return can_claim_leads(user) and is_manager(user)


def require_assign_leads(user) -> None:
    if not can_assign_leads(user):
        raise PermissionDenied(_("Only managers may do this."))


def lead_owners(user) -> QuerySet:
    """To whom the user may assign a lead: active users who write and whom the user's data
    scope covers (a manager: every one)."""
    return covered_users(user).exclude(profile__role=Role.READ_ONLY)


def can_see_lead_model(user) -> bool:
    """The look-alike model page (sample sizes, AUC, feature weights; no customer data): every
    signed-in member of staff."""
    return user.is_authenticated and user.is_active
