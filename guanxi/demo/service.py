"""The demo company's voice of the customer: a satisfaction survey answered over the last
twelve months (overall rating, likelihood to recommend, expectation and perception of quality,
price and service) and about 80 complaint cases, most resolved and checked back, so the
satisfaction indicators (/analytics/satisfaction/), the survey results, the case charts and
each respondent's gap on the 360 page show real figures. Deterministic for a seed and day."""

from datetime import datetime, time, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.service import services as cases
from guanxi.service.models import Case
from guanxi.surveys import services as surveys
from guanxi.surveys.models import Invitation, Response

QUESTIONS = [
    {"kind": "rating", "text": "您对我们的总体满意度如何？"},
    {"kind": "nps", "text": "您有多大可能向朋友推荐茗香茶业？"},
    {"kind": "gap", "text": "茶叶品质", "attribute": "quality", "scale": 5},
    {"kind": "gap", "text": "价格", "attribute": "price", "scale": 5},
    {"kind": "gap", "text": "门店服务", "attribute": "service", "scale": 5},
]
INVITED = 240
CASES = 80
COMPLAINTS = [
    ("product_quality", "茶叶受潮结块"),
    ("product_packaging", "礼盒运输途中压坏"),
    ("product_price", "同款茶叶比线上贵"),
    ("service_attitude", "店员解答不耐烦"),
    ("service_after_sales", "退换货等了一周"),
    ("service_feedback_channel", "热线一直占线"),
]
CHANNELS = ["hotline", "email", "suggestion_box", "web_form", "visit"]


def _at(today, days_ago: int, hour: int = 10):
    day = today - timedelta(days=int(days_ago))
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _date_history(case: Case, moments: list[datetime]) -> None:
    """The case's history (its audit entries, oldest first: opened, resolved, checked back) at
    the case's own moments, not at the moment the demo was loaded (a new-user review saw every
    demo case changed "today"). The trail stamps an entry when it is written; only the demo,
    which writes a year of cases at once, moves them."""
    entries = AuditEntry.objects.filter(model="case", object_id=str(case.pk)).order_by("id")
    for pk, moment in zip(entries.values_list("pk", flat=True), moments, strict=True):
        AuditEntry.objects.filter(pk=pk).update(at=moment)


def seed_voice(manager_id: int, today, seed: int) -> dict:
    rng = np.random.default_rng(seed + 11)
    manager = get_user_model().objects.get(pk=manager_id)
    owned = list(
        Customer.objects.filter(owner__isnull=False, erased_at__isnull=True)
        .order_by("id")
        .values_list("pk", "owner_id")[:2000]
    )
    if not owned:
        return {"survey answers": 0, "cases": 0}
    picks = rng.choice(len(owned), size=min(INVITED, len(owned)), replace=False)
    survey = surveys.create_survey(
        manager,
        {
            "title": "客户满意度回访",
            "description": "感谢您选择茗香茶业，请花一分钟告诉我们您的感受。",
            "kind": "satisfaction",
        },
        QUESTIONS,
    )
    surveys.open_survey(manager, survey.pk)
    links = surveys.invite(manager, survey.pk, customer_ids=[owned[int(i)][0] for i in picks])
    questions = list(survey.questions.order_by("order"))
    answered = 0
    for invitation, token in links:
        if rng.random() > 0.7:
            continue  # not every customer answers
        mood = rng.normal(0, 1)  # one customer's leaning, shared by their answers
        data = {
            q.pk: {"value": "", "value2": "", "choice": "", "text": "", "parts": {}}
            for q in questions
        }
        for q in questions:
            if q.kind == "rating":
                value = int(np.clip(round(3.8 + mood), 1, 5))
                data[q.pk]["value"] = str(value)
            elif q.kind == "nps":
                value = int(np.clip(round(7.5 + 2 * mood + rng.normal(0, 1)), 0, 10))
                data[q.pk]["value"] = str(value)
            else:  # expectation, then perception (price perceived below what was expected)
                expected = int(np.clip(round(4 + rng.normal(0, 0.7)), 1, 5))
                lean = -0.8 if q.attribute == "price" else 0.0
                perceived = int(np.clip(round(expected + mood + lean + rng.normal(0, 0.6)), 1, 5))
                data[q.pk].update(value=str(expected), value2=str(perceived))
        surveys.submit_answers(token, data, language="zh-hans")
        moment = _at(today, rng.integers(0, 360), hour=int(rng.integers(9, 21)))
        Response.objects.filter(invitation=invitation).update(submitted_at=moment)
        Invitation.objects.filter(pk=invitation.pk).update(
            sent_at=moment - timedelta(days=2), answered_at=moment
        )
        answered += 1

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in={o for _c, o in owned})}
    started = _at(today, 0, hour=0)  # the demo's day begins: every case's moment is before it
    opened = 0
    for i in range(CASES):
        customer_id, owner_id = owned[int(rng.integers(len(owned)))]
        cause, subject = COMPLAINTS[int(rng.integers(len(COMPLAINTS)))]
        days_ago = int(rng.integers(3, 360))
        when = _at(today, days_ago, hour=int(rng.integers(9, 19)))
        actor = users[owner_id]
        case = cases.open_case(
            actor,
            customer_id,
            {
                "channel": CHANNELS[i % len(CHANNELS)],
                "cause": cause,
                "subject": subject,
                "priority": "high" if i % 7 == 0 else "normal",
            },
            now=when,
        )
        opened += 1
        moments = [when]
        if rng.random() < 0.8:
            resolved = when + timedelta(hours=int(rng.integers(2, 96)))
            # a resolution or check still to come (a case opened three days ago) is not made
            if resolved < started:
                cases.resolve_case(
                    actor,
                    case.pk,
                    {
                        "resolution": "已致电道歉并更换新品",
                        "compensation_kind": "replacement" if i % 2 else "gift",
                    },
                    now=resolved,
                )
                moments.append(resolved)
            if rng.random() < 0.75:
                score = int(np.clip(round(4 + rng.normal(0, 0.9)), 1, 5))
                checked = resolved + timedelta(days=int(rng.integers(1, 5)))
                if checked < started:
                    cases.record_follow_up(
                        actor, case.pk, {"satisfaction_score": score}, now=checked
                    )
                    moments.append(checked)
        _date_history(case, moments)
    return {"survey answers": answered, "cases": opened}
