"""What a customer's scores mean, in the user's language: the 360 page's panel, the list's
compact column and the API's `scores` object read them from here.

The scores themselves (guanxi.scoring.models.CustomerScore, reached as `customer.score`: this
app sits below scoring) hold codes. Their names, explanations and recommended actions come
from the analytics engine's tables ({"en": ..., "zh-hans": ...}), picked by get_language();
the loyalty types' advice (DOMAIN.md §6), the quality criteria and the churn-warning reasons,
which the engine does not name, are translated here with gettext.

The engine's modules import Ibis (about a second): they are imported on the first score shown,
so pages without scores never pay for it.
"""

from functools import cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guanxi.formats.money import format_money
from guanxi.prepared import PreparedRows

from .models import Customer, LoyaltyType


def lang() -> str:
    """The engine's language key for the active language ("zh-hans" or "en")."""
    return "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"


@cache
def _tables() -> dict:
    # from the modules (the package's `abc` is the function of that name)
    from guanxi.analytics.abc import ABC_GUIDANCE, PYRAMID_TIERS
    from guanxi.analytics.churn import CHURN_KINDS, RECOVERY_ACTIONS
    from guanxi.analytics.lifecycle import CUSTOMER_STATUSES, LIFECYCLE_STAGES
    from guanxi.analytics.loyalty import LOYALTY_LADDER, VALUE_LOYALTY_QUADRANTS
    from guanxi.analytics.rules import QUALITY_CRITERIA
    from guanxi.analytics.segments import SEGMENTS

    return {
        "segments": SEGMENTS,
        "abc": ABC_GUIDANCE,
        "pyramid": PYRAMID_TIERS,
        "stages": LIFECYCLE_STAGES,
        "statuses": CUSTOMER_STATUSES,
        "ladder": LOYALTY_LADDER,
        "quadrants": VALUE_LOYALTY_QUADRANTS,
        "recovery": RECOVERY_ACTIONS,
        "kinds": CHURN_KINDS,
        "criteria": QUALITY_CRITERIA,
    }


def _pick(texts, code: str = "") -> str:
    """The active language's text of an engine entry ({"en":..., "zh-hans":...}), or the code."""
    if not texts:
        return code
    return texts.get(lang()) or texts.get("en") or code


def segment_name(code: str) -> str:
    segment = _tables()["segments"].get(code)
    return _pick(segment.name, code) if segment else code


def segment_action(code: str) -> str:
    segment = _tables()["segments"].get(code)
    return _pick(segment.action) if segment else ""


def pyramid_name(code: str) -> str:
    return _pick(_tables()["pyramid"].get(code), code)


def stage_name(code: str) -> str:
    return _pick((_tables()["stages"].get(code) or {}).get("name"), code)


def quadrant_name(code: str) -> str:
    return _pick((_tables()["quadrants"].get(code) or {}).get("name"), code)


def ladder_name(code: str) -> str:
    return _pick(_tables()["ladder"].get(code), code)


# Loyalty types (DOMAIN.md §6, 第五章; seed 004: 交易忠诚 to products, brand and shop versus
# 情感忠诚 to people, the part a rep can influence) -----------------------------------------

TRANSACTIONAL, EMOTIONAL = "transactional", "emotional"
LOYALTY_KINDS = {
    TRANSACTIONAL: _("Transactional loyalty"),
    EMOTIONAL: _("Emotional loyalty"),
}
LOYALTY_KIND_HELP = {
    TRANSACTIONAL: _(
        "Bound by the product, the price, the place or a reward, not by the relationship: it "
        "lasts as long as that reason does."
    ),
    EMOTIONAL: _(
        "Bound by trust and feeling for us and our people: the loyalty a rep can build and "
        "the hardest for a competitor to take."
    ),
}
LOYALTY_TYPES: dict[str, tuple[str, object]] = {
    LoyaltyType.MONOPOLY: (
        TRANSACTIONAL,
        _(
            "Buys from us because there is no other choice. Do not mistake it for loyalty: use "
            "the time to earn real satisfaction before a competitor appears."
        ),
    ),
    LoyaltyType.INERTIA: (
        TRANSACTIONAL,
        _(
            "Buys out of habit and would not bother to look elsewhere. Easy prey for an active "
            "competitor: give reasons to stay (service, personal contact) and turn habit into "
            "preference."
        ),
    ),
    LoyaltyType.CONVENIENCE: (
        TRANSACTIONAL,
        _(
            "Buys because we are close or easy to reach. Keep it easy (delivery, online "
            "ordering), and add value beyond convenience, since a handier supplier takes them."
        ),
    ),
    LoyaltyType.PRICE: (
        TRANSACTIONAL,
        _(
            "Buys for the lowest price (on discount). Serve them efficiently at low cost, do "
            "not start a price war for them; show the value behind the price to move them up."
        ),
    ),
    LoyaltyType.INCENTIVE: (
        TRANSACTIONAL,
        _(
            "Buys for points, gifts and campaigns, and leaves when the reward stops. Keep the "
            "programme fair but build a relationship beside it, so they stay without it."
        ),
    ),
    LoyaltyType.SUPER_VALUE: (
        EMOTIONAL,
        _(
            "True loyalty: buys again, recommends us and forgives a mistake. Reward and thank "
            "them, ask for referrals, involve them in new products; never take them for granted."
        ),
    ),
    LoyaltyType.LATENT: (
        EMOTIONAL,
        _(
            "Likes us but buys little (an obstacle: budget, distance, an assortment gap). Find "
            "and remove the obstacle; their goodwill is already there."
        ),
    ),
}


