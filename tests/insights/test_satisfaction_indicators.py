"""The satisfaction indicators dashboard (DOMAIN.md §5): NPS and reputation from the surveys'
likelihood-to-recommend answers, mean ratings, repeat rate, sales power and complaint rate per
month, over the user's scope only.

NPS = % promoters (9–10) − % detractors (0–6) (Reichheld, "The One Number You Need to Grow",
Harvard Business Review, December 2003); the figures below are worked out by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.insights import data
from guanxi.sales.models import Order
from guanxi.service.models import Case
from guanxi.surveys.models import Answer, Invitation, Question, Response, Survey

from .factory import make_run, score
from .test_dashboards import charts, client_for

pytestmark = pytest.mark.django_db

_first = timezone.localdate().replace(day=1)
LAST_MONTH = timezone.make_aware(
    datetime.combine((_first - timedelta(days=1)).replace(day=1), datetime.min.time())
)
LABEL = LAST_MONTH.strftime("%Y-%m")


def _order(customer, number, total, status="completed"):
    return Order.objects.create(
        customer=customer,
        number=number,
        ordered_at=LAST_MONTH + timedelta(days=3),
        status=status,
        total=Decimal(total),
    )


@pytest.fixture
def world(customer_of, personas):
    run = make_run()
    old = customer_of("rep1", name="老客户")  # first bought years ago: returning
    new = customer_of("rep1", name="新客户")  # first purchase last month: new
    quiet = customer_of("rep1", name="没买的")
    other = customer_of("rep2", name="乙队客户")
    score(old, run, first_order_on=date(2020, 1, 5))
    score(new, run, first_order_on=LAST_MONTH.date() + timedelta(days=3))
    score(quiet, run, first_order_on=date(2020, 1, 5))
    score(other, run, first_order_on=date(2020, 1, 5))
    _order(old, "SO-1", "300")
    _order(new, "SO-2", "100")
    _order(new, "SO-3", "999", status="cancelled")  # no purchase
    _order(other, "SO-4", "5000")
    # two surveys: the old customer answers both (one invitation per customer and survey)
    surveys = []
    for title in ("春季满意度", "秋季满意度"):
        survey = Survey.objects.create(title=title, kind="nps", status="open")
        surveys.append(
            (
                survey,
                Question.objects.create(survey=survey, order=1, kind="nps", text="推荐"),
                Question.objects.create(survey=survey, order=2, kind="rating", text="满意"),
            )
        )
    # team A: 10, 9, 7, 3 -> 2 promoters, 1 passive, 1 detractor: NPS 25, reputation 50 %
    answered = [(old, 10, 5), (new, 9, 4), (quiet, 7, 3), (old, 3, 2), (other, 0, 1)]
    for i, (customer, value, rating) in enumerate(answered):
        survey, nps_q, rating_q = surveys[1 if i == 3 else 0]
        invitation = Invitation.objects.create(
            survey=survey, customer=customer, token_hash=f"h{i}", sent_at=LAST_MONTH
        )
        response = Response.objects.create(
            survey=survey,
            invitation=invitation,
            customer=customer,
            submitted_at=LAST_MONTH + timedelta(days=5),
        )
        Answer.objects.create(response=response, question=nps_q, value=value)
        Answer.objects.create(response=response, question=rating_q, value=rating)
    for customer, satisfied in [(quiet, 4), (other, 1)]:
        Case.objects.create(
            customer=customer,
            channel="hotline",
            cause="quality",
            subject="投诉",
            opened_at=LAST_MONTH + timedelta(days=6),
            sla_due_at=LAST_MONTH + timedelta(days=7),
            followed_up_at=LAST_MONTH + timedelta(days=9),
            satisfaction_score=satisfied,
        )
    return run


def _row(board):
    table = next(t for t in board["tables"] if t["name"] == "indicators")
    return dict(zip(table["headers"], next(r for r in table["rows"] if r[0] == LABEL), strict=True))


def test_the_indicators_of_team_a_by_hand(world, personas):
    from django.utils import translation

    with translation.override("en"):
        row = _row(data.satisfaction(personas["rep1"], world))
    assert row["NPS answers"] == 4
    assert row["NPS"] == 25.0  # 50 % promoters − 25 % detractors
    assert row["Reputation (promoters, share of answers) %"] == 50.0
    assert row["Mean survey rating (1–5)"] == 3.5  # (5 + 4 + 3 + 2) / 4
    assert row["Mean follow-up satisfaction (1–5)"] == 4.0  # team B's 1 is not counted
    assert row["Buyers"] == 2  # the cancelled order is no purchase
    assert row["Repeat rate %"] == 50.0  # the old customer of the two buyers
    assert row["Sales power (returning buyers' share of revenue) %"] == 75.0  # 300 / 400
    assert row["Customers who complained"] == 1
    assert row["Complaint rate (per 100 customers)"] == pytest.approx(33.3)  # 1 of 3


def test_the_company_sees_both_teams(world, personas):
    from django.utils import translation

    with translation.override("en"):
        row = _row(data.satisfaction(personas["manager"], world))
    assert (row["NPS answers"], row["NPS"]) == (5, 0.0)  # 2 promoters, 2 detractors of 5
    assert row["Repeat rate %"] == pytest.approx(66.7)
    assert row["Complaint rate (per 100 customers)"] == 50.0  # 2 of 4


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_page_draws_three_charts_in_both_languages(world, lang):
    response = client_for("rep1", lang).get("/analytics/satisfaction/")
    assert response.status_code == 200
    specs = charts(response)
    assert len(specs) == 3
    nps_chart = specs[0]
    month = nps_chart["categories"].index(LABEL)
    assert [s["data"][month] for s in nps_chart["series"]] == [2, 1, 1]
    assert nps_chart["line"]["data"][month] == 25.0
    assert "/cases/silent/" in response.content.decode()
    title = "满意度指标" if lang == "zh-hans" else "Satisfaction indicators"
    assert title in response.content.decode()


def test_the_table_shows_one_precision_per_column(world):
    # per cent columns one decimal (25.0, not 25; 33.3, not 33.30), mean ratings two, counts none
    html = client_for("rep1").get("/analytics/satisfaction/").content.decode()
    table = html[html.index('data-table="indicators"') :].split("</table>")[0]
    cells = (
        "<td>4</td><td>25.0</td><td>50.0</td><td>3.50</td><td>4.00</td><td>2</td>"
        "<td>50.0</td><td>75.0</td><td>1</td><td>33.3</td>"
    )
    assert f"<td>{LABEL}</td>{cells}" in table, table
