"""A survey's results for one viewer: only the invitations and answers of customers in the
viewer's scope count (scope.survey_records). The measures are guanxi.analytics' engines:
satisfaction.nps / satisfaction_gap and kano.kano, never recomputed here."""

from collections import Counter, defaultdict

import pandas as pd
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guanxi.accounts.scope import survey_records
from guanxi.analytics.kano import ADVICE, CATEGORY_NAMES, as_records, kano
from guanxi.analytics.satisfaction import nps, satisfaction_gap

from .models import COST_PARTS, VALUE_PARTS, Answer, Attribute, Invitation, QuestionKind, Response


def _lang() -> str:
    return "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"


def _mean(values) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def compute(user, survey, *, segment=None) -> dict:
    """Everything the results page, its XLSX and the API show, for `user`'s scope.

    With a segment (one the user may see), the gap table is also given per group: the
    segment's members (in the user's scope) against the other respondents.
    """
    lang = _lang()
    invitations = survey_records(user, Invitation.objects.filter(survey=survey))
    invited = invitations.count()
    responses = survey_records(user, Response.objects.filter(survey=survey))
    answered = responses.count()
    answers = list(
        survey_records(user, Answer.objects.filter(response__survey=survey)).values(
            "response_id",
            "response__customer_id",
            "question_id",
            "value",
            "value2",
            "choice",
            "parts",
        )
    )
    by_question = defaultdict(list)
    for answer in answers:
        by_question[answer["question_id"]].append(answer)
    questions = list(survey.questions.all())
    result = {
        "invited": invited,
        "responses": answered,
        "response_rate": round(100.0 * answered / invited, 1) if invited else None,
        "ratings": [],
        "nps": [],
        "gaps": [],
        "gaps_by_segment": [],
        "kano": [],
        "peak_end": None,
        "delivered_value": None,
        "segment": segment.name if segment is not None else None,
    }
    for question in questions:
        rows = by_question[question.pk]
        if question.kind == QuestionKind.RATING:
            values = [r["value"] for r in rows]
            counts = Counter(values)
            result["ratings"].append(
                {
                    "question_id": question.pk,
                    "question": question.text,
                    "respondents": len(values),
                    "mean": _mean(values),
                    "distribution": {str(v): counts.get(v, 0) for v in range(1, 6)},
                }
            )
        elif question.kind == QuestionKind.NPS:
            values = [r["value"] for r in rows]
            item = {"question_id": question.pk, "question": question.text, "respondents": 0}
            counts = Counter(values)
            item["distribution"] = {str(v): counts.get(v, 0) for v in range(11)}
            if values:
                score = nps(values, lang=lang)
                item.update(
                    respondents=score.respondents,
                    promoters=score.promoters,
                    passives=score.passives,
                    detractors=score.detractors,
                    nps=round(score.nps, 1),
                )
            result["nps"].append(item)
    result["gaps"] = _gaps(questions, by_question, lang)
    if segment is not None:
        result["gaps_by_segment"] = _gaps_by_segment(user, questions, by_question, segment, lang)
    result["kano"] = _kano(questions, by_question, lang)
    result["peak_end"] = _peak_end(questions, by_question)
    result["delivered_value"] = _delivered_value(questions, by_question)
    return result


def _delivered_value(questions, by_question) -> dict | None:
    """Customer delivered value (客户让渡价值, DOMAIN.md §5): per respondent, total customer
    value (the mean rating of product, service, personnel and image value) minus total
    customer cost (the mean rating of money, time, energy and physical cost), on the 1–5
    scale of the answers, so from −4 to 4; positive: the customer gets more than it costs."""
    rows = [
        answer["parts"]
        for q in questions
        if q.kind == QuestionKind.VALUE
        for answer in by_question[q.pk]
        if answer["parts"]
    ]
    if not any(q.kind == QuestionKind.VALUE for q in questions):
        return None
    value_keys = [p for p, _label in VALUE_PARTS]
    cost_keys = [p for p, _label in COST_PARTS]
    scores = [
        sum(r[p] for p in value_keys) / len(value_keys)
        - sum(r[p] for p in cost_keys) / len(cost_keys)
        for r in rows
    ]
    return {
        "respondents": len(rows),
        "parts": [
            {
                "part": part,
                "name": str(label),
                "side": side,
                "mean": _mean([r[part] for r in rows]),
            }
            for side, parts in (("value", VALUE_PARTS), ("cost", COST_PARTS))
            for part, label in parts
        ],
        "total_value": _mean([sum(r[p] for p in value_keys) / len(value_keys) for r in rows]),
        "total_cost": _mean([sum(r[p] for p in cost_keys) / len(cost_keys) for r in rows]),
        "delivered_value": _mean(scores),
        "positive_share": round(100.0 * sum(s > 0 for s in scores) / len(scores), 1)
        if scores
        else None,
    }


def _gap_frame(questions, by_question) -> pd.DataFrame:
    rows = [
        {
            "attribute": question.attribute,
            "expected": answer["value"],
            "perceived": answer["value2"],
            "customer": answer["response__customer_id"],
        }
        for question in questions
        if question.kind == QuestionKind.GAP
        for answer in by_question[question.pk]
    ]
    return pd.DataFrame(rows, columns=["attribute", "expected", "perceived", "customer"])


def _gap_records(table: pd.DataFrame, extra=()) -> list[dict]:
    names = dict(Attribute.choices)
    return [
        {
            **{key: row[key] for key in extra},
            "attribute": row["attribute"],
            "attribute_name": str(names.get(row["attribute"], row["attribute"])),
            "respondents": int(row["respondents"]),
            "expected": round(float(row["expected"]), 2),
            "perceived": round(float(row["perceived"]), 2),
            "gap": round(float(row["gap"]), 2),
            "ratio": None if pd.isna(row["ratio"]) else round(float(row["ratio"]), 3),
        }
        for row in table.to_dict("records")
    ]


