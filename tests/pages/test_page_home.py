"""The home dashboard at `/` (issue 9 item 1): a manager's indicators of their scope with the
change against the previous period, a rep's day (tasks, reminders, customers at risk with the
reason and the recommended action, birthdays and anniversaries), in both languages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.activities.models import Task, TaskKind
from guanxi.customers.models import Customer
from guanxi.sales.models import Order
from guanxi.scoring.models import CustomerScore, RunStatus, RunTrigger, ScoringRun
from guanxi.workspace.home import (
    Periods,
    at_risk,
    compute_indicators,
    indicator_cards,
    next_occurrence,
    upcoming_dates,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 20)  # a Friday; last month (February 2026) has 28 days


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


_numbers = iter(range(1, 10_000))


def order(customer, day: dt.date, total: str, status: str = "completed", hour: int = 12):
    return Order.objects.create(
        customer=customer,
        number=f"T-{next(_numbers)}",
        ordered_at=at(day, hour),
        status=status,
        total=Decimal(total),
        owner=customer.owner,
    )


def scored(customer, run, **fields):
    fields.setdefault("as_of", run.as_of)
    fields.setdefault("model_version", run.model_version)
    return CustomerScore.objects.create(customer=customer, run=run, **fields)


@pytest.fixture
def run(db):
    return ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger=RunTrigger.COMMAND, as_of=TODAY
    )


# The manager's figures ---------------------------------------------------------------------


@pytest.fixture
def sales(customer_of, run):
    """Team A (rep1, under lead_a) and team B (rep2): hand-made orders around TODAY."""
    a1 = customer_of("rep1", name="甲一")
    a2 = customer_of("rep1", name="甲二")
    a3 = customer_of("rep1", name="甲三")
    b1 = customer_of("rep2", name="乙一")
    # a1: twice in the last 90 days (repeat), once in the 90 before
    order(a1, TODAY, "100.00")
    order(a1, TODAY - dt.timedelta(days=10), "50.00")  # 10 March: this month
    order(a1, TODAY - dt.timedelta(days=120), "70.00")  # previous 90 days
    # a2: in the window only through a cancelled and a refunded order -> not active
    order(a2, TODAY - dt.timedelta(days=2), "999.00", status="cancelled")
    order(a2, TODAY - dt.timedelta(days=3), "888.00", status="refunded")
    # a2: twice in February (in the last 90 days), twice in the 90 days before
    order(a2, dt.date(2026, 2, 5), "30.00")  # February, within the same days (1-20)
    order(a2, dt.date(2026, 2, 25), "400.00")  # February, after the 20th: not compared
    order(a2, TODAY - dt.timedelta(days=100), "20.00")
    order(a2, TODAY - dt.timedelta(days=150), "20.00")
    # a3: once, at 00:30 Shanghai time on 1 March (still 28 February in UTC)
    order(a3, dt.date(2026, 3, 1), "10.00", hour=0)
    # team B: what team A's lead must never see
    order(b1, TODAY, "5000.00")
    order(b1, TODAY - dt.timedelta(days=1), "5000.00")
    scored(a1, run, churn_risk="low", abc_tier="A")
    scored(a2, run, churn_risk="high", abc_tier="B", churn_reason="long_inactive")
    scored(a3, run, churn_risk="high", abc_tier="C")
    scored(b1, run, churn_risk="high", abc_tier="A")
    # created this month / in February's same days / later in February
    Customer.objects.filter(pk__in=[a1.pk, a2.pk]).update(created_at=at(dt.date(2026, 3, 2)))
    Customer.objects.filter(pk=a3.pk).update(created_at=at(dt.date(2026, 2, 10)))
    Customer.objects.filter(pk=b1.pk).update(created_at=at(dt.date(2026, 3, 5)))
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


def test_periods_compare_the_same_days_of_last_month():
    p = Periods.of(dt.date(2026, 3, 31))
    assert (p.month_from, p.prev_month_from, p.prev_month_to) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),  # not 3 March
    )
    p = Periods.of(dt.date(2026, 1, 15))
    assert (p.prev_month_from, p.prev_month_to) == (dt.date(2025, 12, 1), dt.date(2025, 12, 15))
    assert (p.active_from, p.prev_active_from) == (dt.date(2025, 10, 18), dt.date(2025, 7, 20))


def test_periods_cut_last_months_same_day_at_the_time_reached():
    p = Periods.of(dt.date(2026, 3, 1), dt.time(9, 0))
    assert (p.prev_month_from, p.prev_month_to) == (dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    assert p.prev_month_end == at(dt.date(2026, 2, 1), hour=9)
    # a day that is over counts whole; so does a shorter last month, to its end
    assert Periods.of(dt.date(2026, 3, 1)).prev_month_end == at(dt.date(2026, 2, 2), hour=0)
    p = Periods.of(dt.date(2026, 3, 30), dt.time(9, 0))
    assert (p.prev_month_to, p.prev_month_to_time) == (dt.date(2026, 2, 28), None)
    assert p.prev_month_end == at(dt.date(2026, 3, 1), hour=0)


def test_periods_cut_the_90_days_before_at_the_time_reached():
    p = Periods.of(TODAY, dt.time(9, 0))
    assert (p.prev_active_from, p.prev_active_to) == (dt.date(2025, 9, 22), dt.date(2025, 12, 20))
    assert p.prev_active_end == at(dt.date(2025, 12, 20), hour=9)
    # a day that is over counts whole: the 90 days before end where the window starts
    assert Periods.of(TODAY).prev_active_end == at(dt.date(2025, 12, 21), hour=0)


def test_the_last_90_days_so_far_meet_the_90_before_to_the_same_time(personas, customer_of):
    """At 09:00 on 20 March the window runs from 21 December to now: 89 days and nine hours.
    The 90 days before are cut at 09:00 on their last day (20 December), so an 08:00 buyer that
    day counts and a 15:00 one does not: against whole 90 days, both 90-day cards read low
    every day until midnight. The cards say which days they cover."""
    from django.template.loader import render_to_string
    from django.utils import translation

    lead = personas["lead_a"]
    early, late, today = (customer_of("rep1", name=n) for n in ("早客", "晚客", "今早"))
    order(early, dt.date(2025, 12, 20), "10.00", hour=8)
    order(late, dt.date(2025, 12, 20), "10.00", hour=15)
    order(late, dt.date(2025, 12, 10), "10.00")  # twice in the 90 days before, all day long
    order(today, TODAY, "10.00", hour=8)
    now = timezone.make_aware(dt.datetime(2026, 3, 20, 9, 0))

    figures = compute_indicators(lead, now=now)
    cards = indicator_cards(lead, figures)

    assert figures["active"] == (1, 2)  # 今早; 早客 and 晚客 (its 10 December order)
    assert figures["repeat_rate"] == (0.0, 0.0)  # 晚客's second order came after 09:00
    # the same day given as over (a later now): whole days on both sides
    later = compute_indicators(lead, TODAY, now=now + dt.timedelta(days=1))
    assert later["active"] == (1, 2) and later["repeat_rate"] == (0.0, 50.0)
    context = {"kpi": cards, "run": None, "refresh_minutes": 10}
    with translation.override("en"):
        html = render_to_string("workspace/_indicators.html", context)
    before = "the 90 days before, to the same time (2025-09-22 – 2025-12-20 09:00): "
    assert f"ordered since 2025-12-21; {before}2<" in html
    assert f"twice or more since 2025-12-21; {before}0.0%<" in html
    with translation.override("zh-hans"):
        html = render_to_string("workspace/_indicators.html", context)
    before = "此前 90 天同期（2025-09-22 – 2025-12-20 09:00）："
    assert f"2025-12-21 以来下过单；{before}2<" in html
    assert f"2025-12-21 以来下单两次及以上的活跃客户占比；{before}0.0%<" in html
    with translation.override("en"):
        html = render_to_string(
            "workspace/_indicators.html", {**context, "kpi": indicator_cards(lead, later)}
        )
    assert "ordered 2025-12-21 – 2026-03-20; the 90 days before (2025-09-22 – 2025-12-20): " in (
        html
    )


@pytest.fixture
def first_of_february(customer_of):
    """Two customers of rep1's created and buying on 1 February, at 08:00 and at 15:00."""
    for name, hour, total in (("早客", 8, "100.00"), ("晚客", 15, "200.00")):
        customer = customer_of("rep1", name=name)
        Customer.objects.filter(pk=customer.pk).update(created_at=at(dt.date(2026, 2, 1), hour))
        order(customer, dt.date(2026, 2, 1), total, hour=hour)


