"""Payment collection (回款): a contract's payment plan in instalments, payments received
(pending until a manager confirms them), confirmed payments allocated to the instalments in
due order, and the daily reminders. Every write is audited."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from guanxi.accounts.preferences import language_of
from guanxi.accounts.scope import (
    can_approve_contract,
    can_write,
    require_change,
    require_confirm_payment,
)
from guanxi.activities.services import create_task, system_text
from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.formats.money import format_money
from guanxi.sales import services as sales
from guanxi.services_common import claim_version, reject_unknown_fields
from guanxi.validation import Errors, check_text

from .models import (
    COLLECTING_STATUSES,
    OPEN_CONTRACT_STATUSES,
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from .services import MAX_REASON, _date

MAX_INSTALMENTS = 60
PAYMENT_FIELDS = ["received_on", "amount", "method", "reference"]
_INSTALMENT_TRAIL = ["received", "status", "paid_on"]


def reminder_days() -> int:
    """How many days before a due date the owner gets a reminder task (setting
    GUANXI_COLLECTION_REMINDER_DAYS, 3 by default)."""
    return int(getattr(settings, "GUANXI_COLLECTION_REMINDER_DAYS", 3))


def _money(errors: Errors, field: str, value) -> Decimal | None:
    try:
        amount = sales._money(value, field)
    except ValidationError as exc:
        for message in exc.message_dict[field]:
            errors.add(field, message)
        return None
    if amount <= 0:
        errors.add(field, _("Enter an amount greater than zero."))
        return None
    return amount


# The plan --------------------------------------------------------------------------------


@transaction.atomic
def set_plan(actor, contract: Contract, rows: list[dict], *, version=None) -> list[Instalment]:
    """Replace the payment plan by `rows` [{due_date, amount}]: at least one, due dates within
    the CRM's years, amounts above zero that add up exactly to the contract amount (checked in
    Decimal, to the cent). The confirmed payments are allocated again to the new plan. Only
    while the contract is running (not completed or terminated); once submitted, only by a
    manager who may approve it (scope.can_approve_contract)."""
    require_change(actor, contract.customer)
    errors = Errors()
    if not rows:
        errors.add("instalments", _("A payment plan needs at least one instalment."))
    if len(rows) > MAX_INSTALMENTS:
        errors.add("instalments", _("At most %(n)d instalments.") % {"n": MAX_INSTALMENTS})
    errors.raise_any()
    cleaned = []
    for n, row in enumerate(rows, start=1):
        row_errors = Errors()
        due = _date(row_errors, "due_date", row.get("due_date"), required=True)
        amount = _money(row_errors, "amount", row.get("amount"))
        for messages in row_errors.values():
            for message in messages:
                errors.add(
                    "instalments",
                    _("Instalment %(n)d: %(error)s") % {"n": n, "error": message},
                )
        cleaned.append((due, amount))
    errors.raise_any()
    claim_version(contract, version, {})
    contract.refresh_from_db(fields=["status", "amount"])
    if contract.status not in OPEN_CONTRACT_STATUSES:
        raise ValidationError(
            {"status": [_("The plan of a completed or terminated contract cannot change.")]}
        )
    if contract.status in (
        ContractStatus.PENDING,
        ContractStatus.APPROVED,
        ContractStatus.ACTIVE,
    ) and not can_approve_contract(actor, contract):
        # what was approved stays approved: the owner changes the plan before submitting
        raise PermissionDenied(
            _(
                "The payment plan of a contract submitted or approved is changed by a manager "
                "who may approve the contract."
            )
        )
    total = sum((amount for _due, amount in cleaned), Decimal("0"))
    if total != contract.amount:
        raise ValidationError(
            {
                "instalments": [
                    _(
                        "The instalments add up to %(total)s; they must add up to the contract "
                        "amount, %(amount)s (%(diff)s to go)."
                    )
                    % {
                        "total": format_money(total, contract.currency),
                        "amount": format_money(contract.amount, contract.currency),
                        "diff": format_money(contract.amount - total, contract.currency),
                    }
                ]
            }
        )
    old = list(contract.instalments.all())
    before = [f"{i.due_date.isoformat()} {i.amount}" for i in old]
    audit.record_many(actor, AuditEntry.Action.DELETE, old, fields=["due_date", "amount"])
    contract.instalments.all().delete()
    cleaned.sort(key=lambda pair: pair[0])
    Instalment.objects.bulk_create(
        Instalment(contract=contract, sequence=n, due_date=due, amount=amount)
        for n, (due, amount) in enumerate(cleaned, start=1)
    )
    made = list(contract.instalments.all())  # with their ids on every database
    audit.record_many(
        actor,
        AuditEntry.Action.CREATE,
        made,
        fields=["sequence", "due_date", "amount"],
        customer_id=contract.customer_id,
    )
    audit.record(
        actor,
        AuditEntry.Action.UPDATE,
        contract,
        changes={"instalments": [before, [f"{due.isoformat()} {a}" for due, a in cleaned]]},
    )
    _allocate(actor, contract)
    return made


#: A contract in force (or completed, its money still owed) owes its instalments: only its
#: late ones are overdue. A draft, pending or rejected contract owes nothing yet (the
#: collections page leaves them out too).
OWING = COLLECTING_STATUSES


def instalment_status(inst: Instalment, today: date, *, in_force: bool = True) -> str:
    """pending / partly paid / paid / overdue / void from what was allocated to it: paid when
    the whole amount came in; overdue when its due date has passed without it (even if part
    came in) and its contract is in force; partly paid when part came in (before the due
    date, or on a contract not in force)."""
    if inst.status == InstalmentStatus.VOID:
        return InstalmentStatus.VOID
    if inst.received >= inst.amount:
        return InstalmentStatus.PAID
    if in_force and inst.due_date < today:
        return InstalmentStatus.OVERDUE
    if inst.received > 0:
        return InstalmentStatus.PARTLY_PAID
    return InstalmentStatus.PENDING


def _allocate(actor, contract: Contract, today: date | None = None) -> None:
    """Spread the contract's confirmed payments (oldest first) over its instalments in due
    order: each fills the earliest unpaid one, the rest goes on to the next. An instalment
    filled is paid on the date of the payment that completed it, days_late after its due date.
    Instalments whose figures change are audited; the contract keeps the total received."""
    today = today or timezone.localdate()
    payments = list(
        contract.payments.filter(status=PaymentStatus.CONFIRMED).order_by("received_on", "id")
    )
    instalments = list(
        contract.instalments.exclude(status=InstalmentStatus.VOID).order_by("due_date", "sequence")
    )
    befores = {i.pk: audit.snapshot(i, _INSTALMENT_TRAIL) for i in instalments}
    for inst in instalments:
        inst.received, inst.paid_on, inst.days_late = Decimal("0"), None, None
    queue = iter(instalments)
    current = next(queue, None)
    for payment in payments:
        left = payment.amount
        while left > 0 and current is not None:
            take = min(left, current.amount - current.received)
            current.received += take
            left -= take
            if current.received >= current.amount:
                current.paid_on = payment.received_on
                current.days_late = (payment.received_on - current.due_date).days
                current = next(queue, None)
    changed = []
    for inst in instalments:
        inst.status = instalment_status(inst, today, in_force=contract.status in OWING)
        if audit.diff(befores[inst.pk], audit.snapshot(inst, _INSTALMENT_TRAIL)):
            changed.append(inst)
    Instalment.objects.bulk_update(changed, ["received", "status", "paid_on", "days_late"])
    for inst in changed:
        audit.record_update(
            actor, inst, befores[inst.pk], _INSTALMENT_TRAIL, customer_id=contract.customer_id
        )
    received = sum((p.amount for p in payments), Decimal("0"))
    if received != contract.received:
        Contract.objects.filter(pk=contract.pk).update(received=received)
        audit.record(
            actor,
            AuditEntry.Action.UPDATE,
            contract,
            changes={"received": [str(contract.received), str(received)]},
        )
        contract.received = received


def void_unpaid(actor, contract: Contract) -> int:
    """Void the instalments of a terminated contract that are not paid (nothing more is owed),
    audited. Part of change_contract_status("terminate")."""
    unpaid = list(contract.instalments.exclude(status__in=(InstalmentStatus.PAID,)))
    unpaid = [i for i in unpaid if i.status != InstalmentStatus.VOID]
    for inst in unpaid:
        before = audit.snapshot(inst, _INSTALMENT_TRAIL)
        inst.status = InstalmentStatus.VOID
        inst.save(update_fields=["status"])
        audit.record_update(
            actor, inst, before, _INSTALMENT_TRAIL, customer_id=contract.customer_id
        )
    return len(unpaid)


# Payments --------------------------------------------------------------------------------


def _pending_total(contract: Contract) -> Decimal:
    return contract.payments.filter(status=PaymentStatus.PENDING).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")


@transaction.atomic
def record_payment(actor, contract: Contract, data: dict) -> Payment:
    """Money received against an approved, active or completed contract: a date not in the
    future, an amount above zero and no more than what is still owed (the amount less what
    was confirmed and what awaits confirmation), a method and an optional reference. It waits
    for a manager's confirmation (confirm_payment) before it pays an instalment."""
    require_change(actor, contract.customer)
    reject_unknown_fields(data, PAYMENT_FIELDS)
    errors = Errors()
    received_on = _date(errors, "received_on", data.get("received_on"), required=False)
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        errors.add("received_on", _("A payment cannot be dated in the future."))
    amount = _money(errors, "amount", data.get("amount"))
    method = data.get("method")
    if method not in PaymentMethod.values:
        errors.add(
            "method",
            _("Choose a method: %(choices)s.")
            % {"choices": ", ".join(str(label) for label in PaymentMethod.labels)},
        )
    reference = errors.check(
        "reference", check_text, data.get("reference") or "", max_length=100, multiline=False
    )
    errors.raise_any()
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in COLLECTING_STATUSES:
        raise ValidationError(
            {"status": [_("Payments are recorded on approved, active or completed contracts.")]}
        )
    owed = contract.amount - contract.received - _pending_total(contract)
    if amount > owed:
        raise ValidationError(
            {
                "amount": [
                    _(
                        "At most %(owed)s is still owed on this contract (the amount less "
                        "payments received and awaiting confirmation)."
                    )
                    % {"owed": format_money(owed, contract.currency)}
                ]
            }
        )
    payment = Payment.objects.create(
        contract=contract,
        customer_id=contract.customer_id,
        received_on=received_on,
        amount=amount,
        method=method,
        reference=reference.strip(),
        recorded_by=actor,
    )
    audit.record(
        actor,
        AuditEntry.Action.CREATE,
        payment,
        changes={
            "contract": [None, contract.number],
            **audit.diff({}, audit.snapshot(payment, [*PAYMENT_FIELDS, "status"])),
        },
    )
    return payment