def _gaps(questions, by_question, lang) -> list[dict]:
    frame = _gap_frame(questions, by_question)
    if frame.empty:
        return []
    return _gap_records(satisfaction_gap(frame, lang=lang))


def _gaps_by_segment(user, questions, by_question, segment, lang) -> list[dict]:
    from guanxi.segments.services import members

    frame = _gap_frame(questions, by_question)
    if frame.empty:
        return []
    inside = set(
        members(user, segment)
        .filter(pk__in=list(frame["customer"].unique()))
        .order_by()
        .values_list("pk", flat=True)
    )
    frame["group"] = [segment.name if c in inside else _("Other customers") for c in frame.customer]
    return _gap_records(satisfaction_gap(frame, by="group", lang=lang), extra=("group",))


def _kano(questions, by_question, lang) -> list[dict]:
    rows = [
        {
            "respondent": str(answer["response_id"]),
            "feature": question.feature,
            "functional": answer["value"],
            "dysfunctional": answer["value2"],
        }
        for question in questions
        if question.kind == QuestionKind.KANO
        for answer in by_question[question.pk]
    ]
    if not rows:
        return []
    # one feature asked twice in a survey: the respondent's first answer counts
    frame = pd.DataFrame(rows).drop_duplicates(["respondent", "feature"])
    table = kano(frame, lang=lang)
    records = as_records(table)
    for position, item in enumerate(records, start=1):
        item["priority"] = position
        item["category_name"] = CATEGORY_NAMES[item["category"]][lang]
        item["advice"] = ADVICE[item["category"]][lang]
    return records


def _peak_end(questions, by_question) -> dict | None:
    """Which touchpoints respondents name as the peak and the end of the experience, their
    ratings there, and the overall rating (the survey's first rating question) of those who
    named them: the peak-end rule says the overall judgement follows the peak and the end."""
    peaks = [q for q in questions if q.kind == QuestionKind.PEAK]
    ends = [q for q in questions if q.kind == QuestionKind.END]
    if not peaks and not ends:
        return None
    overall_q = next((q for q in questions if q.kind == QuestionKind.RATING), None)
    overall = {}
    if overall_q is not None:
        overall = {a["response_id"]: a["value"] for a in by_question[overall_q.pk]}
    points: dict[str, dict] = {}
    order = []
    for q in peaks + ends:
        for point in q.touchpoints:
            if point not in points:
                points[point] = {"peak": [], "end": [], "overall_peak": [], "overall_end": []}
                order.append(point)
    peak_end_by_response = defaultdict(list)
    for role, group in (("peak", peaks), ("end", ends)):
        for q in group:
            for answer in by_question[q.pk]:
                slot = points.setdefault(
                    answer["choice"], {"peak": [], "end": [], "overall_peak": [], "overall_end": []}
                )
                slot[role].append(answer["value"])
                peak_end_by_response[answer["response_id"]].append(answer["value"])
                if answer["response_id"] in overall:
                    slot[f"overall_{role}"].append(overall[answer["response_id"]])
    rows = [
        {
            "touchpoint": point,
            "named_as_peak": len(points[point]["peak"]),
            "peak_rating": _mean(points[point]["peak"]),
            "overall_when_peak": _mean(points[point]["overall_peak"]),
            "named_as_end": len(points[point]["end"]),
            "end_rating": _mean(points[point]["end"]),
            "overall_when_end": _mean(points[point]["overall_end"]),
        }
        for point in order
    ]
    both = [r for r in peak_end_by_response if r in overall]
    return {
        "overall_question": overall_q.text if overall_q is not None else None,
        "overall_mean": _mean(list(overall.values())),
        "peak_end_mean": _mean([sum(v) / len(v) for v in peak_end_by_response.values()]),
        "respondents_with_both": len(both),
        "touchpoints": rows,
    }


def charts(result: dict) -> list[dict]:
    """ECharts specs for guanxi/insights' dashboards.js (bar) and surveys.js (kano)."""
    specs = []
    for i, item in enumerate(result["nps"]):
        if not item["respondents"]:
            continue
        specs.append(
            {
                "id": f"chart-nps-{i}",
                "spec": {
                    "kind": "bar",
                    "title": _("%(label)s: %(error)s")
                    % {"label": _("Net Promoter Score"), "error": item["question"]},
                    "categories": [
                        str(_("Detractors (0–6)")),
                        str(_("Passives (7–8)")),
                        str(_("Promoters (9–10)")),
                    ],
                    "series": [
                        {
                            "name": str(_("Respondents")),
                            "data": [item["detractors"], item["passives"], item["promoters"]],
                        }
                    ],
                },
            }
        )
    for i, item in enumerate(result["ratings"]):
        if not item["respondents"]:
            continue
        specs.append(
            {
                "id": f"chart-rating-{i}",
                "spec": {
                    "kind": "bar",
                    "title": item["question"],
                    "categories": list(item["distribution"]),
                    "series": [
                        {"name": str(_("Respondents")), "data": list(item["distribution"].values())}
                    ],
                },
            }
        )
    return specs


def kano_chart(result: dict) -> dict | None:
    points = [k for k in result["kano"] if k["better"] is not None]
    if not points:
        return None
    return {
        "title": str(_("Better / Worse coefficients")),
        "xName": str(_("|Worse| (dissatisfaction when missing)")),
        "yName": str(_("Better (satisfaction when present)")),
        "points": [
            {
                "name": k["feature"],
                "category": k["category_name"],
                "value": [round(abs(k["worse"]), 3), round(k["better"], 3)],
            }
            for k in points
        ],
    }
