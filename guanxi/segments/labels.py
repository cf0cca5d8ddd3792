"""Score codes in the user's language, from the engine's own tables."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.abc import PYRAMID_TIERS
from guanxi.analytics.lifecycle import LIFECYCLE_STAGES
from guanxi.analytics.loyalty import VALUE_LOYALTY_QUADRANTS
from guanxi.analytics.segments import SEGMENTS

CHURN_RISKS = {"low": _("Low"), "medium": _("Medium"), "high": _("High")}
ABC_TIERS = {"A": "A", "B": "B", "C": "C"}


def _lang() -> str:
    return "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"


def _pick(names: dict) -> str:
    return names.get(_lang()) or names.get("en") or ""


def rfm_segment(code: str) -> str:
    segment = SEGMENTS.get(code)
    return _pick(segment.name) if segment else code


def lifecycle_stage(code: str) -> str:
    stage = LIFECYCLE_STAGES.get(code)
    return _pick(stage["name"]) if stage else code


def quadrant(code: str) -> str:
    found = VALUE_LOYALTY_QUADRANTS.get(code)
    return _pick(found["name"]) if found else code


def pyramid_level(code: str) -> str:
    found = PYRAMID_TIERS.get(code)
    return _pick(found) if found else code


def churn_risk(code: str) -> str:
    return str(CHURN_RISKS.get(code, code))


def abc_tier(code: str) -> str:
    return ABC_TIERS.get(code, code)


# dimension -> (title, labeller, the codes in their natural order)
DIMENSIONS = {
    "rfm_segment": (_("RFM segment"), rfm_segment, list(SEGMENTS)),
    "abc_tier": (_("ABC tier"), abc_tier, list(ABC_TIERS)),
    "value_loyalty_quadrant": (
        _("Value × loyalty quadrant"),
        quadrant,
        list(VALUE_LOYALTY_QUADRANTS),
    ),
    "churn_risk": (_("Churn risk"), churn_risk, list(CHURN_RISKS)),
    "lifecycle_stage": (_("Lifecycle stage"), lifecycle_stage, list(LIFECYCLE_STAGES)),
}


def label(dimension: str, code: str) -> str:
    if not code:
        return str(_("none"))
    entry = DIMENSIONS.get(dimension)
    return entry[1](code) if entry else code
