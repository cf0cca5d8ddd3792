"""The 360 page's scores panel in both languages, the loyalty type and the lost / won back
forms (htmx and plain posts), and who sees which form."""

import re

import pytest

from guanxi.customers.models import Customer
from guanxi.customers.services import share_customer

pytestmark = pytest.mark.django_db


def page(client, customer) -> str:
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_shows_every_score_with_its_explanation_and_action_in_english(
    client_for, customer_of, score_for
):
    # given a scored customer
    customer = customer_of("rep1", name="孙八")
    score_for(
        customer,
        churn_risk="medium",
        churn_reason="overdue",
        recency_days=250,
        recovery_priority=1,
        recovery_action="recover_at_all_costs",
    )

    # when rep1 opens the 360 page in English
    html = page(client_for("rep1"), customer)

    # then each score, its date and model, the actions and the quality criteria show
    assert "As of 2026-11-29 · model 2026.11-1" in html
    assert "Champions" in html and "R5 F4 M5" in html
    assert "ask for referrals and reviews" in html  # the segment's action
    assert "Key accounts: dedicated staff" in html  # ABC guidance for A
    assert "Stability" in html and "raise exit barriers" in html  # lifecycle strategy
    assert "78 / 100" in html and "Advocate" in html
    assert "True friends" in html and "keep them at all costs" in html
    assert "¥3,200.50" in html and "historical ¥5,400.00" in html
    assert "93%" in html and "1.4 purchases expected in 90 days" in html
    assert "Medium" in html and "no purchase for 250 days; usually buys every 100 days" in html
    assert "recover at all costs; senior contact now" in html  # recovery action
    assert "Good customer" in html and "84 / 100" in html
    assert "Strong purchasing power: monetary score 4 or 5" in html
    # the suggested loyalty type with the textbook's advice, emotional
    assert "Super-value loyalty" in html and "Emotional loyalty" in html
    assert "ask for referrals, involve them in new products" in html
    assert 'id="not-scored"' not in html


def test_the_panel_speaks_chinese(client_for, customer_of, score_for):
    customer = customer_of("rep1", name="孙八")
    score_for(customer, churn_risk="high", recovery_action="try_to_recover")

    html = page(client_for("rep1", "zh-hans"), customer)

    assert "冠军客户" in html and "关键客户：专人负责" in html
    assert "稳定期" in html and "挚友" in html and "拥护者" in html
    assert "普通客户：尽力挽回" in html
    assert "优质客户" in html
    assert "超值忠诚" in html and "情感忠诚" in html
    assert "评分" in html and "Champions" not in html
    # a Chinese colon after 建议, never "建议: "
    assert "<strong>建议：</strong>" in html and "建议:" not in html


@pytest.mark.parametrize(("language", "text"), [("en", "no orders yet"), ("zh-hans", "尚无订单")])
def test_a_customer_with_no_orders_says_so_not_r0_f0_m0(
    client_for, customer_of, score_for, language, text
):
    customer = customer_of("rep1")
    score_for(
        customer,
        recency_days=None,
        first_order_on=None,
        last_order_on=None,
        frequency=0,
        monetary=0,
        r=0,
        f=0,
        m=0,
        rfm_segment="",
    )

    html = page(client_for("rep1", language), customer)
    rfm = html.split('data-score="rfm"')[1].split("</div>")[0]

    assert text in rfm
    assert "R0 F0 M0" not in rfm and "— days" not in rfm and "days since" not in rfm


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_unscored_customer_says_so(client_for, customer_of, language):
    customer = customer_of("rep1")

    html = page(client_for("rep1", language), customer)

    assert 'id="not-scored"' in html
    assert ("Not scored yet" in html) == (language == "en")
    assert 'id="loyalty-type"' in html


def test_the_rep_sets_the_loyalty_type_in_place(client_for, customer_of, score_for, htmx):
    # given
    customer = customer_of("rep1")
    score_for(customer, loyalty_type_suggested="price")
    client = client_for("rep1")

    # when rep1 picks inertia loyalty with htmx
    response = client.post(
        f"/customers/{customer.pk}/loyalty-type/", {"loyalty_type": "inertia"}, **htmx
    )

    # then the panel comes back with the choice and its advice, both types shown
    html = response.content.decode()
    assert response.status_code == 200 and 'id="scores"' in html
    assert "Inertia loyalty" in html and "turn habit into preference" in html
    assert "Price loyalty" in html  # still shown as suggested
    assert "Loyalty type saved." in html  # the confirmation, out of band
    assert Customer.objects.get(pk=customer.pk).loyalty_type == "inertia"

    # and an unknown type is refused next to the field, nothing saved
    bad = client.post(f"/customers/{customer.pk}/loyalty-type/", {"loyalty_type": "x"}, **htmx)
    assert "Select a valid choice" in bad.content.decode()
    assert Customer.objects.get(pk=customer.pk).loyalty_type == "inertia"


