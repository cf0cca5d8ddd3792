"""Writes of loyalty and churn on a customer (DOMAIN.md §§6, 8): the rep's loyalty type, marking
a customer lost with one of the textbook's reasons, and winning it back.

Each is atomic and audited; who may do what is guanxi.accounts.scope's (require_change for the
loyalty type, require_mark_lost for lost and won back). A win-back clears the lost fields on
the customer; the loss, its reason and note stay in the audit trail, which is the history.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import require_change, require_mark_lost
from guanxi.audit import services as audit
from guanxi.validation import clean_text

from . import services
from .models import Customer, LostReason, LoyaltyType

LOST_FIELDS = ["lost_at", "lost_reason", "lost_note"]

#: Sent (customer=) in the transaction of a mark-lost or win-back that changed the customer,
#: so apps above (guanxi.scoring: the stored recovery priority) follow the new reason at once.
lost_changed = Signal()
NOTE_LENGTH = 2000


def _clean_note(note, field: str = "note") -> str:
    note = "" if note is None else note
    if not isinstance(note, str):
        raise ValidationError({field: _("The note must be text.")})
    try:
        note = clean_text(note, multiline=True).strip()
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from exc
    if len(note) > NOTE_LENGTH:
        raise ValidationError(
            {
                field: _("The note may hold at most %(max)s characters (it has %(n)s).")
                % {"max": NOTE_LENGTH, "n": len(note)}
            }
        )
    return note


@transaction.atomic
def set_loyalty_type(actor, customer: Customer, loyalty_type: str) -> Customer:
    """The rep's judgement of the customer's loyalty type ("" = take the one the scores
    suggest). Anyone who may change the customer; refused values name the choices."""
    require_change(actor, customer)
    if loyalty_type not in ("", *LoyaltyType.values):
        raise ValidationError(
            {
                "loyalty_type": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(LoyaltyType.values)}
            }
        )
    return services.update_customer(actor, customer, {"loyalty_type": loyalty_type})


_NOW_UNLESS_LOST = object()  # mark_lost's date: the one already recorded, else now


def _write_lost(actor, customer: Customer, values: dict, extra: dict | None = None) -> Customer:
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if values.get("lost_at") is _NOW_UNLESS_LOST:
        # read under the row lock: of two marks at once the second keeps the first one's date
        values = {**values, "lost_at": current.lost_at or timezone.now()}
    before = audit.snapshot(current, LOST_FIELDS)
    for field, value in values.items():
        setattr(current, field, value)
    changes = audit.diff(before, audit.snapshot(current, LOST_FIELDS))
    if changes:
        current.version = models.F("version") + 1  # open edit forms go stale
        current.save(update_fields=[*values, "version", "updated_at"])
        current.refresh_from_db(fields=["version"])
        changes.update(extra or {})
        audit.record(
            actor, audit.AuditEntry.Action.UPDATE, current, customer_id=current.pk, changes=changes
        )
    for field in [*LOST_FIELDS, "version", "updated_at"]:
        setattr(customer, field, getattr(current, field))
    lost_changed.send(sender=Customer, customer=current)
    return customer


@transaction.atomic
def mark_lost(actor, customer: Customer, reason: str, note: str = "") -> Customer:
    """Mark the customer lost (客户流失) with one of the textbook's ten reasons and a note.

    Only the owner or a manager over them (scope.require_mark_lost). Marking a lost customer
    again corrects the reason and note and keeps the date it was lost.
    """
    require_mark_lost(actor, customer)
    if reason not in LostReason.values:
        raise ValidationError(
            {"reason": _("Choose why the customer was lost (one of the reasons listed).")}
        )
    note = _clean_note(note)
    return _write_lost(
        actor, customer, {"lost_at": _NOW_UNLESS_LOST, "lost_reason": reason, "lost_note": note}
    )


@transaction.atomic
def win_back(actor, customer: Customer, note: str = "") -> Customer:
    """The lost customer is won back: the lost date, reason and note are cleared on the
    customer and kept in the audit trail (with the win-back's own note, if any)."""
    require_mark_lost(actor, customer)
    if customer.lost_at is None:
        raise ValidationError(_("This customer is not marked lost."))
    note = _clean_note(note)
    extra = {"won_back_note": [None, note]} if note else {}
    return _write_lost(
        actor, customer, {"lost_at": None, "lost_reason": "", "lost_note": ""}, extra
    )
