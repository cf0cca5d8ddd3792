"""The look-alike model on synthetic customers where one trait truly predicts loyalty."""

import random

import pytest
from django.utils import translation

from guanxi.leads import lookalike
from guanxi.leads.features import describe, traits


def synthetic(n=2000, seed=7):
    """Customers from referrals are loyal with probability 0.6, all others 0.05: the source
    alone separates them (the Bayes-optimal AUC here is about 0.9)."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        source = rng.choice(["referral", "advertising", "walk_in", "exhibition"])
        city = rng.choice(["杭州", "上海", "北京", "广州"])
        loyal = rng.random() < (0.6 if source == "referral" else 0.05)
        rows.append(traits(source=source, city=city, kind="person", category="consumer"))
        labels.append(int(loyal))
    return rows, labels


def test_a_trait_that_truly_predicts_gives_an_auc_above_0_8_and_is_the_top_reason():
    # given
    rows, labels = synthetic()

    # when
    fit = lookalike.fit(rows, labels)
    probability, reasons = lookalike.predict(
        traits(source="referral", city="上海", kind="person", category="consumer"),
        fit.intercept,
        fit.coefficients,
    )
    low, _ = lookalike.predict(
        traits(source="walk_in", city="上海", kind="person", category="consumer"),
        fit.intercept,
        fit.coefficients,
    )

    # then
    assert fit.auc > 0.8
    assert fit.test_size == 500 and fit.train_size == 1500  # 25 per cent held back
    assert reasons[0]["feature"] == "source=referral"
    assert probability > 0.4 > 0.1 > low
    with translation.override("en"):
        assert describe("source=referral") == "Source: Referral"
    with translation.override("zh-hans"):
        assert describe("source=referral") == "来源：转介绍"


def test_too_few_positives_train_no_model():
    rows, labels = synthetic(n=200)
    labels = [1 if i < 29 else 0 for i in range(len(labels))]
    fit = lookalike.fit(rows, labels)
    assert fit.too_few and fit.auc is None and fit.coefficients == {}


@pytest.mark.django_db
def test_training_on_customers_scores_open_leads(personas, customer_of, lead_of):
    # given 40 referred customers in tier A and 60 walk-ins without scores
    from django.utils import timezone

    from guanxi.scoring.models import CustomerScore, RunStatus, RunTrigger, ScoringRun

    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger=RunTrigger.COMMAND, as_of=timezone.localdate()
    )
    for i in range(40):
        c = customer_of("rep1", name=f"甲{i}", source="referral", city="杭州")
        CustomerScore.objects.create(
            customer=c, run=run, as_of=run.as_of, model_version="t", abc_tier="A"
        )
    for i in range(60):
        customer_of("rep2", name=f"乙{i}", source="walk_in", city="杭州")
    referred = lead_of("rep1", name="好线索", source="referral")
    walk_in = lead_of("rep1", name="普通线索", source="walk_in", mobile="13900000002")

    # when
    model = lookalike.train(personas["manager"])

    # then
    referred.refresh_from_db()
    walk_in.refresh_from_db()
    assert model.status == "ready"
    assert (model.positives, model.negatives) == (40, 60)
    assert (model.train_size, model.test_size) == (75, 25)
    assert model.leads_scored == 2
    assert referred.score > walk_in.score
    assert referred.score_reasons[0]["feature"] == "source=referral"
    assert referred.score_model_version == model.version


@pytest.mark.django_db
def test_a_model_with_too_few_positives_says_so_and_scores_nothing(personas, lead_of):
    lead = lead_of("rep1")
    model = lookalike.train(None)
    lead.refresh_from_db()
    assert model.status == "too_few"
    assert lead.score is None and lead.score_model_version == ""


@pytest.mark.django_db
def test_the_nightly_task_trains_and_stores_a_versioned_model(personas):
    from guanxi.leads.models import LookalikeModel
    from guanxi.leads.tasks import retrain_lookalike_nightly

    version = retrain_lookalike_nightly.call_local()

    model = LookalikeModel.objects.get()
    assert model.version == version and model.trained_by is None
