"""The board's column headers add up what the cards show, per currency: the accepted
contracts' total where a card shows one ("Contracted"), the estimate otherwise; never one
currency's sign over several (new-user review: "25% · 4 · ¥462,000.00" counted a contracted
card's old ¥65,000 estimate next to its USD contract).

Given, in the first stage (Opening, 10 %): an opportunity estimated at ¥300,000.00 with no
contract, one estimated at ¥65,000.00 with an approved contract of 10 × ¥128.00 = ¥1,280.00,
and one estimated at ¥97,000.00 with an approved USD contract of 10 × 114.66 = USD 1,146.60."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanxi.contracts import services as contracts
from guanxi.pipeline import views
from guanxi.pipeline.queries import money_totals

USD = "USD\u00a0"  # format_money's no-break space between a code and the figures


def _approved(personas, opportunity, product, price=None, currency="CNY"):
    rep, manager = personas["rep1"], personas["manager"]
    line = {"product": product, "quantity": 10}
    if price is not None:
        line["unit_price"] = str(price)
    quote = contracts.create_quote(rep, opportunity.customer, {"opportunity": opportunity}, [line])
    contract = contracts.accept_quote(rep, quote)
    if currency != "CNY":
        contracts.update_contract(rep, contract, {"currency": currency})
    contracts.change_contract_status(rep, contract, "submit")
    return contracts.change_contract_status(manager, contract, "approve")


def _head(board: str, stage) -> str:
    start = board.index(f'data-stage="{stage.pk}"')
    start = board.index('<span class="muted">', start)
    return board[start + len('<span class="muted">') : board.index("</span>", start)]


@pytest.fixture
def three_cards(open_opportunity, personas, product):
    estimated = open_opportunity(name="只有预估", amount="300000")
    in_yuan = open_opportunity(name="人民币合同", amount="65000")
    _approved(personas, in_yuan, product)
    in_dollars = open_opportunity(name="美元合同", amount="97000")
    _approved(personas, in_dollars, product, price=Decimal("114.66"), currency="USD")
    return estimated, in_yuan, in_dollars


def test_the_header_adds_up_the_cards_per_currency(client_for, stages, three_cards):
    with translation.override("en"):
        board = client_for("rep1").get("/pipeline/").content.decode()

    assert "¥1,280.00 <span" in board and f"{USD}1,146.60 <span" in board  # the cards
    assert _head(board, stages["opening"]) == f"10% · 3 · ¥301,280.00 + {USD}1,146.60"
    assert _head(board, stages["needs"]) == "25% · 0"


def test_a_longer_column_counts_the_contracts_of_its_hidden_cards(
    client_for, stages, three_cards, open_opportunity, monkeypatch
):
    """Two cards shown (the newest: ¥1,000.00 and the USD contract), "and 2 more": the hidden
    ones (the estimate and the yuan contract) are added up from the cached sums, the contract
    in place of its estimate."""
    open_opportunity(name="最新", amount="1000")
    monkeypatch.setattr(views, "CARDS_PER_STAGE", 2)

    with translation.override("en"):
        board = client_for("rep1").get("/pipeline/").content.decode()

    assert "and 2 more" in board and "人民币合同" not in board
    assert _head(board, stages["opening"]) == f"10% · 4 · ¥302,280.00 + {USD}1,146.60"


def test_a_contract_approved_after_a_view_changes_the_cached_totals(
    client_for, stages, open_opportunity, personas, product, monkeypatch
):
    contracted = open_opportunity(name="后签合同", amount="65000")
    open_opportunity(name="最新", amount="1000")
    monkeypatch.setattr(views, "CARDS_PER_STAGE", 1)
    client = client_for("rep1")
    with translation.override("en"):
        before = client.get("/pipeline/").content.decode()
        _approved(personas, contracted, product)
        after = client.get("/pipeline/").content.decode()

    assert _head(before, stages["opening"]) == "10% · 2 · ¥66,000.00"
    assert _head(after, stages["opening"]) == "10% · 2 · ¥2,280.00"


def test_the_board_asks_no_more_queries_for_contracted_cards(
    client_for, open_opportunity, personas, product
):
    client = client_for("rep1")
    open_opportunity(name="只有预估", amount="300000")
    client.get("/pipeline/")  # session and profile warmed up
    open_opportunity(name="再一个", amount="1000")  # the totals are recomputed below
    with CaptureQueriesContext(connection) as estimates_only:
        client.get("/pipeline/")
    in_yuan = open_opportunity(name="人民币合同", amount="65000")
    _approved(personas, in_yuan, product)
    in_dollars = open_opportunity(name="美元合同", amount="97000")
    _approved(personas, in_dollars, product, price=Decimal("114.66"), currency="USD")
    with CaptureQueriesContext(connection) as contracted:
        client.get("/pipeline/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/pipeline/")

    assert len(contracted) == len(estimates_only)
    assert len(cached) == len(contracted) - 1  # only the columns' counts come from the cache


def test_money_totals_per_currency_the_yuan_first():
    figures = [
        (Decimal("300000"), "CNY"),
        (Decimal("5"), "usd"),
        (None, "EUR"),
        (Decimal("1280"), ""),
        (Decimal("0"), "JPY"),
        (Decimal("1.5"), "EUR"),
    ]

    assert money_totals(figures) == [
        {"amount": Decimal("301280"), "currency": "CNY"},
        {"amount": Decimal("1.5"), "currency": "EUR"},
        {"amount": Decimal("5"), "currency": "USD"},
    ]
