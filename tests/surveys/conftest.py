"""Survey tests: a survey of every question kind, customers of two teams, and their links."""

import pytest

from tests.api.conftest import anonymous, api_as  # noqa: F401
from tests.pages.conftest import client_for  # noqa: F401

QUESTIONS = [
    {"kind": "rating", "text": "总体满意度"},
    {"kind": "nps", "text": "您向朋友推荐我们的可能性有多大？"},
    {"kind": "gap", "text": "产品质量", "attribute": "quality", "scale": 5},
    {"kind": "gap", "text": "价格", "attribute": "price", "scale": 7},
    {"kind": "kano", "feature": "免费送货"},
    {"kind": "peak", "text": "最难忘的时刻", "touchpoints": ["下单", "送货", "售后"]},
    {"kind": "end", "text": "最后的时刻", "touchpoints": ["下单", "送货", "售后"]},
    {"kind": "text", "text": "其他建议"},
    {"kind": "value", "text": "您得到的和付出的"},
]
PARTS = ("product", "service", "personnel", "image", "money", "time", "energy", "physical")


@pytest.fixture
def survey(manager):
    from guanxi.surveys import services

    made = services.create_survey(
        manager, {"title": "2024 客户满意度调查", "kind": "satisfaction"}, QUESTIONS
    )
    return services.open_survey(manager, made.pk)


@pytest.fixture
def customers(customer_of):
    return {
        "a": [customer_of("rep1", name=f"甲客户{i}") for i in range(3)],
        "b": [customer_of("rep2", name=f"乙客户{i}") for i in range(2)],
    }


@pytest.fixture
def links(survey, customers, manager):
    """{customer pk: token} for every customer of both teams."""
    from guanxi.surveys import services

    ids = [c.pk for team in customers.values() for c in team]
    return {
        i.customer_id: token for i, token in services.invite(manager, survey.pk, customer_ids=ids)
    }


def answers_for(
    survey,
    *,
    rating=4,
    nps=9,
    gap=((4, 3), (5, 6)),
    kano=(1, 5),
    peak=("送货", 5),
    end=("售后", 3),
    text="",
    value=(4, 4, 3, 3, 2, 2, 1, 3),
):
    """The POST form of the public page for one respondent."""
    questions = list(survey.questions.order_by("order"))
    data = {}
    gaps = iter(gap)
    for q in questions:
        key = f"q{q.pk}"
        if q.kind == "rating":
            data[key] = str(rating)
        elif q.kind == "nps":
            data[key] = str(nps)
        elif q.kind == "gap":
            e, p = next(gaps)
            data[key], data[f"{key}_2"] = str(e), str(p)
        elif q.kind == "kano":
            data[key], data[f"{key}_2"] = str(kano[0]), str(kano[1])
        elif q.kind in ("peak", "end"):
            choice, moment = peak if q.kind == "peak" else end
            data[f"{key}_choice"], data[key] = choice, str(moment)
        elif q.kind == "value":
            for part, rating in zip(PARTS, value, strict=True):
                data[f"{key}_{part}"] = str(rating)
        else:
            data[f"{key}_text"] = text
    return data


def as_service_data(survey, form):
    """The public page's form as submit_answers takes it."""
    out = {}
    for q in survey.questions.all():
        key = f"q{q.pk}"
        out[q.pk] = {
            "value": form.get(key, ""),
            "value2": form.get(f"{key}_2", ""),
            "choice": form.get(f"{key}_choice", ""),
            "text": form.get(f"{key}_text", ""),
            "parts": {part: form.get(f"{key}_{part}", "") for part in PARTS},
        }
    return out