def test_marking_lost_and_winning_back_from_the_page(client_for, customer_of, htmx):
    # given
    customer = customer_of("rep1")
    client = client_for("rep1")

    # when the reason is missing
    missing = client.post(f"/customers/{customer.pk}/lost/", {"reason": "", "note": "x"}, **htmx)
    # then the error shows in place and nothing changes
    assert "Choose why the customer was lost." in missing.content.decode()
    assert Customer.objects.get(pk=customer.pk).lost_at is None

    # when marked lost with a reason
    done = client.post(
        f"/customers/{customer.pk}/lost/", {"reason": "competitor", "note": "被挖走"}, **htmx
    )
    html = done.content.decode()
    assert 'id="lost-state"' in html and "Taken by a competitor" in html and "被挖走" in html
    assert "Marked lost." in html
    # the page and the list show it prominently
    assert 'id="lost-state"' in page(client, customer)
    listed = client.get("/customers/").content.decode()
    assert "lost-badge" in listed

    # when won back with a plain post
    back = client.post(f"/customers/{customer.pk}/win-back/", {"note": "回来了"})
    assert back.status_code == 302
    assert Customer.objects.get(pk=customer.pk).lost_at is None
    assert 'id="lost-state"' not in page(client, customer)


def test_a_plain_post_without_a_reason_shows_the_page_with_the_error(client_for, customer_of):
    customer = customer_of("rep1")

    response = client_for("rep1", "zh-hans").post(f"/customers/{customer.pk}/lost/", {})

    assert response.status_code == 400
    assert "流失" in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).lost_at is None