def _payment_for_update(payment: Payment, version) -> Payment:
    claim_version(payment, version, {})
    return Payment.objects.select_related("contract", "customer").get(pk=payment.pk)


@transaction.atomic
def confirm_payment(actor, payment: Payment, *, version=None) -> Payment:
    """A manager whose scope covers the customer (not the one who recorded it) confirms a
    pending payment: it is allocated to the instalments (see _allocate)."""
    require_confirm_payment(actor, payment)
    payment = _payment_for_update(payment, version)
    if payment.status != PaymentStatus.PENDING:
        raise ValidationError(
            {"status": [_("Only a payment awaiting confirmation can be confirmed.")]}
        )
    before = audit.snapshot(payment, ["status"])
    payment.status = PaymentStatus.CONFIRMED
    payment.confirmed_by, payment.confirmed_at = actor, timezone.now()
    payment.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit.record_update(actor, payment, before, ["status"])
    contract = Contract.objects.select_for_update().get(pk=payment.contract_id)
    _allocate(actor, contract)
    return payment


@transaction.atomic
def void_payment(actor, payment: Payment, *, reason: str, version=None) -> Payment:
    """Void a payment with a reason (a bounced cheque, a mistake): a manager who may confirm
    it, or its recorder while it still awaits confirmation. A confirmed payment voided leaves
    the instalments it paid (they are allocated again)."""
    own_pending = (
        payment.status == PaymentStatus.PENDING
        and payment.recorded_by_id == actor.pk
        and can_write(actor)
    )
    if own_pending:
        require_change(actor, payment.customer)
    else:
        try:
            require_confirm_payment(actor, payment)
        except PermissionDenied:
            if payment.recorded_by_id == actor.pk:
                raise PermissionDenied(_("A confirmed payment is voided by a manager.")) from None
            raise
    errors = Errors()
    reason = errors.check(
        "reason", check_text, reason, max_length=MAX_REASON, multiline=False, required=True
    )
    errors.raise_any()
    payment = _payment_for_update(payment, version)
    if payment.status == PaymentStatus.VOID:
        raise ValidationError({"status": [_("This payment is void already.")]})
    was_confirmed = payment.status == PaymentStatus.CONFIRMED
    before = audit.snapshot(payment, ["status", "void_reason"])
    payment.status, payment.void_reason = PaymentStatus.VOID, reason.strip()
    payment.save(update_fields=["status", "void_reason"])
    audit.record_update(actor, payment, before, ["status", "void_reason"])
    if was_confirmed:
        _allocate(actor, Contract.objects.select_for_update().get(pk=payment.contract_id))
    return payment