def loyalty_type_view(code: str) -> dict | None:
    """{code, name, kind, kind_name, kind_help, advice} of a loyalty type, or None."""
    if code not in LOYALTY_TYPES:
        return None
    kind, advice = LOYALTY_TYPES[code]
    return {
        "code": code,
        "name": str(LoyaltyType(code).label),
        "kind": kind,
        "kind_name": str(LOYALTY_KINDS[kind]),
        "kind_help": str(LOYALTY_KIND_HELP[kind]),
        "advice": str(advice),
    }


# Churn risk, its reasons, customer quality ------------------------------------------------

CHURN_RISKS = {"low": _("Low"), "medium": _("Medium"), "high": _("High")}
CHURN_RISK_BADGE = {"low": "ok", "medium": "warn", "high": "danger"}
QUALITY = {
    "good": _("Good customer"),
    "ordinary": _("Ordinary customer"),
    "poor": _("Poor customer"),
}
QUALITY_BADGE = {"good": "ok", "ordinary": "", "poor": "danger"}


def _criterion(code) -> str:
    """A quality criterion's text (analytics.rules.QUALITY_CRITERIA, the codes scoring stores)."""
    entry = _tables()["criteria"].get(str(code))
    return _pick(entry, str(code)) if entry else str(code).replace("_", " ")


def usual_interval(score) -> float | None:
    """The customer's usual days between purchases, as the churn engine computes it."""
    if score.frequency >= 2 and score.first_order_on and score.last_order_on:
        return (score.last_order_on - score.first_order_on).days / (score.frequency - 1)
    return None


def churn_reason_text(score) -> str:
    """Why the scoring flags this customer, in the engine's own words and the user's language
    (analytics.churn.reason_text from the stored values; a lost customer's churn kind)."""
    code = score.churn_reason
    if not code:
        return ""
    kind = _tables()["kinds"].get(code)
    if kind:
        return _pick(kind, code)
    from guanxi.analytics.churn import reason_text

    text = reason_text(
        code,
        recency_days=score.recency_days,
        interval_days=usual_interval(score),
        p_alive=score.p_alive,
        r_score=score.r or None,
        lang=lang(),
    )
    return text or code.replace("_", " ")


def recovery_action_text(code: str) -> str:
    return _pick(_tables()["recovery"].get(code)) if code else ""


def of(customer: Customer):
    """The customer's score row, or None when it has not been scored (no query if the row was
    loaded with select_related("score"))."""
    try:
        return customer.score
    except Customer.score.RelatedObjectDoesNotExist:
        return None


def _money(value) -> str:
    return "—" if value is None else format_money(value)


def no_repeat_purchase(score) -> bool:
    """Bought on one day only: BG/NBD's x = 0 (purchases on the same day count as one)."""
    if score.frequency == 1:
        return True
    first, last = score.first_order_on, score.last_order_on
    return score.frequency > 1 and first is not None and first == last


def _p_alive_explanation(score, ordered: bool) -> str:
    from guanxi.fast_templates import catalog_gettext

    _ = catalog_gettext()  # translated now, as panel's texts
    if ordered and score.p_alive is not None and no_repeat_purchase(score):
        # BG/NBD sees dropping out only in the gaps between purchases: none, no dropout.
        return _(
            "No repeat purchase yet: a single purchase gives the BG/NBD model no sign of "
            "dropping out, so P(alive) is 100 %% by the model's construction. Read it together "
            "with the %(days)s days since the last order: the churn risk uses recency for this "
            "customer."
        ) % {"days": "—" if score.recency_days is None else score.recency_days}
    return _(
        "The probability that the customer still buys from us, from the timing of their orders."
    )


