"""Transfer (客户转移): a manager or lead moves one customer, a selection, or all of a leaving
rep's customers to another rep or spreads them over a team, choosing what goes along. Contacts
always go with the customer (they are its records); open opportunities, contracts and open
tasks go when asked (services_common.customers_transferred: each app moves its own); the old
owner may keep read access (a read collaborator, 协作人). History stays with the customer; every
customer and collaboration is audited; set-based (one UPDATE per new owner and 1,000 customers).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guanxi.accounts.scope import (
    manageable_customers,
    require_transfer,
    transfer_targets,
    transfer_teams,
)
from guanxi.accounts.services import profile_of
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Collaborator, Customer
from guanxi.services_common import (
    MAX_SELECTION,
    customers_changed_hands,
    customers_transferred,
)

MOVABLE = ("opportunities", "contracts", "tasks")
CHUNK = 1000


def clean_move(values) -> set[str]:
    """What goes along with the customers: a subset of MOVABLE, else a ValidationError."""
    move = {str(v) for v in values or []}
    unknown = move - set(MOVABLE)
    if unknown:
        raise ValidationError(
            {
                "move": [
                    _("Unknown records to move: %(names)s.") % {"names": ", ".join(sorted(unknown))}
                ]
            }
        )
    return move


def _receivers(actor, to_user_id, to_team_id) -> list:
    if bool(to_user_id) == bool(to_team_id):
        raise ValidationError({"to_user": [_("Choose either a new owner or a team.")]})
    if to_user_id:
        target = transfer_targets(actor).filter(pk=to_user_id).first()
        if target is None:
            raise ValidationError(
                {"to_user": [_("Choose a new owner among the colleagues you lead.")]}
            )
        return [target]
    team = transfer_teams(actor).filter(pk=to_team_id).first()
    if team is None:
        raise ValidationError({"to_team": [_("Choose a team you lead.")]})
    members = list(transfer_targets(actor).filter(profile__department=team).order_by("username"))
    if not members:
        raise ValidationError({"to_team": [_("This team has nobody who may take customers.")]})
    return members


def _customers(actor, ids, from_user_id) -> list[tuple[int, int | None, int | None]]:
    """(id, owner id, department id) of the customers to move, locked; all or nothing."""
    manageable = manageable_customers(actor).select_for_update()
    if from_user_id:
        if ids:
            raise ValidationError({"ids": [_("Choose customers or a rep, not both.")]})
        rows = list(
            manageable.filter(owner_id=from_user_id)
            .order_by("pk")
            .values_list("pk", "owner_id", "department_id")
        )
        if Customer.objects.filter(owner_id=from_user_id, erased_at__isnull=True).count() != len(
            rows
        ):
            raise ValidationError(
                {"from_user": [_("Some of this rep's customers are outside your scope.")]}
            )
        if not rows:
            raise ValidationError({"from_user": [_("This rep has no customers you manage.")]})
        return rows
    ids = sorted({int(i) for i in ids or []})
    if not ids:
        raise ValidationError({"ids": [_("Choose the customers to transfer.")]})
    if len(ids) > MAX_SELECTION:
        raise ValidationError(
            {"ids": [_("Transfer at most %(n)d customers at once.") % {"n": MAX_SELECTION}]}
        )
    rows = list(
        manageable.filter(pk__in=ids).order_by("pk").values_list("pk", "owner_id", "department_id")
    )
    missing = len(ids) - len(rows)
    if missing:
        raise ValidationError(
            {
                "ids": [
                    ngettext(
                        "%(n)d of the customers is not yours to transfer: nothing was moved.",
                        "%(n)d of the customers are not yours to transfer: nothing was moved.",
                        missing,
                    )
                    % {"n": missing}
                ]
            }
        )
    return rows


@transaction.atomic
def transfer(
    actor,
    *,
    ids=None,
    from_user_id=None,
    to_user_id=None,
    to_team_id=None,
    move=(),
    keep_read: bool = False,
) -> int:
    """Move the customers (`ids`, or every customer of `from_user_id`) to `to_user_id`, or
    round-robin over the members of `to_team_id`. Returns how many moved."""
    require_transfer(actor)
    move = clean_move(move)
    receivers = _receivers(actor, to_user_id, to_team_id)
    rows = _customers(actor, ids, from_user_id)
    if not rows:
        return 0
    users = {
        u.pk: u for u in get_user_model().objects.filter(pk__in={o for _p, o, _d in rows if o})
    }
    now = timezone.now()
    shares: list[tuple[int, int]] = []
    entries = []
    for index, receiver in enumerate(receivers):
        mine = rows[index :: len(receivers)]
        mine = [row for row in mine if row[1] != receiver.pk]
        if not mine:
            continue
        department = profile_of(receiver).department
        department_id = department.pk if department else None
        for start in range(0, len(mine), CHUNK):
            chunk = [pk for pk, _o, _d in mine[start : start + CHUNK]]
            Customer.objects.filter(pk__in=chunk).update(
                previous_owner=Coalesce(F("owner"), F("previous_owner")),
                owner=receiver,
                department=department,
                owned_since=now,
                pooled_at=None,
                locked=False,
                return_reminded_for=None,
                version=F("version") + 1,
                updated_at=now,
            )
        for pk, owner_id, dept in mine:
            changes = {"owner": [owner_id, receiver.pk]}
            if dept != department_id:
                changes["department"] = [dept, department_id]
            if move:
                changes["moved_along"] = [None, sorted(move)]
            entries.append((pk, pk, changes))
            if keep_read and owner_id is not None:
                shares.append((pk, owner_id))
        by_owner: dict[int | None, list[int]] = {}
        for pk, owner_id, _d in mine:
            by_owner.setdefault(owner_id, []).append(pk)
        for owner_id, customer_ids in by_owner.items():
            customers_transferred.send(
                sender=None,
                actor=actor,
                customer_ids=customer_ids,
                from_user=users.get(owner_id),
                to_user=receiver,
                move=move,
            )
    audit.record_rows(actor, AuditEntry.Action.ASSIGN, Customer._meta.model_name, entries)
    if shares:
        _keep_read_access(actor, shares)
    transaction.on_commit(customers_changed_hands)
    return len(entries)


def _keep_read_access(actor, shares: list[tuple[int, int]]) -> None:
    """The old owners keep reading their former customers: a read collaboration each (an
    existing collaboration of theirs is left as it is)."""
    existing = set(
        Collaborator.objects.filter(customer_id__in=[c for c, _u in shares]).values_list(
            "customer_id", "user_id"
        )
    )
    new = [(c, u) for c, u in shares if (c, u) not in existing]
    Collaborator.objects.bulk_create(
        [Collaborator(customer_id=c, user_id=u, access=Collaborator.Access.READ) for c, u in new],
        batch_size=CHUNK,
    )
    names = dict(
        get_user_model().objects.filter(pk__in={u for _c, u in new}).values_list("pk", "username")
    )
    audit.record_rows(
        actor,
        AuditEntry.Action.UPDATE,
        Customer._meta.model_name,
        ((c, c, {"collaborator": [None, f"{names[u]}:read"]}) for c, u in new),
    )