def test_who_sees_which_form(client_for, customer_of, personas):
    # given rep1's customer shared for writing with rep2
    customer = customer_of("rep1")
    share_customer(personas["rep1"], customer, personas["rep2"], access="write")

    owner = page(client_for("rep1"), customer)
    collaborator = page(client_for("rep2"), customer)
    viewer = page(client_for("viewer"), customer)

    assert 'id="mark-lost"' in owner and 'name="loyalty_type"' in owner
    # a write collaborator sets the loyalty type but does not mark lost
    assert 'id="mark-lost"' not in collaborator and 'name="loyalty_type"' in collaborator
    assert 'id="mark-lost"' not in viewer and 'name="loyalty_type"' not in viewer
    # and the routes refuse them
    refused = client_for("rep2").post(f"/customers/{customer.pk}/lost/", {"reason": "price"})
    assert refused.status_code == 403
    outsider = client_for("lead_a")  # lead_a covers rep1: allowed
    assert outsider.post(f"/customers/{customer.pk}/lost/", {"reason": "price"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).lost_reason == "price"


REASON_GROUPS = {
    "en": [
        (
            "Caused by our company",
            ["product", "price", "service", "company_turmoil", "staff_leaving"],
        ),
        (
            "Caused by the customer",
            ["low_switching_cost", "weak_trust", "changed_needs", "trying_new"],
        ),
        ("Caused by a competitor", ["competitor"]),
        ("Natural churn", ["own_circumstances"]),
    ],
    "zh-hans": [
        ("企业自身原因", ["product", "price", "service", "company_turmoil", "staff_leaving"]),
        ("客户自身原因", ["low_switching_cost", "weak_trust", "changed_needs", "trying_new"]),
        ("竞争对手原因", ["competitor"]),
        ("自然流失", ["own_circumstances"]),
    ],
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_reason_picker_groups_the_reasons_by_who_caused_the_loss(
    client_for, customer_of, language
):
    import re

    customer = customer_of("rep1", name="孙八")

    html = page(client_for("rep1", language), customer)

    picker = re.search(r'<select id="id_lost_reason".*?</select>', html, re.S).group(0)
    groups = [
        (label, re.findall(r'<option value="(\w+)"', body))
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', picker, re.S)
    ]
    assert groups == REASON_GROUPS[language]
    assert picker.count('<option value=""') == 1  # "choose a reason" first, outside the groups
    assert "Price" in picker if language == "en" else "价格" in picker


def test_a_grouped_reason_is_kept_when_the_form_comes_back_with_an_error(
    client_for, customer_of, htmx
):
    customer = customer_of("rep1", name="孙八")
    response = client_for("rep1").post(
        f"/customers/{customer.pk}/lost/", {"reason": "competitor", "note": "\x00"}, **htmx
    )
    html = response.content.decode()
    assert '<option value="competitor" selected>' in html
    customer.refresh_from_db()
    assert customer.lost_at is None


def _timeline(html: str) -> list[tuple[str, str]]:
    """(kind, text) of each timeline item, newest first, tags and spaces squeezed."""
    import re

    part = html.split('<div id="timeline">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r'<li class="[^"]*" data-kind="(\w+)">(.*?)</li>', part, re.S)
    return [(kind, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for kind, body in items]


TIMELINE_WORDS = {
    "en": {
        "won_back": ["Won back", "张伟", "Lost for: Price", "价格谈妥，回来了"],
        "lost_changed": ["Reason for the loss corrected", "李组长", "Price", "其实是价格"],
        "lost": ["Marked lost", "张伟", "Taken by a competitor", "被对手挖走"],
    },
    "zh-hans": {
        "won_back": ["已挽回", "张伟", "此前流失原因：价格", "价格谈妥，回来了"],
        "lost_changed": ["流失原因已更正", "李组长", "价格", "其实是价格"],
        "lost": ["已标记为流失", "张伟", "竞争对手抢夺", "被对手挖走"],
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_losing_and_winning_back_show_on_the_timeline(client_for, customer_of, personas, language):
    from guanxi.customers import retention

    # given rep1's customer marked lost, the reason corrected by the lead, then won back
    customer = customer_of("rep1", name="钱七")
    retention.mark_lost(personas["rep1"], customer, "competitor", "被对手挖走")
    retention.mark_lost(personas["lead_a"], customer, "price", "其实是价格")
    retention.win_back(personas["rep1"], customer, "价格谈妥，回来了")

    # when the owner, a read-only colleague and the manager open the 360 page
    readers = ("rep1", "viewer", "manager", "lead_a")
    seen = {who: _timeline(page(client_for(who, language), customer)) for who in readers}

    # then who, what, the reason and the note of each step show, newest first
    words = TIMELINE_WORDS[language]
    for who in readers:
        steps = [(kind, text) for kind, text in seen[who] if kind in words]
        assert [kind for kind, _text in steps] == ["won_back", "lost_changed", "lost"], who
        for kind, text in steps:
            for word in words[kind]:
                assert word in text, (who, kind, word)
    # the manager's audit rows do not repeat them ("created" is the only change left)
    assert [kind for kind, _text in seen["manager"]].count("audit") == 1
    # the rest of the trail stays the managers'; outside the scope, no page at all
    assert "audit" not in [kind for kind, _text in seen["rep1"]]
    assert client_for("rep2").get(f"/customers/{customer.pk}/").status_code == 404


def test_the_loyalty_picker_marks_the_type_the_rep_chose(client_for, customer_of):
    """The picker's options are joined in Python (guanxi_ui.options): the chosen type is the
    one selected, and only it; with none, none is (the first, "as suggested", shows)."""
    from guanxi.customers.models import LoyaltyType

    chosen = customer_of("rep1", name="周九")
    Customer.objects.filter(pk=chosen.pk).update(loyalty_type="inertia")
    plain = customer_of("rep1", name="吴十")
    client = client_for("rep1")
    for customer, selected in ((chosen, ["inertia"]), (plain, [])):
        html = client.get(f"/customers/{customer.pk}/").content.decode()
        picker = re.search(r'<select id="id_loyalty_type".*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="(\w*)" selected>', picker) == selected
        assert picker.count("<option ") == 1 + len(LoyaltyType.choices)  # and "as suggested"


def test_a_lost_customers_scores_say_they_do_not_know_of_the_loss(
    client_for, customer_of, score_for, rep1
):
    """A new-user review: a customer marked lost still read "keep them at all costs" beside
    the Lost banner, with nothing to say the scores predate the loss."""
    from guanxi.customers.retention import mark_lost

    customer = customer_of("rep1", name="孙八")
    score_for(customer, churn_risk="medium", recovery_action="recover_at_all_costs")
    assert 'id="scores-despite-loss"' not in page(client_for("rep1"), customer)
    mark_lost(rep1, customer, "price")
    html = page(client_for("rep1"), customer)
    assert 'id="scores-despite-loss"' in html and "do not take the loss into account" in html
    zh = page(client_for("rep1", "zh-hans"), customer)
    assert "未考虑流失" in zh