def panel(score) -> dict:
    """The 360 page's scores panel: one row per score with its value, a one-line explanation
    and the recommended action, plus the quality criteria and the loyalty type suggested.
    Its ~25 texts are translated now, in the active language (not as lazy texts each cast
    later, which cost ~0.1 ms of a 360 page)."""
    from guanxi.fast_templates import catalog_gettext

    _ = catalog_gettext()
    t = _tables()
    ordered = bool(score.frequency) or score.last_order_on is not None
    rows = [
        {
            "key": "rfm",
            "label": _("RFM segment"),
            "value": segment_name(score.rfm_segment) if score.rfm_segment else "—",
            # no order yet: no "R0 F0 M0" nor "— days since the last order"
            "detail": f"R{score.r} F{score.f} M{score.m}" if ordered else _("no orders yet"),
            "explanation": _(
                "Recency, frequency and monetary scores 1–5 (5 best): %(days)s days since the "
                "last order, %(orders)s orders, %(revenue)s net revenue."
            )
            % {
                "days": "—" if score.recency_days is None else score.recency_days,
                "orders": score.frequency,
                "revenue": _money(score.monetary),
            }
            if ordered
            else _(
                "Recency, frequency and monetary scores 1–5 (5 best) start with the "
                "customer's first order; no orders yet."
            ),
            "action": segment_action(score.rfm_segment),
        },
        {
            "key": "abc",
            "label": _("ABC tier (by revenue)"),
            "value": score.abc_tier or "—",
            # named, so that "A · 中等客户" no longer reads as one grade (new-user review)
            "detail": _("pyramid: %(level)s") % {"level": pyramid_name(score.pyramid_level)}
            if score.pyramid_level
            else "",
            "explanation": _(
                "Class by share of revenue (Pareto), computed by the scoring: A are the few who "
                "bring most of it, C the many who bring little; the pyramid level beside it. "
                "Not the customer level, which the rep sets on the record."
            ),
            "action": _pick(t["abc"].get(score.abc_tier)) if score.abc_tier else "",
        },
        {
            "key": "lifecycle",
            "label": _("Lifecycle stage"),
            "value": stage_name(score.lifecycle_stage) if score.lifecycle_stage else "—",
            "detail": _pick(t["statuses"].get(score.customer_status), score.customer_status)
            if score.customer_status
            else "",
            "explanation": _(
                "The stage of the relationship, from how long the customer has bought and "
                "whether purchases rise or fall."
            ),
            "action": _pick((t["stages"].get(score.lifecycle_stage) or {}).get("strategy")),
        },
        {
            "key": "loyalty",
            "label": _("Loyalty index"),
            "value": "—" if score.loyalty_index is None else f"{score.loyalty_index:.0f} / 100",
            "detail": ladder_name(score.loyalty_step) if score.loyalty_step else "",
            "explanation": _(
                "Relationship duration, spending and emotion weighted into 0–100; beside it the "
                "step on the loyalty ladder."
            ),
            "action": "",
        },
        {
            "key": "quadrant",
            "label": _("Value × loyalty"),
            "value": quadrant_name(score.value_loyalty_quadrant)
            if score.value_loyalty_quadrant
            else "—",
            "detail": "",
            "explanation": _("Where the customer stands by value and by loyalty."),
            "action": _pick(
                (t["quadrants"].get(score.value_loyalty_quadrant) or {}).get("strategy")
            ),
        },
        {
            "key": "clv",
            "label": _("Customer lifetime value"),
            "value": _money(score.clv_predicted),
            "detail": _("historical %(value)s") % {"value": _money(score.clv_historical)},
            "explanation": _(
                "Predicted: the discounted value of future purchases (BG/NBD and Gamma-Gamma "
                "models); historical: net revenue to date."
            ),
            "action": "",
        },
        {
            "key": "p_alive",
            "label": _("P(alive)"),
            "value": "—" if score.p_alive is None else f"{score.p_alive:.0%}",
            "detail": ""
            if score.expected_purchases_90d is None
            else _("%(n)s purchases expected in 90 days")
            % {"n": f"{score.expected_purchases_90d:.1f}"},
            "explanation": _p_alive_explanation(score, ordered),
            "action": "",
        },
        {
            "key": "churn",
            "label": _("Churn risk"),
            "value": str(CHURN_RISKS.get(score.churn_risk, score.churn_risk or "—")),
            "badge": CHURN_RISK_BADGE.get(score.churn_risk, ""),
            "detail": churn_reason_text(score),
            "explanation": _("Early warning from recency, purchase trend and P(alive).")
            if not score.recovery_priority
            else _(
                "Early warning from recency, purchase trend and P(alive); recovery priority "
                "%(n)s of 5 (1 first)."
            )
            % {"n": score.recovery_priority},
            "action": recovery_action_text(score.recovery_action),
        },
    ]
    return {
        "score": score,
        "rows": rows,
        "quality": {
            "code": score.quality,
            "name": str(QUALITY.get(score.quality, score.quality or "—")),
            "badge": QUALITY_BADGE.get(score.quality, ""),
            "score": score.quality_score,
            "criteria": [_criterion(c) for c in score.quality_criteria or []],
        },
        "suggested": loyalty_type_view(score.loyalty_type_suggested),
    }


