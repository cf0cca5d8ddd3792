"""Importing orders with numbers another team's orders have: the import reveals nothing
outside the importer's scope (hostile review, issue 7, Trust).

Pages and the API take no order number (the system gives one). An import keeps the numbers of
the system it comes from, and asks sales.check_order_number: a number taken by an order the
importer cannot see is refused exactly like a free number in the system's own format (which
only the system gives), so the answer cannot tell the two apart; a taken number the importer
can see is named and skipped."""

import dataclasses

import pytest
from django.utils import translation

from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_orders
from guanxi.sales import services as sales
from guanxi.sales.models import Order


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


REFUSED = "This order number cannot be used; leave it empty and the system gives one."


def orders_file(number: str, external_id: str = "B1"):
    content = (
        "订单号,客户外部编号,下单时间,商品编码,数量,单价\n"
        f"{number},{external_id},2024-03-05,TEA-001,2,100\n"
    )
    return read_table(content.encode("utf-8"), "o.csv")


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_another_teams_order_number_is_answered_like_any_unusable_number(
    skip_invalid, customer_of, product, rep1, rep2
):
    # given an order of team A imported with its own number, and a system number of team A
    theirs = sales.create_order(
        rep1, customer_of("rep1"), {"number": "EXT-0042"}, [{"product": product}]
    )
    system = sales.create_order(rep1, customer_of("rep1", name="乙"), {}, [{"product": product}])
    customer_of("rep2", name="丙", external_id="B1")
    before = sorted(Order.objects.values_list("pk", "number", "customer_id"))

    # when rep2 (team B) imports onto each of them, and onto a system-format number nobody has
    answers = {
        number: dataclasses.asdict(
            import_orders(rep2, orders_file(number), skip_invalid=skip_invalid)
        )
        for number in (theirs.number, system.number, "SO20260101-ZZZZZZZZ")
    }

    # then the three answers are the same, word for word: nothing says the number exists
    assert len({repr(a) for a in answers.values()}) == 1
    told = answers[theirs.number]
    assert [(e["row"], e["column"], e["message"]) for e in told["errors"]] == [
        (2, "订单号", REFUSED)
    ]
    assert (told["notes"], told["skipped"], told["created"], told["rejected"]) == ([], 0, 0, 1)
    assert "EXT-0042" not in repr(told)
    assert sorted(Order.objects.values_list("pk", "number", "customer_id")) == before


def test_a_taken_number_the_importer_can_see_is_named_and_skipped(customer_of, product, rep1):
    customer_of("rep1", name="甲", external_id="B1")
    sales.create_order(rep1, customer_of("rep1"), {"number": "EXT-0042"}, [{"product": product}])

    result = import_orders(rep1, orders_file("EXT-0042"))

    assert (result.skipped, result.created, result.errors) == (1, 0, [])
    assert [n.message for n in result.notes] == ["Skipped: order EXT-0042 already exists."]


def test_a_free_number_of_the_other_system_is_imported(customer_of, product, rep2):
    customer_of("rep2", name="丙", external_id="B1")

    result = import_orders(rep2, orders_file("EXT-0043"))

    assert (result.created, result.errors) == (1, [])
    assert Order.objects.get().number == "EXT-0043"


def test_numbers_of_orders_out_of_reach_spend_the_budget_and_past_it_the_file_is_refused(
    settings, customer_of, product, rep1, rep2
):
    """Still, each such refusal told that a number is taken (a second hostile review swept
    ERP-style numbers): it spends a 查重 check, and past the budget the whole file is refused
    with one error and no order's answer."""
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    for n in range(3):
        sales.create_order(
            rep1, customer_of("rep1", name=f"甲{n}"), {"number": f"ERP-{n}"}, [{"product": product}]
        )
    customer_of("rep2", name="丙", external_id="B1")
    rows = "".join(f"ERP-{n},B1,2024-03-05,TEA-001,2,100\n" for n in range(3))
    content = "订单号,客户外部编号,下单时间,商品编码,数量,单价\n" + rows

    result = import_orders(rep2, read_table(content.encode("utf-8"), "o.csv"))

    assert not result.committed and result.notes == []
    assert [e.message for e in result.errors] == [
        "More rows of this file match records outside your scope than your duplicate checks "
        "allow (2 a minute); nothing was imported. Ask your manager to import it."
    ]
    assert Order.objects.filter(customer__owner=rep2).count() == 0