def test_just_after_midnight_on_the_1st_there_is_no_change_to_show(personas, first_of_february):
    """At 00:10 on 1 March the month had ten minutes: compared with 1 February's whole day it
    read −100% for new customers and revenue. Compared with 00:00–00:10 on 1 February there is
    nothing on either side, so no percentage."""
    from django.template.loader import render_to_string
    from django.utils import translation

    lead = personas["lead_a"]
    now = timezone.make_aware(dt.datetime(2026, 3, 1, 0, 10))

    figures = compute_indicators(lead, now=now)
    cards = indicator_cards(lead, figures)

    assert figures["new"] == (0, 0) and figures["revenue"] == ("0.00", "0.00")
    assert cards["new"]["change"] is None and cards["revenue"]["change"] is None
    with translation.override("en"):
        html = render_to_string(
            "workspace/_indicators.html", {"kpi": cards, "run": None, "refresh_minutes": 10}
        )
    assert "100.0%" not in html
    assert html.count("same time last month (2026-02-01 – 2026-02-01 00:10): ") == 2
    with translation.override("zh-hans"):
        html = render_to_string(
            "workspace/_indicators.html", {"kpi": cards, "run": None, "refresh_minutes": 10}
        )
    assert html.count("上月同期（2026-02-01 – 2026-02-01 00:10）：") == 2


