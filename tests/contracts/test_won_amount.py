"""The amount an opportunity is won at: its accepted contracts' (approved, active, completed),
not the estimate; and activating a contract wins its opportunity when still open.

Given an opportunity estimated at 5,000.00 CNY and a contract of 10 × 128.00 = 1,280.00 CNY
made from a quote for it."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.contracts import services
from guanxi.pipeline.models import Opportunity, Status
from guanxi.pipeline.services import (
    create_opportunity,
    ensure_default_stages,
    lose_opportunity,
    win_opportunity,
)


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def opportunity(rep1, customer_of, db):
    ensure_default_stages(None)
    customer = customer_of("rep1", name="华茂贸易")
    return create_opportunity(rep1, customer.pk, {"name": "年度茶礼", "amount": "5000"})


def _contract(rep1, opportunity, product, quantity=10, currency="CNY"):
    quote = services.create_quote(
        rep1,
        opportunity.customer,
        {"opportunity": opportunity},
        [{"product": product, "quantity": quantity}],
    )
    contract = services.accept_quote(rep1, quote)
    if currency != "CNY":
        services.update_contract(rep1, contract, {"currency": currency})
    return contract


def _approved(rep1, manager, opportunity, product, **kwargs):
    contract = _contract(rep1, opportunity, product, **kwargs)
    services.change_contract_status(rep1, contract, "submit")
    return services.change_contract_status(manager, contract, "approve")


def _won_entry(opportunity) -> dict:
    entry = AuditEntry.objects.filter(model="opportunity", object_id=str(opportunity.pk)).latest(
        "id"
    )
    return entry.changes


def test_won_at_the_approved_contracts_amount_not_the_estimate(rep1, manager, opportunity, product):
    contract = _approved(rep1, manager, opportunity, product)
    won = win_opportunity(rep1, opportunity.pk, amount="9999")  # a typed figure gives way
    assert (won.status, won.amount, won.currency) == (Status.WON, Decimal("1280.00"), "CNY")
    changes = _won_entry(opportunity)
    assert changes["won_with_contracts"] == [None, [contract.number]]
    assert changes["amount"][1] == "1280.00"


def test_several_accepted_contracts_add_up(rep1, manager, opportunity, product):
    _approved(rep1, manager, opportunity, product, quantity=10)
    _approved(rep1, manager, opportunity, product, quantity=1)
    assert win_opportunity(rep1, opportunity.pk).amount == Decimal("1408.00")


def test_drafts_pending_and_terminated_contracts_do_not_decide(rep1, manager, opportunity, product):
    _contract(rep1, opportunity, product)  # a draft
    pending = _contract(rep1, opportunity, product, quantity=2)
    services.change_contract_status(rep1, pending, "submit")
    ended = _approved(rep1, manager, opportunity, product, quantity=3)
    services.change_contract_status(rep1, ended, "terminate", reason="客户取消")
    won = win_opportunity(rep1, opportunity.pk, amount="4800")
    assert won.amount == Decimal("4800.00")
    assert "won_with_contracts" not in _won_entry(opportunity)


def test_contracts_in_several_currencies_leave_the_estimate(rep1, manager, opportunity, product):
    _approved(rep1, manager, opportunity, product)
    _approved(rep1, manager, opportunity, product, currency="USD")
    assert win_opportunity(rep1, opportunity.pk).amount == Decimal("5000.00")


def test_activating_the_contract_wins_its_open_opportunity(rep1, manager, opportunity, product):
    contract = _approved(rep1, manager, opportunity, product)
    activated = services.change_contract_status(rep1, contract, "activate")
    opportunity.refresh_from_db()
    assert activated.won_opportunity == opportunity
    assert (opportunity.status, opportunity.amount) == (Status.WON, Decimal("1280.00"))
    assert opportunity.won_at is not None and opportunity.probability == 100
    assert AuditEntry.objects.filter(
        model="opportunity", object_id=str(opportunity.pk), actor=rep1
    ).exists()


def test_activating_leaves_a_closed_opportunity_as_it_is(rep1, manager, opportunity, product):
    contract = _approved(rep1, manager, opportunity, product)
    lose_opportunity(rep1, opportunity.pk, "price")
    version = Opportunity.objects.get(pk=opportunity.pk).version
    activated = services.change_contract_status(rep1, contract, "activate")
    opportunity.refresh_from_db()
    assert activated.won_opportunity is None
    assert (opportunity.status, opportunity.amount, opportunity.version) == (
        Status.LOST,
        Decimal("5000.00"),
        version,
    )


def test_a_contract_without_an_opportunity_activates_alone(rep1, manager, customer_of, product):
    quote = services.create_quote(rep1, customer_of("rep1"), {}, [{"product": product}])
    contract = services.accept_quote(rep1, quote)
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    assert services.change_contract_status(rep1, contract, "activate").won_opportunity is None


def test_the_pages_say_so(rep1, manager, opportunity, product):
    contract = _approved(rep1, manager, opportunity, product)
    rep = login(rep1)
    with translation.override("en"):
        detail = rep.get(f"/pipeline/{opportunity.pk}/").content.decode()
        assert "Won at ¥1,280.00, the amount of its accepted contracts." in detail
        assert 'name="amount"' not in detail  # nothing to type
        response = rep.post(
            f"/contracts/{contract.pk}/action/", {"action": "activate"}, follow=True
        )
    page = response.content.decode()
    assert "Opportunity “年度茶礼” won at ¥1,280.00, the contracts&#x27; amount." in page
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.WON


def test_accepted_contracts_adding_up_beyond_an_amount_leave_the_estimate(
    rep1, manager, opportunity, product
):
    """Hostile review: two contracts at the largest price each added up to more than an
    opportunity's amount holds, and the pipeline pages answered 500 for everyone."""
    from guanxi.contracts.queries import accepted_deal
    from guanxi.sales.services import MAX_MONEY

    for _ in range(2):
        quote = services.create_quote(
            rep1,
            opportunity.customer,
            {"opportunity": opportunity},
            [{"product": product, "quantity": 1, "unit_price": str(MAX_MONEY)}],
        )
        contract = services.accept_quote(rep1, quote)
        services.change_contract_status(rep1, contract, "submit")
        services.change_contract_status(manager, contract, "approve")
    assert accepted_deal(opportunity) is None
    services.change_contract_status(rep1, contract, "activate")
    opportunity.refresh_from_db()
    assert opportunity.status == Status.WON and opportunity.amount == Decimal("5000")
    assert login(rep1).get(f"/pipeline/{opportunity.pk}/").status_code == 200
