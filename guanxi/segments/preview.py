"""The analysis settings' preview: the score distribution under candidate settings.

The scoring app computes it (`guanxi.scoring.services.preview(params) -> dict`, a dry run of
the scoring over the current orders). This adapter calls it when it is there and turns its
answer into {dimension: {code: count}} for the dimensions of labels.DIMENSIONS; without it
(or when it fails) the page says the preview is unavailable and shows only the current
distribution, read from the stored scores.
"""

import logging

from django.db.models import Count

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


def preview(params: dict) -> dict[str, dict[str, int]] | None:
    """The candidate distribution, or None when no preview can be computed."""
    function = _scoring_preview()
    if function is None:
        return None
    try:
        return normalise(function(params))
    except Exception as exc:  # noqa: BLE001 - the page shows "unavailable"; the log the type
        log.warning("analysis settings preview failed: %s", type(exc).__name__)
        return None


def comparison(current: dict, candidate: dict | None) -> list[dict]:
    """Per dimension, rows of (label, current count, candidate count, change) for the page."""
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
                    "label": labeller(code) if code else "—",
                    "current": a,
                    "candidate": b,
                    "change": (b - a) if b is not None else None,
                }
            )
        tables.append({"dimension": dimension, "title": title, "rows": rows})
    return tables