def test_the_month_so_far_meets_last_month_to_the_same_time(
    personas, customer_of, first_of_february
):
    """At 09:00 on 1 March: this morning's customer and order against 1 February's until 09:00
    (the 08:00 ones), not its whole day (which held the 15:00 ones too)."""
    lead = personas["lead_a"]
    morning = customer_of("rep1", name="今早")
    Customer.objects.filter(pk=morning.pk).update(created_at=at(dt.date(2026, 3, 1), 8))
    order(morning, dt.date(2026, 3, 1), "50.00", hour=8)
    now = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0))

    figures = compute_indicators(lead, now=now)
    cards = indicator_cards(lead, figures)

    assert figures["new"] == (1, 1) and figures["revenue"] == ("50.00", "100.00")
    # nine hours are too few to compare (Periods.month_too_early): the figures, no change
    assert cards["new"]["change"] is None and cards["new"]["too_early"]
    assert cards["revenue"]["change"] is None and cards["revenue"]["too_early"]
    # the same day given as over (a later now): whole days on both sides, and compared
    later = compute_indicators(lead, dt.date(2026, 3, 1), now=now + dt.timedelta(days=1))
    assert later["new"] == (1, 2) and later["revenue"] == ("50.00", "300.00")
    later_cards = indicator_cards(lead, later)
    assert not later_cards["new"]["too_early"]
    assert later_cards["new"]["change"] == pytest.approx(-50.0)
    assert later_cards["revenue"]["change"] == pytest.approx(-250 / 3)


def _month_cards(html: str) -> str:
    """The two "this month" cards of the rendered indicators."""
    return "".join(re.findall(r'id="kpi-(?:new|revenue)".*?</a>', html, flags=re.S))


