"""The analysis settings page (/analytics/settings/): managers who see everyone; validation;
the preview of the distribution under candidate settings (the scoring's real dry run over a
tiny order book) next to the current one; saving audited, applying from the next run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEntry
from guanxi.scoring.models import AnalysisSettings, CustomerScore
from guanxi.segments import preview
from guanxi.segments.forms import group_weights, spread_weights

VALID = {
    "rfm_bins": "5",
    "abc_a_share": "0.7",
    "abc_b_share": "0.2",
    "weight_a1": "0.4",
    "weight_a2": "0.3",
    "weight_a3": "0.3",
    "high_loyalty": "50",
    "clv_horizon_months": "12",
    "clv_discount_rate": "0.01",
    "clv_margin": "1",
    "churn_high_p_alive": "0.3",
    "decline_after_days": "180",
    "stability_after_days": "365",
    "new_within_days": "90",
    "nightly_hour": "2",
}


def test_only_a_manager_who_sees_everyone_may_open_it(client_for, personas):
    for who in ("rep1", "lead_a", "viewer"):
        assert client_for(who).get("/analytics/settings/").status_code == 403
        assert (
            client_for(who).post("/analytics/settings/", {**VALID, "action": "save"}).status_code
            == 403
        )
    assert client_for("manager").get("/analytics/settings/").status_code == 200


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Analysis settings", "ABC: revenue share of class A", "Preview", "Save settings"]),
        ("zh-hans", ["分析设置", "ABC：A 类收入占比", "预览", "保存设置"]),
    ],
)
def test_the_page_in_both_languages(client_for, personas, language, words):
    text = client_for("manager", language).get("/analytics/settings/").content.decode()
    for word in words:
        assert word in text
    assert 'name="abc_a_share" value="0.7"' in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"abc_a_share": "0.8", "abc_b_share": "0.2"}, "abc_b_share", "below 1"),
        ({"weight_a1": "0.5"}, "weight_a3", "add up to 1 (now 1.100)"),
        ({"rfm_bins": "1"}, "rfm_bins", "greater than or equal to 2"),
        ({"nightly_hour": "24"}, "nightly_hour", "less than or equal to 23"),
        ({"clv_margin": "0"}, "clv_margin", "greater than or equal to 0.01"),
        ({"clv_margin": "1.5"}, "clv_margin", "less than or equal to 1"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(client_for, personas, change, field, message):
    response = client_for("manager").post(
        "/analytics/settings/", {**VALID, **change, "action": "save"}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not AuditEntry.objects.filter(model="analysissettings").exists()


def test_the_engine_refuses_what_it_cannot_use(client_for, personas):
    # the named RFM segments are defined on a 1-5 grid: the scoring's own check says so
    response = client_for("manager").post(
        "/analytics/settings/", {**VALID, "rfm_bins": "4", "action": "save"}
    )
    assert "5 bins" in " ".join(response.context["form"].non_field_errors())


def test_saving_is_audited_and_applies_from_the_next_run(client_for, personas):
    response = client_for("manager").post(
        "/analytics/settings/",
        {**VALID, "abc_a_share": "0.6", "weight_a1": "0.5", "weight_a3": "0.2", "action": "save"},
        follow=True,
    )
    assert "apply from the next scoring run" in response.content.decode()
    current = AnalysisSettings.current()
    assert current.abc_a_share == 0.6 and current.updated_by == personas["manager"]
    assert group_weights(current.loyalty_weights) == {"A1": 0.5, "A2": 0.3, "A3": 0.2}
    entry = AuditEntry.objects.get(model="analysissettings")
    assert entry.actor == personas["manager"] and entry.changes["abc_a_share"] == [0.7, 0.6]


def test_group_weights_spread_in_the_engines_proportions():
    # analytics.loyalty.DEFAULT_WEIGHTS: A1 = 0.15 + 0.15 + 0.10, A2 = 0.15 + 0.15, A3 = 4 x 0.075
    assert group_weights({}) == {"A1": 0.4, "A2": 0.3, "A3": 0.3}
    spread = spread_weights({"A1": 0.8, "A2": 0.1, "A3": 0.1})
    assert spread["A11"] == pytest.approx(0.3) and spread["A13"] == pytest.approx(0.2)
    assert spread["A31"] == pytest.approx(0.025) and sum(spread.values()) == pytest.approx(1)


def test_the_adapter_reads_the_scorings_answer_in_either_shape():
    rows = {"abc_tier": [{"code": "A", "count": 2}, {"code": "", "count": 1}]}
    assert preview.normalise(rows) == {"abc_tier": {"A": 2, "": 1}}
    nested = {"distribution": {"churn_risk": {"high": 3}}, "totals": {"customers": 3}}
    assert preview.normalise(nested) == {"churn_risk": {"high": 3}}
    assert preview.normalise(None) == {}


def test_without_the_scorings_preview_the_page_says_so(client_for, personas, monkeypatch):
    monkeypatch.setattr(preview, "_scoring_preview", lambda: None)
    response = client_for("manager").post("/analytics/settings/", {**VALID, "action": "preview"})
    assert "The preview is not available" in response.content.decode()
    assert AuditEntry.objects.filter(model="analysissettings").count() == 0


@pytest.fixture
def order_book(customer_of, product):
    """Ten customers, customer i with i orders of i x 100 (the last i days ago): a spread of
    revenue for ABC, of recency and frequency for RFM."""
    from guanxi.sales.models import Order
    from guanxi.sales.services import create_order

    now = timezone.now()
    for i in range(1, 11):
        customer = customer_of("rep1", name=f"客户{i}")
        for k in range(i):
            order = create_order(None, customer, {}, [{"product": product, "quantity": i}])
            Order.objects.filter(pk=order.pk).update(
                ordered_at=now - timedelta(days=i + 40 * k), total=Decimal(100 * i)
            )


def test_preview_shows_the_distribution_under_candidate_settings(
    transactional_db, client_for, order_book
):
    # committed data: on PostgreSQL the scoring reads the orders over its own connection
    from guanxi.scoring.services import run_scoring

    # given the current scores, computed with the default settings
    run_scoring("command")
    current_a = CustomerScore.objects.filter(abc_tier="A").count()

    # when the manager previews a much smaller class A share
    response = client_for("manager").post(
        "/analytics/settings/", {**VALID, "abc_a_share": "0.3", "action": "preview"}
    )

    # then both distributions are shown, each over the ten customers
    tables = {t["dimension"]: t for t in response.context["comparison"]}
    abc = {row["code"]: row for row in tables["abc_tier"]["rows"]}
    assert response.context["previewed"]
    assert abc["A"]["current"] == current_a
    assert abc["A"]["candidate"] < current_a  # fewer customers make up 30 % than 70 %
    assert sum(r["current"] for r in abc.values()) == 10
    assert sum(r["candidate"] for r in abc.values()) == 10
    assert "With these settings" in response.content.decode()
    # and nothing was saved: the settings and the scores are as they were
    assert AnalysisSettings.current().abc_a_share == 0.7
    assert CustomerScore.objects.filter(abc_tier="A").count() == current_a


def test_a_second_preview_while_one_runs_is_refused_with_a_message():
    from django.core.cache import cache

    from guanxi.scoring.services import PREVIEW_LOCK
    from guanxi.segments import preview

    cache.add(PREVIEW_LOCK, 1, timeout=60)  # a preview under way
    try:
        with pytest.raises(preview.PreviewFailed, match="Another preview"):
            preview.preview({})
    finally:
        cache.delete(PREVIEW_LOCK)
