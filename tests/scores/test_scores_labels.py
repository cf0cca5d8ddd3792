"""What a new user reads beside the scores: why P(alive) is 100 % for a customer without a
repeat purchase (the 360 panel's one line, with recency), and the ABC tier (computed from
revenue) told apart from the customer level the rep sets, on the panel and on the list's
badges and filters, in both languages."""

import re
from datetime import timedelta
from html import unescape

import pytest

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


def panel_row(client, customer, key: str) -> str:
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    return html.split(f'data-score="{key}"')[1].split("</div>")[0]


def one_time_buyer(customer_of, score_for, **fields):
    customer = customer_of("rep1", name="单次")
    score_for(
        customer,
        frequency=1,
        recency_days=400,
        first_order_on=AS_OF - timedelta(days=400),
        last_order_on=AS_OF - timedelta(days=400),
        p_alive=1.0,
        **fields,
    )
    return customer


def test_p_alive_of_a_one_time_buyer_is_explained_with_recency(client_for, customer_of, score_for):
    customer = one_time_buyer(customer_of, score_for)
    row = panel_row(client_for("rep1"), customer, "p_alive")
    assert "100%" in row
    # Jinja2 (the panel) escapes the apostrophe as &#39;, Django's templates as &#x27;
    assert "No repeat purchase yet" in row and "100 % by the model's construction" in unescape(row)
    assert "Read it together with the 400 days since the last order" in row
    assert "the churn risk uses recency for this customer" in row
    zh = panel_row(client_for("rep1", "zh-hans"), customer, "p_alive")
    assert "尚无重复购买" in zh and "距上次下单已 400 天" in zh


def test_orders_on_one_day_count_as_no_repeat_purchase(client_for, customer_of, score_for):
    # two orders on the same day: one purchase day for BG/NBD (x = 0)
    customer = one_time_buyer(customer_of, score_for)
    type(customer.score).objects.filter(customer=customer).update(frequency=2)
    assert "No repeat purchase yet" in panel_row(client_for("rep1"), customer, "p_alive")


def test_a_repeat_buyers_p_alive_keeps_the_usual_line(client_for, customer_of, score_for):
    customer = customer_of("rep1")
    score_for(customer)  # six orders over 500 days
    row = panel_row(client_for("rep1"), customer, "p_alive")
    assert "No repeat purchase" not in row
    assert "The probability that the customer still buys from us" in row


def test_the_panels_abc_tier_says_by_revenue_not_the_customer_level(
    client_for, customer_of, score_for
):
    customer = customer_of("rep1", level="C")
    score_for(customer, abc_tier="A")
    row = panel_row(client_for("rep1"), customer, "abc")
    assert "<dt>ABC tier (by revenue)</dt>" in row
    assert "Not the customer level, which the rep sets on the record." in row
    zh = panel_row(client_for("rep1", "zh-hans"), customer, "abc")
    assert "<dt>ABC 分类（按收入）</dt>" in zh and "不是销售人员在档案上设置的客户等级" in zh
    # the pyramid level beside the tier is named: "A · 中等客户" read as one grade
    type(customer.score).objects.filter(customer=customer).update(pyramid_level="medium")
    zh = panel_row(client_for("rep1", "zh-hans"), customer, "abc")
    assert "金字塔：中等客户" in zh


@pytest.mark.parametrize(
    ("language", "title", "text", "label"),
    [
        ("en", "ABC tier (by revenue): A", "Revenue A", "ABC tier (by revenue)"),
        ("zh-hans", "ABC 分类（按收入）：A", "收入A", "ABC 分类（按收入）"),
    ],
)
def test_the_lists_tier_badge_and_filter_say_what_they_are(
    client_for, customer_of, score_for, language, title, text, label
):
    """The badge's own text says what it is too (a new user's review: a bare "A" beside the
    customer level "C 非优先客户" read as a second level)."""
    score_for(customer_of("rep1", name="甲", level="C"), abc_tier="A")
    html = client_for("rep1", language).get("/customers/").content.decode()
    badge = re.search(rf'<span class="badge level-A"[^>]*>{re.escape(text)}</span>', html)[0]
    assert f'title="{title}"' in badge and f'aria-label="{title}"' in badge
    assert f'<label for="id_abc_tier">{label}</label>' in html