@pytest.mark.parametrize(
    ("when", "early", "figures", "shown"),
    [
        # 00:10 on the 1st: ten minutes against ten minutes, nothing on either side
        (dt.datetime(2026, 3, 1, 0, 10), True, ((0, 0), ("0.00", "0.00")), ()),
        # 18:00 on the 1st: nothing yet against 1 February's 08:00 and 15:00 (the review's
        # "−100.0%" in red)
        (dt.datetime(2026, 3, 1, 18, 0), True, ((0, 2), ("0.00", "300.00")), ()),
        # 09:00 on the 2nd: a day and nine hours, enough to compare
        (
            dt.datetime(2026, 3, 2, 9, 0),
            False,
            ((1, 2), ("50.00", "300.00")),
            ("-50.0%", "-83.3%"),
        ),
    ],
)
@pytest.mark.parametrize(
    ("language", "note", "last_month"),
    [
        ("en", "too early in the month to compare", "same time last month (2026-02-01 – "),
        ("zh-hans", "本月刚开始，暂不比较", "上月同期（2026-02-01 – "),
    ],
)
def test_no_change_is_shown_while_the_month_is_under_a_day_old(
    personas,
    customer_of,
    first_of_february,
    when,
    early,
    figures,
    shown,
    language,
    note,
    last_month,
):
    """On the 1st the month's cards compare a few hours with the same hours of 1 February:
    "−100.0%" at 18:00 alarmed users. Under a full day they show both figures and a muted
    note instead of a change; from the 2nd the change is back."""
    from django.template.loader import render_to_string
    from django.utils import translation

    lead = personas["lead_a"]
    if not early:  # a customer and an order of 1 March, 08:00
        morning = customer_of("rep1", name="今早")
        Customer.objects.filter(pk=morning.pk).update(created_at=at(dt.date(2026, 3, 1), 8))
        order(morning, dt.date(2026, 3, 1), "50.00", hour=8)
    now = timezone.make_aware(when)

    computed = compute_indicators(lead, now=now)
    cards = indicator_cards(lead, computed)
    with translation.override(language):
        html = render_to_string(
            "workspace/_indicators.html", {"kpi": cards, "run": None, "refresh_minutes": 10}
        )
    month = _month_cards(html)

    assert (computed["new"], computed["revenue"]) == figures
    assert (cards["new"]["too_early"], cards["revenue"]["too_early"]) == (early, early)
    assert month.count(last_month) == 2  # both figures are still shown
    assert f">{figures[0][0]}</strong>" in month  # this month's new customers
    assert re.search(rf"\d{{2}}:\d{{2}}[)）][:：] ?{figures[0][1]}</small>", month)  # last month's
    if early:
        assert month.count(note) == 2
        assert "kpi-change" not in month and "%" not in month
    else:
        assert note not in html
        for change in shown:
            assert change in month


def test_lead_sees_the_figures_of_their_team_only(personas, sales):
    # when team A's lead computes the figures
    figures = compute_indicators(personas["lead_a"], TODAY)

    # then only a1..a3 count: all three active in the last 90 days (a1 and a2 twice), a1
    # and a2 in the 90 before (a2 twice)
    assert figures["active"] == (3, 2)
    assert figures["repeat_rate"] == (66.7, 50.0)
    # revenue 1-20 March: 100 + 50 + 10 (cancelled and refunded excluded); 1-20 Feb: 30
    assert figures["revenue"] == ("160.00", "30.00")
    # a part of the 100.00 given back: revenue is net of it
    Order.objects.filter(customer=sales["a1"], total=Decimal("100.00")).update(
        refunded_total=Decimal("25.00")
    )
    assert compute_indicators(personas["lead_a"], TODAY)["revenue"] == ("135.00", "30.00")
    # new: a1, a2 this month; a3 in February's first 20 days
    assert figures["new"] == (2, 1)
    assert figures["scores"] == {
        "scored": 3,
        "churn_high": 2,
        "tier_a": 1,
        "tier_b": 1,
        "tier_c": 1,
    }


def test_manager_sees_every_team(personas, sales):
    figures = compute_indicators(personas["manager"], TODAY)

    assert figures["active"] == (4, 2)
    assert figures["repeat_rate"] == (75.0, 50.0)
    assert figures["revenue"] == ("10160.00", "30.00")
    assert figures["new"] == (3, 1)
    assert figures["scores"]["churn_high"] == 3 and figures["scores"]["tier_a"] == 2


def test_cards_link_to_the_rows_behind_each_figure(personas, sales):
    lead = personas["lead_a"]
    cards = indicator_cards(lead, compute_indicators(lead, TODAY))

    assert cards["active"]["url"] == "/customers/?last_order_from=2025-12-21"
    assert cards["repeat_rate"]["url"] == "/customers/?last_order_from=2025-12-21&min_purchases=2"
    assert cards["new"]["url"] == "/customers/?created_from=2026-03-01&created_to=2026-03-20"
    assert (
        cards["revenue"]["url"]
        == "/sales/orders/?ordered_from=2026-03-01&ordered_to=2026-03-20&purchases=1"
    )
    assert cards["churn_high"]["url"] == "/customers/?churn_risk=high"
    assert [t["url"] for t in cards["tiers"]] == [f"/customers/?abc_tier={tier}" for tier in "ABC"]
    # the change against the previous period, in percent
    assert cards["revenue"]["change"] == pytest.approx((160 - 30) / 30 * 100)
    assert cards["new"]["change"] == pytest.approx(100.0)
    assert cards["active"]["change"] == pytest.approx(50.0)
    assert cards["repeat_rate"]["change"] == pytest.approx(16.7)


