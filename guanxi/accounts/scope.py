"""Data scope (数据权限): who may see and change which customer, decided here and only here.

Pages, API handlers, exports, imports and tasks all ask this module. Related records (orders,
interactions, tasks, notes, contacts) inherit the scope of their customer.

Scopes, as Chinese CRM users know them:
- self: customers the user owns;
- subordinates: the user's and those of everyone who reports to the user, at any depth;
- department: customers of the user's department;
- department_tree: customers of the user's department and every department below it;
- all: every customer.
Collaborators (协作人) add single customers with read or read-write access, until an optional
expiry. The read-only role can read its scope but change nothing.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import DataScope, Profile, Role
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


def _collaborations(user, write: bool):
    from guanxi.customers.models import Collaborator

    qs = Collaborator.objects.filter(user=user).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if write:
        qs = qs.filter(access=Collaborator.Access.WRITE)
    # Resolved to a literal list (a handful of ids, usually none): as a subquery OR-ed with
    # the owner filter, PostgreSQL guessed half the table matched it and estimated a rep's
    # list three times too large (which the list's count estimate and its plans rely on).
    return list(qs.values_list("customer_id", flat=True))


def customer_q(user, *, write: bool = False, prefix: str = "") -> Q | None:
    """The filter on Customer (or on a related model through `prefix`) for the user's scope.

    Returns None when the user sees everything, and a filter matching nothing when the user
    may not write at all.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    profile = profile_of(user)
    if write and profile.role == Role.READ_ONLY:
        return Q(pk__in=[])
    scope = profile.data_scope
    if scope == DataScope.ALL:
        return None
    if scope == DataScope.SUBORDINATES:
        own = Q(**{f"{prefix}owner_id__in": _subordinate_ids(user.pk)})
    elif scope == DataScope.DEPARTMENT and profile.department_id:
        own = Q(**{f"{prefix}department_id": profile.department_id}) | Q(
            **{f"{prefix}owner_id": user.pk}
        )
    elif scope == DataScope.DEPARTMENT_TREE and profile.department_id:
        own = Q(**{f"{prefix}department_id__in": profile.department.descendant_ids()}) | Q(
            **{f"{prefix}owner_id": user.pk}
        )
    else:
        own = Q(**{f"{prefix}owner_id": user.pk})
    shared = _collaborations(user, write)
    return own | Q(**{f"{prefix}id__in": shared}) if shared else own


def scoped(user, queryset: QuerySet, *, write: bool = False, via: str = "") -> QuerySet:
    """Restrict a queryset of customers (via="") or of a related model (via="customer")."""
    q = customer_q(user, write=write, prefix=f"{via}__" if via else "")
    qs = queryset.exclude(**{f"{via}__erased_at__isnull" if via else "erased_at__isnull": False})
    return qs if q is None else qs.filter(q)


def visible_customers(user, *, write: bool = False) -> QuerySet:
    from guanxi.customers.models import Customer

    return scoped(user, Customer.objects.all(), write=write)


def get_customer_or_404(user, pk, *, write: bool = False, related: tuple[str, ...] = ()):
    """The customer if the user may see it (or change it, with write=True); else 404.

    A customer outside the scope is indistinguishable from one that does not exist.
    `related` is handed to select_related (e.g. the owner a page shows).
    """
    try:
        return visible_customers(user, write=write).select_related(*related).get(pk=pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except visible_customers(user).model.DoesNotExist as exc:
        raise Http404 from exc


def get_related_or_404(user, queryset: QuerySet, pk, *, write: bool = False):
    """A record hanging off a customer (order, interaction, task, note, contact), or 404."""
    try:
        return scoped(user, queryset, write=write, via="customer").get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist) as exc:
        raise Http404 from exc


def can_write(user) -> bool:
    return user.is_authenticated and profile_of(user).role != Role.READ_ONLY


def is_manager(user) -> bool:
    return user.is_authenticated and (user.is_superuser or profile_of(user).role == Role.MANAGER)


def can_view_sensitive(user) -> bool:
    return user.is_authenticated and profile_of(user).can_view_sensitive
