"""The board's cards and the list's rows show an open opportunity's accepted contracts'
total (what winning it would record), marked "Contracted", instead of its estimate; one query
for the whole board or page, however many cards.

Given opportunities estimated at 5,000.00 CNY and contracts of n × 128.00 CNY (the product's
price) made from quotes for them."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanxi.contracts import services
from guanxi.contracts.queries import accepted_deal, accepted_deals
from guanxi.pipeline.services import win_opportunity
from guanxi.sales.services import MAX_MONEY


def _contract(rep, opportunity, product, quantity=10, currency="CNY", price=None):
    line = {"product": product, "quantity": quantity}
    if price is not None:
        line["unit_price"] = str(price)
    quote = services.create_quote(rep, opportunity.customer, {"opportunity": opportunity}, [line])
    contract = services.accept_quote(rep, quote)
    if currency != "CNY":
        services.update_contract(rep, contract, {"currency": currency})
    return contract


def _approved(rep, manager, opportunity, product, **kwargs):
    contract = _contract(rep, opportunity, product, **kwargs)
    services.change_contract_status(rep, contract, "submit")
    return services.change_contract_status(manager, contract, "approve")


def _card(board: str, opportunity) -> str:
    start = board.index(f'id="card-{opportunity.pk}"')
    return board[start : board.index("</li>", start)]


def test_a_card_with_approved_contracts_shows_their_total(
    client_for, open_opportunity, personas, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    contracted = open_opportunity(amount="5000")
    _approved(rep1, manager, contracted, product, quantity=10)
    _approved(rep1, manager, contracted, product, quantity=1)  # 1,280.00 + 128.00
    estimated = open_opportunity(name="仅有预估", amount="5000")

    with translation.override("en"):
        board = client_for("rep1").get("/pipeline/").content.decode()

    card = _card(board, contracted)
    assert "¥1,408.00" in card and ">Contracted</span>" in card and "5,000" not in card
    other = _card(board, estimated)
    assert "¥5,000.00" in other and "Contracted" not in other


def test_drafts_pending_and_several_currencies_keep_the_estimate(
    client_for, open_opportunity, personas, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    drafted = open_opportunity(name="草稿合同", amount="5000")
    _contract(rep1, drafted, product)
    pending = open_opportunity(name="待审合同", amount="5000")
    services.change_contract_status(rep1, _contract(rep1, pending, product), "submit")
    mixed = open_opportunity(name="两种币种", amount="5000")
    _approved(rep1, manager, mixed, product)
    _approved(rep1, manager, mixed, product, currency="USD")

    with translation.override("en"):
        board = client_for("rep1").get("/pipeline/").content.decode()

    for opportunity in (drafted, pending, mixed):
        card = _card(board, opportunity)
        assert "¥5,000.00" in card and "Contracted" not in card


def test_the_list_shows_the_contracted_total_of_open_rows_only(
    client_for, open_opportunity, personas, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    contracted = open_opportunity(name="已签单", amount="5000")
    _approved(rep1, manager, contracted, product, quantity=10)
    won = open_opportunity(name="已赢单", amount="5000")
    _approved(rep1, manager, won, product, quantity=2)
    win_opportunity(rep1, won.pk)  # won at 256.00: the recorded amount, shown as it is
    _approved(rep1, manager, won, product, quantity=1)  # a later contract changes nothing

    with translation.override("en"):
        page = client_for("rep1").get("/pipeline/list/").content.decode()

    rows = {
        name: page[page.index(name) : page.index("</tr>", page.index(name))]
        for name in ("已签单", "已赢单")
    }
    assert "¥1,280.00" in rows["已签单"] and ">Contracted</span>" in rows["已签单"]
    assert "¥256.00" in rows["已赢单"] and "Contracted" not in rows["已赢单"]


def test_the_label_in_chinese(client_for, open_opportunity, personas, product):
    opportunity = open_opportunity(amount="5000")
    _approved(personas["rep1"], personas["manager"], opportunity, product)

    board = client_for("rep1", "zh-hans").get("/pipeline/").content.decode()

    assert ">已签合同</span>" in _card(board, opportunity)


def test_another_teams_rep_sees_neither_the_card_nor_its_total(
    client_for, open_opportunity, personas, product
):
    opportunity = open_opportunity(amount="5000")
    _approved(personas["rep1"], personas["manager"], opportunity, product, quantity=7)

    board = client_for("rep2").get("/pipeline/").content.decode()
    listed = client_for("rep2").get("/pipeline/list/").content.decode()

    assert f'id="card-{opportunity.pk}"' not in board
    assert "896" not in board and "896" not in listed  # 7 × 128.00


def test_the_board_asks_one_query_for_all_the_cards_deals(
    client_for, open_opportunity, personas, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    client = client_for("rep1")
    first = open_opportunity(amount="5000")
    _approved(rep1, manager, first, product)
    client.get("/pipeline/")  # session, profile and the columns' totals warmed up
    with CaptureQueriesContext(connection) as one:
        client.get("/pipeline/")
    for n in range(3):
        _approved(rep1, manager, open_opportunity(name=f"机会{n}", amount="5000"), product)
    client.get("/pipeline/")  # the columns' totals recomputed once after the changes
    with CaptureQueriesContext(connection) as four:
        board = client.get("/pipeline/").content.decode()

    assert board.count(">Contracted</span>") == 4
    assert len(four) == len(one)
    on_contracts = [q for q in four.captured_queries if "contracts_contract" in q["sql"]]
    assert len(on_contracts) == 1


def test_the_list_asks_the_same_queries_for_more_rows(
    client_for, open_opportunity, personas, product
):
    rep1, manager = personas["rep1"], personas["manager"]
    client = client_for("rep1")
    _approved(rep1, manager, open_opportunity(amount="5000"), product)
    client.get("/pipeline/list/")
    with CaptureQueriesContext(connection) as one:
        client.get("/pipeline/list/")
    for n in range(3):
        _approved(rep1, manager, open_opportunity(name=f"机会{n}", amount="5000"), product)
    with CaptureQueriesContext(connection) as four:
        client.get("/pipeline/list/")
    assert len(four) == len(one)


def test_many_at_once_agrees_with_one_at_a_time(open_opportunity, personas, product):
    """accepted_deals (the board) and accepted_deal (what winning records) give the same
    figure: none, one currency, several, beyond what an amount holds."""
    rep1, manager = personas["rep1"], personas["manager"]
    none = open_opportunity(name="无合同")
    one = open_opportunity(name="一份")
    _approved(rep1, manager, one, product, quantity=3)
    two = open_opportunity(name="两份")
    _approved(rep1, manager, two, product, quantity=3)
    _approved(rep1, manager, two, product, quantity=1)
    mixed = open_opportunity(name="两种币种")
    _approved(rep1, manager, mixed, product)
    _approved(rep1, manager, mixed, product, currency="USD")
    huge = open_opportunity(name="超大")
    for _ in range(2):
        _approved(rep1, manager, huge, product, quantity=1, price=MAX_MONEY)

    many = accepted_deals([o.pk for o in (none, one, two, mixed, huge)])

    assert many == {
        one.pk: {"amount": Decimal("384.00"), "currency": "CNY"},
        two.pk: {"amount": Decimal("512.00"), "currency": "CNY"},
    }
    for o in (none, one, two, mixed, huge):
        deal = accepted_deal(o)
        expected = None if deal is None else {k: deal[k] for k in ("amount", "currency")}
        assert many.get(o.pk) == expected