def _listed(client, url: str):
    """The rows the list page behind a card shows: its count and the records."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "tasks" in context:  # the task inbox
        return context["count"], context["tasks"]
    rows = context["orders"] if "orders" in context else context["customers"]
    return context["count"].n, rows


@pytest.mark.parametrize("who", ["lead_a", "manager", "viewer"])
def test_each_card_counts_what_the_list_behind_it_shows(client_for, personas, sales, who):
    """The review's 519 against 532: the home counted purchases, the list every order. Both
    now ask sales' one definition, so a customer whose only orders in the window were
    cancelled or refunded is neither active on the card nor in the list."""
    a4 = Customer.objects.create(name="甲四", owner=personas["rep1"])
    a4.department = personas["rep1"].profile.department
    a4.save()
    order(a4, TODAY - dt.timedelta(days=5), "60.00", status="cancelled")
    order(a4, TODAY - dt.timedelta(days=6), "60.00", status="refunded")
    order(a4, TODAY - dt.timedelta(days=7), "60.00")  # one purchase: active, no repeat buyer
    order(a4, TODAY - dt.timedelta(days=200), "60.00")
    a5 = Customer.objects.create(name="甲五", owner=personas["rep1"])
    a5.department = personas["rep1"].profile.department
    a5.save()
    order(a5, TODAY - dt.timedelta(days=4), "70.00", status="cancelled")  # no purchase at all
    order(a5, TODAY - dt.timedelta(days=9), "70.00", status="refunded")
    past = timezone.now() - dt.timedelta(days=2)
    Task.objects.create(customer=sales["a1"], title="回访", due_at=past, assignee=personas["rep1"])
    user, client = personas[who], client_for(who)

    figures = compute_indicators(user, TODAY)
    cards = indicator_cards(user, figures)

    active_n, active_rows = _listed(client, cards["active"]["url"])
    assert active_n == cards["active"]["value"] and active_n > 0
    assert a5.pk not in {c.pk for c in active_rows} and a4.pk in {c.pk for c in active_rows}
    # the repeat buyers the rate counts: twice or more in the 90 days (a4 once, a5 never)
    repeat_n, repeat_rows = _listed(client, cards["repeat_rate"]["url"])
    team_b = {"乙一"} if who == "manager" else set()
    assert {c.name for c in repeat_rows} == {"甲一", "甲二"} | team_b
    assert cards["repeat_rate"]["value"] == round(repeat_n / active_n * 100, 1)
    assert _listed(client, cards["new"]["url"])[0] == cards["new"]["value"]
    assert _listed(client, cards["churn_high"]["url"])[0] == cards["churn_high"]["value"]
    for tier in cards["tiers"]:
        assert _listed(client, tier["url"])[0] == tier["n"]
    _, orders = _listed(client, cards["revenue"]["url"])
    assert sum(o.total for o in orders) == cards["revenue"]["value"]
    assert cards["overdue"], "an overdue task of the scope"
    for row in cards["overdue"]:
        assert _listed(client, row["url"])[0] == row["n"]


def test_overdue_tasks_of_the_scope_per_assignee(personas, sales):
    lead, rep1, rep2 = personas["lead_a"], personas["rep1"], personas["rep2"]
    past = timezone.now() - dt.timedelta(days=2)
    for customer, assignee in [(sales["a1"], rep1), (sales["a2"], rep1), (sales["b1"], rep2)]:
        Task.objects.create(customer=customer, title="回访", due_at=past, assignee=assignee)
    Task.objects.create(
        customer=sales["a1"], title="done", due_at=past, assignee=rep1, done_at=timezone.now()
    )

    cards = indicator_cards(lead, compute_indicators(lead, TODAY))

    assert cards["overdue_total"] == 2
    assert [(row["user"], row["n"]) for row in cards["overdue"]] == [(rep1, 2)]
    assert cards["overdue"][0]["url"] == f"/tasks/?assignee={rep1.pk}&overdue=1"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Key indicators of your scope", "Active customers", "Repeat-purchase rate"]),
        ("zh-hans", ["您的范围内的关键指标", "活跃客户", "复购率"]),
    ],
)
def test_manager_page_in_both_languages(client_for, personas, sales, language, words):
    # given figures in the thousands, for the locale's grouping
    order(sales["b1"], timezone.localdate(), "1234567.50")

    client = client_for("manager", language)

    # when the page is opened: it comes at once, the figures follow (htmx, on load)
    first = client.get("/").content.decode()
    fragment = client.get("/home/indicators/", HTTP_HX_REQUEST="true").content.decode()
    html = client.get("/").content.decode()  # within INDICATORS_TTL: inline, no second trip

    assert 'hx-get="/home/indicators/"' in first and 'id="kpi-active"' not in first
    assert 'id="kpi-active"' in fragment and "<html" not in fragment
    assert 'hx-get="/home/indicators/"' not in html
    for word in words:
        assert word in html
    assert "?churn_risk=high" in html and "?abc_tier=A" in html
    # a tier's link holds its badge and count with no space between them to underline
    # (a new user's review saw "A ̲5̲8̲6"): the gap is CSS
    tier_links = re.findall(r'<a href="/customers/\?abc_tier=[ABC]">(.*?)</a>', html)
    assert tier_links and all(
        re.fullmatch(r"<span[^>]*>[ABC]</span><span[^>]*>[\d,]+</span>", a) for a in tier_links
    ), tier_links
    assert "?last_order_from=" in html and "?created_from=" in html
    assert re.search(r"¥1,23\d,\d{3}\.\d\d", html), "money grouped for the locale"
    assert 'aria-current="page"' in html and 'href="/" class="brand"' in html


def test_rep_never_sees_the_indicators(client_for, sales):
    assert client_for("rep1").get("/home/indicators/").status_code == 404
    html = client_for("rep1").get("/").content.decode()
    assert "Key indicators" not in html and "kpi-grid" not in html
    assert "My customers at risk of churning" in html


# The rep's day -----------------------------------------------------------------------------


def test_rep_sees_today_tasks_reminders_and_at_risk_customers(
    client_for, personas, customer_of, run
):
    rep1, rep2 = personas["rep1"], personas["rep2"]
    mine = customer_of("rep1", name="王大客户")
    theirs = customer_of("rep2", name="乙方机密客户")
    now = timezone.now()
    tomorrow_local = timezone.localdate() + dt.timedelta(days=2)
    Task.objects.create(
        customer=mine, title="逾期回访", due_at=now - dt.timedelta(days=1), assignee=rep1
    )
    Task.objects.create(title="个人待办", due_at=now + dt.timedelta(minutes=1), assignee=rep1)
    Task.objects.create(
        customer=mine,
        kind=TaskKind.BIRTHDAY,
        title="生日提醒 王大客户",
        due_at=at(tomorrow_local, 9),
        remind_at=now - dt.timedelta(hours=1),
        assignee=rep1,
    )
    Task.objects.create(title="下周的事", due_at=now + dt.timedelta(days=7), assignee=rep1)
    Task.objects.create(customer=theirs, title="乙方任务", due_at=now, assignee=rep2)
    scored(
        mine,
        run,
        churn_risk="high",
        churn_reason="overdue",
        recency_days=120,
        frequency=5,
        first_order_on=dt.date(2025, 1, 1),
        last_order_on=dt.date(2025, 5, 1),
        recovery_action="recover_at_all_costs",
        recovery_priority=1,
        rfm_segment="cannot_lose",
        r=1,
    )
    scored(theirs, run, churn_risk="high", churn_reason="long_inactive", recency_days=300, r=1)

    en = client_for("rep1").get("/").content.decode()
    zh = client_for("rep1", "zh-hans").get("/").content.decode()

    assert "逾期回访" in en and "个人待办" in en and "生日提醒 王大客户" in en
    assert "下周的事" not in en and "乙方" not in en and "乙方" not in zh
    # (1 May - 1 Jan 2025) / 4 purchases = 30 days between purchases
    assert "no purchase for 120 days; usually buys every 30 days" in en
    assert "Key customer: recover at all costs" in en
    assert "已 120 天未购买，通常每 30 天购买一次" in zh
    assert "关键客户：不惜一切代价挽回" in zh
    assert f"/customers/?owner={rep1.pk}&amp;churn_risk=high" in en


def test_without_scores_the_page_says_so_and_links_scoring(client_for, customer_of):
    customer_of("rep1")
    en = client_for("rep1").get("/").content.decode()
    zh = client_for("rep1", "zh-hans").get("/").content.decode()
    assert 'id="no-scores"' in en and 'href="/analytics/scoring/"' in en
    assert "No scores have been computed yet" in en and "尚未计算评分" in zh


def test_manager_without_scores_sees_the_same_notice(client_for, personas):
    html = client_for("manager").get("/home/indicators/").content.decode()  # a page, no htmx
    assert "<html" in html and "Active customers" in html
    assert 'href="/analytics/scoring/"' in html and 'id="kpi-churn"' not in html


def test_birthdays_and_anniversaries_across_the_year_end(personas, customer_of):
    rep1 = personas["rep1"]
    customer_of("rep1", name="元旦生日", birthday=dt.date(1990, 1, 3))
    customer_of("rep1", name="昨天生日", birthday=dt.date(1985, 12, 24))
    customer_of("rep1", name="圣诞纪念", anniversary=dt.date(2015, 12, 25))
    customer_of("rep1", name="太远了", birthday=dt.date(1980, 1, 8))
    customer_of("rep1", name="请勿打扰", birthday=dt.date(1980, 1, 1), do_not_contact=True)
    customer_of("rep2", name="别人的客户", birthday=dt.date(1990, 1, 2))

    rows = upcoming_dates(rep1, dt.date(2026, 12, 25))

    assert [(r["customer"].name, r["on"], r["in_days"], r["kind"]) for r in rows] == [
        ("圣诞纪念", dt.date(2026, 12, 25), 0, "anniversary"),
        ("元旦生日", dt.date(2027, 1, 3), 9, "birthday"),
    ]


def test_29_february_birthdays():
    leap = dt.date(2000, 2, 29)
    assert next_occurrence(leap, dt.date(2027, 2, 20)) == dt.date(2027, 2, 28)
    assert next_occurrence(leap, dt.date(2028, 2, 27)) == dt.date(2028, 2, 29)
    assert next_occurrence(leap, dt.date(2027, 3, 1)) == dt.date(2028, 2, 29)


def test_29_february_birthday_is_listed_on_28_february(personas, customer_of):
    customer_of("rep1", name="闰日", birthday=dt.date(2000, 2, 29))
    rows = upcoming_dates(personas["rep1"], dt.date(2027, 2, 20))
    assert [(r["customer"].name, r["on"]) for r in rows] == [("闰日", dt.date(2027, 2, 28))]


def test_birthdays_on_the_page(client_for, customer_of):
    today = timezone.localdate()
    customer_of("rep1", name="快生日了", birthday=(today + dt.timedelta(days=3)).replace(year=1992))
    html = client_for("rep1").get("/").content.decode()
    assert "快生日了" in html and "in 3 days" in html


def test_29_february_birthday_is_listed_in_a_leap_year(personas, customer_of):
    customer_of("rep1", name="闰日", birthday=dt.date(2000, 2, 29))
    rows = upcoming_dates(personas["rep1"], dt.date(2028, 2, 20))
    assert [(r["customer"].name, r["on"]) for r in rows] == [("闰日", dt.date(2028, 2, 29))]


def test_many_birthdays_show_the_first_and_how_many_more(client_for, customer_of):
    today = timezone.localdate()
    for n in range(33):
        customer_of("rep1", name=f"客户{n:02d}", birthday=today.replace(year=1992))
    html = client_for("rep1").get("/").content.decode()
    assert "客户00" in html and "客户29" in html and "客户30" not in html
    assert "and 3 more" in html


@pytest.mark.django_db(transaction=True)  # the transfer's on_commit moves the generation
def test_at_risk_count_is_cached_per_run_and_follows_a_transfer(personas, customer_of, run):
    from guanxi.customers.services import assign_owner

    rep1 = personas["rep1"]
    customers = [customer_of("rep1", name=f"风险客户{i}") for i in range(3)]
    for c in customers:
        scored(c, run, churn_risk="high", churn_reason="overdue", r=1)

    assert at_risk(rep1, limit=2)["count"] == 3
    assign_owner(personas["manager"], customers[0], personas["rep2"])
    assert at_risk(rep1, limit=2)["count"] == 2  # not the cached 3
    scored(customer_of("rep1", name="新风险客户"), run, churn_risk="high", r=1)
    assert at_risk(rep1, limit=2)["count"] == 2  # same run, same customer set: the cache
    newer = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger=RunTrigger.COMMAND, as_of=run.as_of
    )
    assert at_risk(rep1, limit=2, run=newer)["count"] == 3