TIER_TITLE = _("ABC tier (by revenue): %(tier)s")
# The tier's badge itself, short enough for a phone's card: a bare "C" beside the customer
# level "B 普通客户" read as a second level (a new user's review).
TIER_BADGE = _("Revenue %(tier)s")


def badges(score, tier_title: str | None = None, tier_badge: str | None = None) -> dict | None:
    """The list's compact column: segment, tier and churn risk; the tier's badge says what it
    is (the computed ABC tier by revenue, not the rep's customer level beside it): `tier_title`
    and `tier_badge`, the translated TIER_TITLE and TIER_BADGE, passed once per page by
    attach_badges."""
    if score is None:
        return None
    title = tier_title if tier_title is not None else str(TIER_TITLE)
    badge = tier_badge if tier_badge is not None else str(TIER_BADGE)
    return _badges(score.rfm_segment, score.abc_tier, score.churn_risk, title, badge)


def _badges(segment: str, tier: str, risk: str, tier_title: str, tier_badge: str) -> dict:
    return {
        "segment": segment_name(segment) if segment else "",
        "tier": tier,
        "tier_title": tier_title % {"tier": tier} if tier else "",
        "tier_text": tier_badge % {"tier": tier} if tier else "",
        "risk": str(CHURN_RISKS.get(risk, "")) if risk else "",
        "risk_badge": CHURN_RISK_BADGE.get(risk, ""),
    }


SCORE_FIELDS = (
    "as_of",
    "model_version",
    "rfm_segment",
    "r",
    "f",
    "m",
    "abc_tier",
    "pyramid_level",
    "lifecycle_stage",
    "customer_status",
    "loyalty_index",
    "loyalty_step",
    "value_loyalty_quadrant",
    "loyalty_type_suggested",
    "clv_historical",
    "clv_predicted",
    "p_alive",
    "expected_purchases_90d",
    "churn_risk",
    "churn_risk_score",
    "churn_reason",
    "recovery_priority",
    "recovery_action",
    "quality",
    "quality_score",
    "quality_criteria",
    "recency_days",
    "frequency",
    "monetary",
)


def api_out(score) -> dict | None:
    """The API's `scores` object: the codes as stored, and their names in the caller's
    language (`labels`); None when the customer has not been scored."""
    if score is None:
        return None
    data = {name: getattr(score, name) for name in SCORE_FIELDS}
    data["quality_criteria"] = list(score.quality_criteria or [])
    data["labels"] = {
        "rfm_segment": segment_name(score.rfm_segment) if score.rfm_segment else "",
        "pyramid_level": pyramid_name(score.pyramid_level) if score.pyramid_level else "",
        "lifecycle_stage": stage_name(score.lifecycle_stage) if score.lifecycle_stage else "",
        "value_loyalty_quadrant": quadrant_name(score.value_loyalty_quadrant)
        if score.value_loyalty_quadrant
        else "",
        "loyalty_step": ladder_name(score.loyalty_step) if score.loyalty_step else "",
        "churn_risk": str(CHURN_RISKS.get(score.churn_risk, "")) if score.churn_risk else "",
        "churn_reason": churn_reason_text(score),
        "recovery_action": recovery_action_text(score.recovery_action),
        "quality": str(QUALITY.get(score.quality, "")) if score.quality else "",
        "quality_criteria": [_criterion(c) for c in score.quality_criteria or []],
    }
    return data


# Choices for the list's filters (code, label in the active language) ----------------------