# The daily job ---------------------------------------------------------------------------


def _due_at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def send_reminders(today: date | None = None) -> dict[str, int]:
    """What the daily job does (no actor): instalments of contracts in force whose due date
    has passed unpaid become overdue; the owner of a running contract gets a task reminder_days() before an
    instalment falls due, and another when it becomes overdue, each once (flags on the
    instalment, set in the same transaction as the task). Returns the counts."""
    today = today or timezone.localdate()
    done = {"overdue": 0, "due_soon": 0, "overdue_reminders": 0}
    running = (ContractStatus.APPROVED, ContractStatus.ACTIVE)
    late = Instalment.objects.filter(
        status__in=(InstalmentStatus.PENDING, InstalmentStatus.PARTLY_PAID),
        due_date__lt=today,
        contract__status__in=OWING,
    )
    for inst in late.select_related("contract")[:10000]:
        with transaction.atomic():
            before = audit.snapshot(inst, _INSTALMENT_TRAIL)
            inst.status = InstalmentStatus.OVERDUE
            inst.save(update_fields=["status"])
            audit.record_update(
                None, inst, before, _INSTALMENT_TRAIL, customer_id=inst.contract.customer_id
            )
            done["overdue"] += 1
    open_statuses = (
        InstalmentStatus.PENDING,
        InstalmentStatus.PARTLY_PAID,
        InstalmentStatus.OVERDUE,
    )
    base = Instalment.objects.filter(
        contract__status__in=running, status__in=open_statuses, contract__owner__isnull=False
    ).select_related("contract__customer", "contract__owner__profile")
    soon = base.filter(
        reminded_due=False,
        due_date__gte=today,
        due_date__lte=today + timedelta(days=reminder_days()),
    )
    for inst in soon[:10000]:
        _remind(inst, "reminded_due", today)
        done["due_soon"] += 1
    for inst in base.filter(reminded_overdue=False, due_date__lt=today)[:10000]:
        _remind(inst, "reminded_overdue", today)
        done["overdue_reminders"] += 1
    return done


def _remind(inst: Instalment, flag: str, today: date) -> None:
    contract = inst.contract
    with translation.override(language_of(contract.owner)):  # the owner reads it
        values = {
            "n": inst.sequence,
            "number": contract.number,
            "amount": format_money(inst.outstanding, contract.currency),
            "due": inst.due_date.isoformat(),
        }
        if flag == "reminded_due":
            msgid = gettext_noop("Collect instalment %(n)s of %(number)s: %(amount)s due %(due)s")
        else:
            msgid = gettext_noop(
                "Overdue: instalment %(n)s of %(number)s, %(amount)s since %(due)s"
            )
        title, source = system_text(msgid, **values)
    with transaction.atomic():
        # The flag first, conditionally: two jobs running at once make one task, not two.
        if not Instalment.objects.filter(pk=inst.pk, **{flag: False}).update(**{flag: True}):
            return
        create_task(
            None,
            {"title": title[:200], "due_at": _due_at(max(today, inst.due_date))},
            customer=contract.customer,
            assignee=contract.owner,
            texts={"title": source},
        )
