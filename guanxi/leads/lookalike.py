"""The look-alike model (依据现有忠诚客户的特征来识别客户, DOMAIN.md §3): which leads resemble
today's loyal, high-value customers.

Positives are the customers whose latest scores put them in ABC tier A (the few customers who
bring most of the revenue) or in the "true friends" quadrant of value × loyalty (high value and
high loyalty); every other live customer is a negative. Features are the traits a lead has too
(features.py). A logistic regression on the one-hot features (scikit-learn) gives

    P(positive | x) = 1 / (1 + exp(-(b + Σ_j w_j x_j)))

so each score's reasons are its features with the largest positive contributions w_j · x_j.
A stratified quarter of the customers is held back: the model is fitted on the other three
quarters and its ROC AUC measured on the quarter it never saw. Fewer than MIN_POSITIVES
positives: the training says so and no lead is scored.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer

from .features import lead_traits, traits
from .models import OPEN_STATUSES, Lead, LookalikeModel, ModelStatus

MIN_POSITIVES = 30
#: A trait value seen on fewer customers than this is left out (a city with three customers
#: would get a weight from noise).
MIN_SUPPORT = 5
TOP_REASONS = 3
HOLD_BACK = 0.25
POSITIVE_RULE = _(
    "ABC tier A, or high value and high loyalty (“true friends”), in the latest customer scores"
)


@dataclass
class Fit:
    """A fitted model: intercept, {feature: weight}, the held-back AUC and the sample sizes."""

    intercept: float
    coefficients: dict[str, float]
    auc: float | None
    positives: int
    negatives: int
    train_size: int
    test_size: int
    too_few: bool = False
    extra: dict = field(default_factory=dict)


def fit(rows: list[dict[str, int]], labels: list[int], *, seed: int = 0) -> Fit:
    """Fit the logistic regression on one-hot `rows` (dicts of feature → 1) and 0/1 `labels`.

    The rows are split 75/25, stratified by label (sklearn's train_test_split), the model is
    fitted on the 75 % and its AUC (roc_auc_score) computed on the 25 %.
    """
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if positives < MIN_POSITIVES or negatives < MIN_POSITIVES:
        return Fit(0.0, {}, None, positives, negatives, 0, 0, too_few=True)
    support: dict[str, int] = {}
    for row in rows:
        for name in row:
            support[name] = support.get(name, 0) + 1
    kept = [{k: v for k, v in row.items() if support[k] >= MIN_SUPPORT} for row in rows]
    vectorizer = DictVectorizer(sparse=True)
    x = vectorizer.fit_transform(kept)
    x_train, x_test, y_train, y_test = train_test_split(
        x, labels, test_size=HOLD_BACK, stratify=labels, random_state=seed
    )
    model = LogisticRegression(max_iter=1000, C=1.0)
    model.fit(x_train, y_train)
    auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    names = vectorizer.get_feature_names_out()
    coefficients = {str(n): float(w) for n, w in zip(names, model.coef_[0], strict=True)}
    return Fit(
        float(model.intercept_[0]),
        coefficients,
        auc,
        positives,
        negatives,
        x_train.shape[0],
        x_test.shape[0],
    )


def predict(features: dict[str, int], intercept: float, coefficients: dict[str, float]):
    """(probability, reasons) for one record: reasons are the TOP_REASONS features with the
    largest positive contributions w·x, as [{"feature", "contribution"}]."""
    contributions = {
        name: coefficients[name] * value for name, value in features.items() if name in coefficients
    }
    z = intercept + sum(contributions.values())
    probability = 1.0 / (1.0 + math.exp(-max(min(z, 500.0), -500.0)))
    top = sorted(
        ((name, c) for name, c in contributions.items() if c > 0), key=lambda item: -item[1]
    )[:TOP_REASONS]
    return probability, [{"feature": n, "contribution": round(c, 4)} for n, c in top]


def training_set() -> tuple[list[dict[str, int]], list[int]]:
    """Every live customer's traits and whether it is a positive (POSITIVE_RULE)."""
    rows, labels = [], []
    customers = Customer.objects.filter(
        erased_at__isnull=True, merged_into__isnull=True
    ).values_list(
        "source",
        "category",
        "kind",
        "province",
        "city",
        "company_name",
        "position",
        "score__abc_tier",
        "score__value_loyalty_quadrant",
    )
    for (
        source,
        category,
        kind,
        province,
        city,
        company,
        position,
        tier,
        quadrant,
    ) in customers.iterator(chunk_size=5000):
        company = company or ("organisation" if kind == "organisation" else "")
        rows.append(
            traits(
                source=source,
                category=category,
                kind=kind,
                province=province,
                city=city,
                company=company,
                title=position,
            )
        )
        labels.append(1 if tier == "A" or quadrant == "true_friends" else 0)
    return rows, labels


# A model's version: the UTC time it was trained, to the microsecond (unique, and sorts by age).
VERSION_FORMAT = "%Y%m%d-%H%M%S-%f"


def trained_at(version: str) -> datetime | None:
    """When the model of `version` was trained (aware, UTC; a page shows it in local time), or
    None for a version in another form: a lead page names the model by that, not the raw
    version string."""
    try:
        return datetime.strptime(version, VERSION_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def current_model() -> LookalikeModel | None:
    """The newest trained model (whatever its status)."""
    return LookalikeModel.objects.first()


def score_lead(lead: Lead, model: LookalikeModel | None = None) -> None:
    """Set the lead's score fields from `model` (default: the current one); unsaved."""
    model = model if model is not None else current_model()
    if model is None or model.status != ModelStatus.READY:
        lead.score, lead.score_reasons, lead.score_model_version = None, [], ""
        return
    probability, reasons = predict(lead_traits(lead), model.intercept, model.coefficients)
    lead.score = round(probability, 4)
    lead.score_reasons = reasons
    lead.score_model_version = model.version


def rescore_open_leads(model: LookalikeModel) -> int:
    """Refresh the scores of every open lead with `model` (derived values, as the customer
    scores: the training's own audit entry counts them)."""
    count = 0
    batch = []
    for lead in Lead.objects.filter(status__in=OPEN_STATUSES, erased_at__isnull=True).iterator(
        chunk_size=2000
    ):
        score_lead(lead, model)
        batch.append(lead)
        if len(batch) >= 1000:
            Lead.objects.bulk_update(batch, ["score", "score_reasons", "score_model_version"])
            count += len(batch)
            batch = []
    if batch:
        Lead.objects.bulk_update(batch, ["score", "score_reasons", "score_model_version"])
        count += len(batch)
    return count


def train(actor=None, *, seed: int = 0) -> LookalikeModel:
    """Train on today's customers, store the model with a new version, rescore open leads."""
    rows, labels = training_set()
    result = fit(rows, labels, seed=seed)
    now = timezone.now()
    with transaction.atomic():
        model = LookalikeModel.objects.create(
            version=now.strftime(VERSION_FORMAT),
            status=ModelStatus.TOO_FEW if result.too_few else ModelStatus.READY,
            trained_by=actor if actor is not None and actor.is_authenticated else None,
            rule=str(POSITIVE_RULE)[:200],
            positives=result.positives,
            negatives=result.negatives,
            train_size=result.train_size,
            test_size=result.test_size,
            auc=result.auc,
            intercept=result.intercept,
            coefficients=result.coefficients,
        )
        model.leads_scored = rescore_open_leads(model)
        model.save(update_fields=["leads_scored"])
        audit.record(
            actor,
            AuditEntry.Action.CREATE,
            model,
            fields=["version", "status", "positives", "negatives", "auc", "leads_scored"],
        )
    return model


def top_features(model: LookalikeModel, n: int = 10) -> list[tuple[str, float]]:
    """The n features with the largest positive weights (what makes a lead look alike)."""
    ranked = sorted(model.coefficients.items(), key=lambda item: -item[1])
    return [(name, weight) for name, weight in ranked[:n] if weight > 0]
