"""The analysis settings' preview: the score distribution under candidate settings.

The scoring app computes it (`guanxi.scoring.services.preview(params) -> dict`, a dry run of
the scoring over the current orders). This adapter calls it when it is there and turns its
answer into {dimension: {code: count}} for the dimensions of labels.DIMENSIONS; without it
(or when it fails) the page says the preview is unavailable and shows only the current
distribution, read from the stored scores.
"""

import logging

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.scoring.models import CustomerScore

from .labels import DIMENSIONS

log = logging.getLogger(__name__)


def current_distribution() -> dict[str, dict[str, int]]:
    """Counts per code of each dimension over the stored (current) scores."""
    found = {}
    for dimension in DIMENSIONS:
        rows = CustomerScore.objects.values_list(dimension).annotate(n=Count("pk")).order_by()
        found[dimension] = {code or "": n for code, n in rows}
    return found


def _scoring_preview():
    try:
        from guanxi.scoring import services
    except ImportError:
        return None
    return getattr(services, "preview", None)


def available() -> bool:
    return _scoring_preview() is not None


def normalise(answer) -> dict[str, dict[str, int]]:
    """{dimension: {code: count}} from the scoring's answer, accepting the distribution at the
    top level or under "distribution" / "counts", and a dimension as a mapping of counts or a
    list of {"code": ..., "count": ...} rows."""
    if not isinstance(answer, dict):
        return {}
    for key in ("distribution", "counts"):
        if isinstance(answer.get(key), dict):
            answer = answer[key]
            break
    found = {}
    for dimension in DIMENSIONS:
        value = answer.get(dimension)
        if isinstance(value, dict):
            found[dimension] = {str(k or ""): int(v) for k, v in value.items()}
        elif isinstance(value, list):
            found[dimension] = {
                str(row.get("code") or ""): int(row.get("count", row.get("n", 0)))
                for row in value
                if isinstance(row, dict)
            }
    return found


def engine_params(params: dict) -> dict:
    """The settings a scoring run takes (the schedule's hour is no parameter of the scores)."""
    try:
        from guanxi.scoring.compute import DEFAULTS
    except ImportError:
        return {k: v for k, v in params.items() if k != "nightly_hour"}
    return {k: v for k, v in params.items() if k in DEFAULTS}


def check(params: dict) -> str | None:
    """Why the scoring engine would refuse these settings (its own check), or None."""
    try:
        from guanxi.scoring.compute import ScoringInputError, clean_params
    except ImportError:
        return None
    try:
        clean_params(engine_params(params))
    except ScoringInputError as exc:
        return str(exc)
    return None


class PreviewFailed(Exception):
    """The preview could not be computed; the message is for the page."""


def preview(params: dict) -> dict[str, dict[str, int]] | None:
    """The candidate distribution; None when the scoring offers no preview (not installed).
    PreviewFailed when it could not compute one (the settings refused, or a failure)."""
    function = _scoring_preview()
    if function is None:
        return None
    try:
        from guanxi.scoring.compute import ScoringInputError
        from guanxi.scoring.services import ScoringBusy
    except ImportError:  # pragma: no cover - comes with the preview
        ScoringInputError = ScoringBusy = ValueError  # noqa: N806
    try:
        return normalise(function(engine_params(params)))
    except ScoringInputError as exc:
        raise PreviewFailed(str(exc)) from exc
    except ScoringBusy as exc:
        raise PreviewFailed(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - the page says so; the log has the type only
        log.warning("analysis settings preview failed: %s", type(exc).__name__)
        raise PreviewFailed(
            _("The preview could not be computed: %(error)s") % {"error": type(exc).__name__}
        ) from exc


# The row of the customers a dimension has no code for: the scoring gives none to customers
# without orders (no RFM segment, ABC tier, quadrant, churn risk or lifecycle stage).
NO_CODE = gettext_lazy("No orders yet (not scored)")


def comparison(current: dict, candidate: dict | None) -> list[dict]:
    """Per dimension, rows of (label, current count, candidate count, change) for the page."""
    no_code = str(NO_CODE)
    tables = []
    for dimension, (title, labeller, order) in DIMENSIONS.items():
        now = current.get(dimension, {})
        then = (candidate or {}).get(dimension, {})
        codes = [c for c in order if c in now or c in then]
        codes += sorted(c for c in {*now, *then} if c not in codes)
        rows = []
        for code in codes:
            a, b = now.get(code, 0), then.get(code) if candidate is not None else None
            rows.append(
                {
                    "code": code,
                    "label": labeller(code) if code else no_code,
                    "current": a,
                    "candidate": b,
                    "change": (b - a) if b is not None else None,
                }
            )
        tables.append({"dimension": dimension, "title": title, "rows": rows})
    return tables