ANY = {
    "rfm_segment": _("All segments"),
    "abc_tier": _("All tiers"),
    "pyramid_level": _("All levels"),
    "lifecycle_stage": _("All stages"),
    "customer_status": _("All statuses"),
    "loyalty_step": _("All steps"),
    "value_loyalty_quadrant": _("All quadrants"),
    "churn_risk": _("Any risk"),
    "quality": _("Any quality"),
    "loyalty_type": _("All loyalty types"),
    "lost_reason": _("All reasons"),
}


_OPTIONS: dict[tuple[str, str | None], list[tuple[str, str]]] = {}


def options(name: str) -> list[tuple[str, str]]:
    """(code, label) of every value a score filter takes, in the active language: worked out
    once per language and process (the engine's tables and the translations do not change
    while it runs; ~0.2 ms of every list page otherwise). Callers must not change the list."""
    key = (name, get_language())
    found = _OPTIONS.get(key)
    if found is None:
        found = _OPTIONS[key] = _options(name)
    return found


def _options(name: str) -> list[tuple[str, str]]:
    t = _tables()
    if name == "rfm_segment":
        return [(code, segment_name(code)) for code in t["segments"]]
    if name == "abc_tier":
        return [(code, code) for code in t["abc"]]
    if name == "pyramid_level":
        return [(code, pyramid_name(code)) for code in t["pyramid"]]
    if name == "lifecycle_stage":
        return [(code, stage_name(code)) for code in t["stages"]]
    if name == "customer_status":
        return [(code, _pick(texts, code)) for code, texts in t["statuses"].items()]
    if name == "loyalty_step":
        return [(code, ladder_name(code)) for code in t["ladder"]]
    if name == "value_loyalty_quadrant":
        return [(code, quadrant_name(code)) for code in t["quadrants"]]
    if name == "churn_risk":
        return [(code, str(label)) for code, label in CHURN_RISKS.items()]
    if name == "quality":
        return [(code, str(label)) for code, label in QUALITY.items()]
    if name == "loyalty_type":
        return [(code, str(label)) for code, label in LoyaltyType.choices]
    if name == "lost_reason":
        from .models import LostReason

        return [(code, str(label)) for code, label in LostReason.choices]
    raise KeyError(name)


def score_choices(name: str):
    """A callable for a ChoiceField: evaluated when the form is used, in that request's
    language (and the engine's tables loaded only then)."""

    def choices():
        return [("", str(ANY[name])), *options(name)]

    return choices


# How the list shows the score it is sorted by.
SORT_VALUE_FORMATS = {
    "clv_predicted": format_money,
    "monetary": format_money,
    "p_alive": lambda v: f"{v:.0%}",
    "loyalty_index": lambda v: f"{v:.0f} / 100",
    "churn_risk_score": lambda v: f"{v:.2f}",
}


_BADGE_VALUES: dict[str, PreparedRows] = {}


def _badge_values(sort_score: str) -> PreparedRows:
    """The scores a page's badges show (and the one it is sorted by), for a list of customer
    ids: compiled once per sort and page size (guanxi/prepared.py; ~0.3 ms a page)."""
    if sort_score not in _BADGE_VALUES:
        model = Customer._meta.get_field("score").related_model
        fields = ["customer_id", "rfm_segment", "abc_tier", "churn_risk"]
        fields += [sort_score] if sort_score else []
        _BADGE_VALUES[sort_score] = PreparedRows(
            lambda ids: model.objects.filter(customer_id__in=ids).values_list(*fields)
        )
    return _BADGE_VALUES[sort_score]


def attach_badges(rows: list, sort_score: str = "") -> None:
    """Set `row.score_badges` on a page of customers with one query for their scores (by
    primary key: the list query itself never joins the score table unless it filters or sorts
    by a score); with `sort_score` (a SORT_VALUE_FORMATS key: the list is sorted by it) also
    `row.sort_value`, that score shown ("—" when there is none)."""
    if not rows:
        return
    show = SORT_VALUE_FORMATS.get(sort_score)
    # plain values, not model instances (a deferred-fields instance per row cost more than the
    # query); rows with the same segment, tier and risk share one badges dict (read only)
    found = {
        values[0]: values
        for values in _badge_values(sort_score if show else "").rows([r.pk for r in rows])
    }
    tier_title, tier_badge = str(TIER_TITLE), str(TIER_BADGE)  # translated once per page
    shown: dict[tuple, dict] = {}
    for row in rows:
        values = found.get(row.pk)
        if values is None:
            row.score_badges = None
        else:
            key = values[1:4]
            if key not in shown:
                shown[key] = _badges(*key, tier_title, tier_badge)
            row.score_badges = shown[key]
        if show:
            value = values[4] if values else None
            row.sort_value = "—" if value is None else show(value)
