"""Quotes, contracts, approval, payment plans, payments and their allocation (回款)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from guanxi.accounts.preferences import set_own_language
from guanxi.activities.models import Task
from guanxi.audit.models import AuditEntry
from guanxi.contracts import collections, services
from guanxi.contracts.models import (
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    PaymentStatus,
    QuoteStatus,
)
from guanxi.sales.models import Order
from guanxi.services_common import customers_transferred


@pytest.fixture
def customer(customer_of):
    return customer_of("rep1", name="茗香贸易有限公司", kind="organisation")


@pytest.fixture
def quote(rep1, customer, product):
    lines = [
        {"product": product, "quantity": 3, "unit_price": "19.99", "discount": "12.5"},
        {"product": product, "quantity": 1},
    ]
    return services.create_quote(rep1, customer, {"notes": "含运费"}, lines)


def approved_contract(rep1, manager, quote, plan=None):
    contract = services.accept_quote(rep1, quote)
    if plan:
        collections.set_plan(rep1, contract, plan)
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    contract.refresh_from_db()
    return contract


def test_quote_totals_are_computed_in_decimal_to_the_cent(quote):
    # 3 × 19.99 = 59.97, less 12.5 per cent = 52.47375 → 52.47 (half up); + 128.00 list price
    assert [line.amount for line in quote.lines.order_by("id")] == [
        Decimal("52.47"),
        Decimal("128.00"),
    ]
    assert quote.subtotal == Decimal("187.97")
    assert quote.total == Decimal("180.47")
    assert quote.number.startswith("QT") and quote.status == QuoteStatus.DRAFT
    assert quote.valid_until == quote.quoted_on + timedelta(days=30)


def test_a_bad_line_is_refused_with_its_number_and_nothing_saved(rep1, customer, product):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.create_quote(
            rep1, customer, {}, [{"product": product, "quantity": 1, "discount": "120"}]
        )
    assert "Line 1" in exc.value.message_dict["lines"][0]
    assert not customer.quotes.exists()


def test_accepting_a_quote_makes_a_draft_contract_with_its_lines(rep1, quote):
    contract = services.accept_quote(rep1, quote)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert contract.status == ContractStatus.DRAFT and contract.quote_id == quote.pk
    assert contract.amount == Decimal("180.47")
    assert [line.amount for line in contract.lines.order_by("id")] == [
        Decimal("52.47"),
        Decimal("128.00"),
    ]
    [instalment] = contract.instalments.all()
    assert instalment.amount == Decimal("180.47")
    with pytest.raises(ValidationError):
        services.accept_quote(rep1, quote)  # accepted once


def test_an_expired_quote_cannot_be_accepted(rep1, customer, product):
    past = timezone.localdate() - timedelta(days=40)
    old = services.create_quote(
        rep1, customer, {"quoted_on": past}, [{"product": product, "quantity": 1}]
    )
    with pytest.raises(ValidationError):
        services.accept_quote(rep1, old)
    assert services.expire_quotes() == 1
    old.refresh_from_db()
    assert old.status == QuoteStatus.EXPIRED


def test_the_plan_must_add_up_to_the_contract_amount(rep1, quote):
    contract = services.accept_quote(rep1, quote)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        collections.set_plan(
            rep1,
            contract,
            [{"due_date": today, "amount": "100"}, {"due_date": today, "amount": "80.46"}],
        )
    assert "180.46" in exc.value.message_dict["instalments"][0]
    assert contract.instalments.count() == 1  # the old plan stays
    collections.set_plan(
        rep1,
        contract,
        [
            {"due_date": today + timedelta(days=60), "amount": "80.47"},
            {"due_date": today + timedelta(days=30), "amount": "100"},
        ],
    )
    assert [(i.sequence, i.amount) for i in contract.instalments.all()] == [
        (1, Decimal("100.00")),
        (2, Decimal("80.47")),
    ]


def test_the_owner_cannot_approve_their_own_contract_nor_a_rep_anyones(
    rep1, rep2, manager, personas, quote
):
    contract = services.accept_quote(rep1, quote)
    services.change_contract_status(rep1, contract, "submit")
    with pytest.raises(PermissionDenied):
        services.change_contract_status(rep1, contract, "approve")
    with pytest.raises(PermissionDenied):
        services.change_contract_status(personas["viewer"], contract, "approve")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.PENDING
    with pytest.raises(ValidationError):
        services.change_contract_status(manager, contract, "reject")  # a reason is needed
    services.change_contract_status(manager, contract, "reject", reason="价格过低")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REJECTED and contract.reject_reason == "价格过低"
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED and contract.decided_by == manager


def test_a_manager_who_owns_the_contract_cannot_approve_it(manager, customer_of, product):
    own = customer_of("manager", name="自有客户")
    quote = services.create_quote(manager, own, {}, [{"product": product, "quantity": 1}])
    contract = services.accept_quote(manager, quote)
    services.change_contract_status(manager, contract, "submit")
    with pytest.raises(PermissionDenied):
        services.change_contract_status(manager, contract, "approve")


def test_a_manager_who_drafted_or_submitted_a_reps_contract_cannot_approve_it(
    manager, rep1, customer, product
):
    """Hostile review: the owner is the customer's owner, so a manager drafting a contract for a
    rep's customer (or submitting it and then transferring the customer) was not "its owner"
    and approved it alone. Who drafted and who submitted it ask for approval too."""
    from guanxi.accounts.scope import approvable_contracts

    quote = services.create_quote(manager, customer, {}, [{"product": product, "quantity": 1}])
    drafted = services.accept_quote(manager, quote)
    assert drafted.owner == rep1 and drafted.created_by == manager
    services.change_contract_status(manager, drafted, "submit")
    with pytest.raises(PermissionDenied), translation.override("en"):
        services.change_contract_status(manager, drafted, "approve")
    # drafted by the rep, submitted by the manager: still not the manager's to approve
    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": 1}])
    submitted = services.accept_quote(rep1, quote)
    services.change_contract_status(manager, submitted, "submit")
    assert submitted.submitted_by == manager
    with pytest.raises(PermissionDenied):
        services.change_contract_status(manager, submitted, "reject", reason="自己提交的")
    assert not approvable_contracts(manager, Contract.objects.all()).exists()
    for contract in (drafted, submitted):
        contract.refresh_from_db()
        assert contract.status == ContractStatus.PENDING and contract.decided_by is None


def test_payments_are_allocated_in_due_order_once_confirmed(rep1, manager, quote):
    today = timezone.localdate()
    plan = [
        {"due_date": today - timedelta(days=10), "amount": "80.47"},
        {"due_date": today + timedelta(days=20), "amount": "100"},
    ]
    contract = approved_contract(rep1, manager, quote, plan)
    payment = collections.record_payment(
        rep1, contract, {"amount": "120", "method": "alipay", "received_on": today}
    )
    first, second = contract.instalments.all()
    assert payment.status == PaymentStatus.PENDING
    assert first.status == InstalmentStatus.OVERDUE  # nothing counts before confirmation
    with pytest.raises(PermissionDenied):
        collections.confirm_payment(rep1, payment)  # a rep cannot confirm
    collections.confirm_payment(manager, payment)
    first.refresh_from_db()
    second.refresh_from_db()
    contract.refresh_from_db()
    assert (first.status, first.received, first.paid_on, first.days_late) == (
        InstalmentStatus.PAID,
        Decimal("80.47"),
        today,
        10,
    )
    assert (second.status, second.received) == (InstalmentStatus.PARTLY_PAID, Decimal("39.53"))
    assert (contract.received, contract.outstanding) == (Decimal("120.00"), Decimal("60.47"))
    # more than is owed is refused
    with pytest.raises(ValidationError):
        collections.record_payment(rep1, contract, {"amount": "60.48", "method": "cash"})
    # voiding the confirmed payment gives the instalments back
    collections.void_payment(manager, payment, reason="退票")
    first.refresh_from_db()
    contract.refresh_from_db()
    assert first.status == InstalmentStatus.OVERDUE and first.received == 0
    assert contract.received == 0


def test_a_payment_can_only_be_recorded_on_an_approved_contract(rep1, quote):
    contract = services.accept_quote(rep1, quote)
    with pytest.raises(ValidationError):
        collections.record_payment(rep1, contract, {"amount": "10", "method": "cash"})


def test_reminders_are_made_once_before_the_due_date_and_once_when_overdue(rep1, manager, quote):
    today = timezone.localdate()
    plan = [
        {"due_date": today + timedelta(days=2), "amount": "100"},
        {"due_date": today + timedelta(days=40), "amount": "80.47"},
    ]
    contract = approved_contract(rep1, manager, quote, plan)
    tasks = Task.objects.filter(customer=contract.customer, assignee=rep1)
    before = tasks.count()

    assert collections.send_reminders(today)["due_soon"] == 1
    assert collections.send_reminders(today)["due_soon"] == 0  # once
    assert tasks.count() == before + 1
    later = today + timedelta(days=3)
    done = collections.send_reminders(later)
    assert done["overdue"] == 1 and done["overdue_reminders"] == 1
    assert collections.send_reminders(later)["overdue_reminders"] == 0
    assert tasks.count() == before + 2
    # both name the first instalment's amount as the pages write money
    titles = tasks.order_by("-id").values_list("title", flat=True)[:2]
    assert all("¥100.00" in title and "CNY" not in title for title in titles), titles
    assert contract.instalments.filter(status=InstalmentStatus.OVERDUE).count() == 1
    assert AuditEntry.objects.filter(model="task", actor=None).count() >= 2


@pytest.mark.parametrize(
    ("language", "active", "due_soon", "overdue"),
    [
        ("en", "zh-hans", "Collect instalment 1 of {n}: ¥100.00 due {d}", "Overdue: instalment 1"),
        ("zh-hans", "en", "催收 {n} 第 1 期：¥100.00，{d} 到期", "逾期：{n} 第 1 期"),
    ],
)
def test_collection_reminders_are_in_the_owners_language(
    rep1, manager, quote, language, active, due_soon, overdue
):
    # given: the owner's stored language differs from the one active when the job runs
    set_own_language(rep1, language)
    today = timezone.localdate()
    due = today + timedelta(days=2)
    plan = [
        {"due_date": due, "amount": "100"},
        {"due_date": today + timedelta(days=40), "amount": "80.47"},
    ]
    contract = approved_contract(rep1, manager, quote, plan)
    tasks = Task.objects.filter(customer=contract.customer, assignee=rep1).order_by("-id")

    # when
    with translation.override(active):
        collections.send_reminders(today)
        first = tasks.first().title
        collections.send_reminders(today + timedelta(days=3))
        second = tasks.first().title

    # then
    assert first == due_soon.format(n=contract.number, d=due.isoformat())
    assert second.startswith(overdue.format(n=contract.number))


def test_a_contract_from_a_quote_has_a_title_in_no_language(rep1, quote):
    with translation.override("en"):
        contract = services.accept_quote(rep1, quote)
    assert contract.title == f"{quote.number} · 茗香贸易有限公司"
    assert "Contract for" not in contract.title and "合同" not in contract.title


def test_only_a_contract_in_force_has_overdue_instalments(rep1, manager, quote):
    today = timezone.localdate()
    contract = services.accept_quote(rep1, quote)
    collections.set_plan(
        rep1, contract, [{"due_date": today - timedelta(days=5), "amount": "180.47"}]
    )
    services.change_contract_status(rep1, contract, "submit")
    inst = contract.instalments.get()
    assert inst.status == InstalmentStatus.PENDING  # awaiting approval: nothing is owed yet
    assert collections.send_reminders(today)["overdue"] == 0
    inst.refresh_from_db()
    assert inst.status == InstalmentStatus.PENDING
    page = _client(rep1).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-status="overdue"' not in page
    # approved, it is owed: the late instalment is overdue at once
    services.change_contract_status(manager, contract, "approve")
    inst.refresh_from_db()
    assert inst.status == InstalmentStatus.OVERDUE
    later = Instalment(amount=Decimal("10"), received=Decimal("0"), due_date=today)
    assert collections.instalment_status(later, today + timedelta(days=1), in_force=False) == (
        InstalmentStatus.PENDING
    )


def _client(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_an_order_is_made_from_an_approved_contract_through_sales(rep1, manager, quote):
    contract = approved_contract(rep1, manager, quote)
    order = services.create_order_from_contract(rep1, contract)
    assert Order.objects.get(pk=order.pk).customer_id == contract.customer_id
    assert order.total == Decimal("180.47")  # 52.47 / 3 = 17.49 exactly
    assert AuditEntry.objects.filter(model="order", object_id=str(order.pk)).exists()
    with pytest.raises(ValidationError):
        services.create_order_from_contract(rep1, contract)


def test_terminating_voids_the_unpaid_instalments(rep1, manager, quote):
    contract = approved_contract(rep1, manager, quote)
    services.change_contract_status(rep1, contract, "terminate", reason="客户破产")
    assert list(contract.instalments.values_list("status", flat=True)) == [InstalmentStatus.VOID]


def test_a_transfer_moving_contracts_hands_over_the_open_ones(rep1, rep2, manager, quote):
    contract = services.accept_quote(rep1, quote)
    customers_transferred.send(
        sender=None,
        actor=manager,
        customer_ids=[contract.customer_id],
        from_user=rep1,
        to_user=rep2,
        move={"tasks"},
    )
    assert Contract.objects.get(pk=contract.pk).owner == rep1
    customers_transferred.send(
        sender=None,
        actor=manager,
        customer_ids=[contract.customer_id],
        from_user=rep1,
        to_user=rep2,
        move={"contracts"},
    )
    assert Contract.objects.get(pk=contract.pk).owner == rep2
    entry = AuditEntry.objects.filter(model="contract", action="assign").get()
    assert entry.actor == manager and entry.changes["owner_id"] == [rep1.pk, rep2.pk]


def test_instalment_status_rules():
    today = timezone.localdate()
    inst = Instalment(amount=Decimal("10"), received=Decimal("0"), due_date=today)
    assert collections.instalment_status(inst, today) == InstalmentStatus.PENDING
    inst.received = Decimal("4")
    assert collections.instalment_status(inst, today) == InstalmentStatus.PARTLY_PAID
    assert collections.instalment_status(inst, today + timedelta(days=1)) == "overdue"
    inst.received = Decimal("10")
    assert collections.instalment_status(inst, today + timedelta(days=1)) == "paid"


def test_a_customer_with_contracts_cannot_be_deleted(rep1, quote):
    from guanxi.customers.models import Customer
    from guanxi.customers.services import delete_customer

    services.accept_quote(rep1, quote)
    with pytest.raises(ValidationError):
        delete_customer(rep1, quote.customer)
    assert Customer.objects.filter(pk=quote.customer_id).exists()


def test_merging_moves_the_contracts_to_the_survivor_and_undo_moves_them_back(
    rep1, customer_of, quote
):
    from guanxi.customers.merging import merge_customers, undo_merge

    contract = services.accept_quote(rep1, quote)
    survivor = customer_of("rep1", name="茗香贸易（新）", kind="organisation")
    record = merge_customers(rep1, survivor, quote.customer)
    assert Contract.objects.get(pk=contract.pk).customer_id == survivor.pk
    undo_merge(rep1, record)
    assert Contract.objects.get(pk=contract.pk).customer_id == quote.customer_id


def test_once_submitted_only_an_approving_manager_changes_the_plan(rep1, manager, quote):
    contract = approved_contract(rep1, manager, quote)
    later = [{"due_date": timezone.localdate() + timedelta(days=3650), "amount": contract.amount}]
    with pytest.raises(PermissionDenied):
        collections.set_plan(rep1, contract, later)
    assert contract.instalments.get().due_date != later[0]["due_date"]
    collections.set_plan(manager, contract, later)
    assert contract.instalments.get().due_date == later[0]["due_date"]


def test_collections_list_only_what_contracts_in_force_owe(rep1, manager, quote, product, customer):
    from guanxi.contracts import queries

    draft = services.accept_quote(
        rep1, services.create_quote(rep1, customer, {}, [{"product": product}])
    )
    assert draft.instalments.exists()
    assert not queries.due_instalments(manager).filter(contract=draft).exists()
    contract = approved_contract(rep1, manager, quote)
    assert queries.due_instalments(manager).filter(contract=contract).exists()
