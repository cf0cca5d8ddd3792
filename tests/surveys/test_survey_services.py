"""Surveys: building, links, answering (services and the public page)."""

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.surveys import services
from guanxi.surveys.models import Answer, Invitation, Response, SurveyStatus

from .conftest import answers_for, as_service_data


@pytest.fixture(autouse=True)
def english():
    """The messages below are asserted in English (the default language is zh-hans)."""
    with translation.override("en"):
        yield


def test_only_managers_build_surveys_and_only_drafts_change(manager, rep1, survey):
    with pytest.raises(PermissionDenied):
        services.create_survey(rep1, {"title": "x"})
    with pytest.raises(ValidationError, match="draft"):
        services.add_question(manager, survey.pk, {"kind": "rating", "text": "再问一个"})
    with pytest.raises(ValidationError, match="draft"):
        services.update_survey(manager, survey.pk, {"title": "改名"})


def test_question_validation_is_per_kind(manager):
    draft = services.create_survey(manager, {"title": "草稿"})
    with pytest.raises(ValidationError) as exc:
        services.add_question(manager, draft.pk, {"kind": "gap", "text": "质量", "scale": 6})
    assert set(exc.value.message_dict) == {"attribute", "scale"}
    with pytest.raises(ValidationError) as exc:
        services.add_question(
            manager, draft.pk, {"kind": "peak", "text": "高峰", "touchpoints": ["一"]}
        )
    assert "touchpoints" in exc.value.message_dict
    with pytest.raises(ValidationError, match="question"):
        services.open_survey(manager, draft.pk)  # no questions yet


def test_tokens_are_unguessable_hashed_and_single_use(survey, links, customers):
    tokens = list(links.values())
    assert len(set(tokens)) == len(tokens) == 5
    assert all(len(t) >= 43 for t in tokens)
    stored = set(Invitation.objects.values_list("token_hash", flat=True))
    assert not stored & set(tokens)  # only hashes are kept
    assert stored == {services.token_hash(t) for t in tokens}
    token = links[customers["a"][0].pk]
    assert services.invitation_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    data = as_service_data(survey, answers_for(survey))
    services.submit_answers(token, data)
    with pytest.raises(services.SurveyUnavailable, match="used already"):
        services.submit_answers(token, data)
    assert Response.objects.count() == 1


def test_closed_survey_refuses_answers(survey, links, customers, manager):
    services.close_survey(manager, survey.pk)
    token = links[customers["a"][0].pk]
    with pytest.raises(services.SurveyUnavailable, match="closed"):
        services.submit_answers(token, as_service_data(survey, answers_for(survey)))
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{token}/")
    assert page.status_code == 410
    assert "closed" in page.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nps": 11}, "from 0 to 10"),
        ({"rating": 0}, "from 1 to 5"),
        ({"gap": ((4, 3), (5, 8))}, "from 1 to 7"),
        ({"gap": ((6, 3), (5, 6))}, "from 1 to 5"),
        ({"kano": (1, 6)}, "with the feature and without it"),
        ({"peak": ("月球", 5)}, "moments listed"),
        ({"end": ("售后", 9)}, "from 1 to 5"),
        ({"value": (4, 4, 3, 3, 2, 2, 1, 6)}, "every part of value and cost"),
    ],
)
def test_out_of_range_answers_are_refused_and_nothing_is_written(
    survey, links, customers, change, message
):
    token = links[customers["a"][0].pk]
    form = answers_for(survey, **change)
    with pytest.raises(ValidationError) as exc:
        services.submit_answers(token, as_service_data(survey, form))
    assert message in " ".join(m for ms in exc.value.message_dict.values() for m in ms)
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Invitation.objects.get(customer=customers["a"][0]).answered_at is None
    # the public page says so, in Chinese too, and keeps the link usable
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(f"/s/{token}/", form)
    assert page.status_code == 422
    assert '<html lang="zh-hans"' in page.content.decode()
    assert 'role="alert"' in page.content.decode()
    ok = Client().post(f"/s/{token}/", answers_for(survey))
    assert ok.status_code == 302 and Response.objects.count() == 1


def test_writes_are_audited(survey, links, customers, manager):
    customer = customers["a"][0]
    services.submit_answers(links[customer.pk], as_service_data(survey, answers_for(survey)))
    response = Response.objects.get()
    entries = AuditEntry.objects.filter(object_id=str(response.pk), customer_id=customer.pk)
    entry = entries.get(model="response")
    assert entry.action == AuditEntry.Action.CREATE and entry.actor is None
    invitation = Invitation.objects.get(customer=customer)
    assert AuditEntry.objects.filter(
        model="invitation", object_id=str(invitation.pk), customer_id=customer.pk
    ).exists()
    assert (
        AuditEntry.objects.filter(model="survey", object_id=str(survey.pk)).count() == 2
    )  # create, open
    services.close_survey(manager, survey.pk)
    assert AuditEntry.objects.filter(model="survey", actor=manager).count() == 3


def test_invite_a_segment_reaches_only_the_editors_scope(manager, customers, survey, teams):
    from guanxi.accounts.models import DataScope, Role
    from guanxi.accounts.services import create_user
    from guanxi.segments.services import create_segment

    lead = create_user(
        "mgr_a",
        "demo-pass",
        role=Role.MANAGER,
        data_scope=DataScope.DEPARTMENT,
        department=teams["a"],
    )
    segment = create_segment(lead, {"name": "全部", "params": {}})
    made = services.invite(lead, survey.pk, segment_pk=segment.pk)
    assert {i.customer_id for i, _t in made} == {c.pk for c in customers["a"]}
    again = services.invite(lead, survey.pk, segment_pk=segment.pk)
    assert again == []  # already invited


def test_renewing_a_link_retires_the_old_one(survey, links, customers, manager):
    customer = customers["a"][0]
    invitation = Invitation.objects.get(customer=customer)
    _inv, fresh = services.renew_link(manager, invitation.pk)
    assert services.invitation_for_token(links[customer.pk]) is None
    assert services.invitation_for_token(fresh).pk == invitation.pk


def test_public_page_in_both_languages_without_customer_data(survey, links, customers):
    token = links[customers["a"][0].pk]
    en = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{token}/")
    zh = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/s/{token}/")
    assert en.status_code == zh.status_code == 200
    # (the Chinese texts come with the catalogue, merged from the translations file)
    assert "Send my answers" in en.content.decode()
    assert '<html lang="en"' in en.content.decode()
    assert '<html lang="zh-hans"' in zh.content.decode()
    assert (
        'value="zh-hans" lang="zh-hans" class="current" aria-pressed="true"' in zh.content.decode()
    )
    for page in (en, zh):
        body = page.content.decode()
        assert survey.title in body
        assert customers["a"][0].name not in body
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
        assert "csrfmiddlewaretoken" in body
    # the language switch sets the language for the next view of the page
    switched = Client(HTTP_ACCEPT_LANGUAGE="en")
    switched.post("/i18n/setlang/", {"language": "zh-hans", "next": f"/s/{token}/"})
    assert '<html lang="zh-hans"' in switched.get(f"/s/{token}/").content.decode()


def test_the_public_language_switch_returns_to_the_full_address(survey, links, customers):
    """A demo review: the switch on the public survey page kept the path but dropped the
    query string (a token or source parameter of the link sent out)."""
    token = links[customers["a"][0].pk]
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{token}/", {"src": "sms", "ref": "春季"})

    body = page.content.decode()
    expected = f"/s/{token}/?src=sms&amp;ref=%E6%98%A5%E5%AD%A3"
    assert f'<input name="next" type="hidden" value="{expected}">' in body
    # and pressing 简体中文 comes back to that address, query string and all
    back = Client().post("/i18n/setlang/", {"language": "zh-hans", "next": unescape(expected)})
    assert back.status_code == 302 and back["Location"] == unescape(expected)


def test_public_post_needs_the_csrf_token(survey, links, customers):
    token = links[customers["a"][0].pk]
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/s/{token}/", answers_for(survey)).status_code == 403
    page = client.get(f"/s/{token}/")
    form = {**answers_for(survey), "csrfmiddlewaretoken": page.cookies["csrftoken"].value}
    assert client.post(f"/s/{token}/", form).status_code == 302
    thanks = client.get("/s/thanks/")
    assert thanks.status_code == 200
    used = client.get(f"/s/{token}/")
    assert used.status_code == 410


def test_unknown_link_is_404(db):
    assert Client().get("/s/" + "x" * 43 + "/").status_code == 404


def test_survey_status_moves_forward_only(manager, survey):
    assert survey.status == SurveyStatus.OPEN
    with pytest.raises(ValidationError):
        services.open_survey(manager, survey.pk)
    services.close_survey(manager, survey.pk)
    with pytest.raises(ValidationError):
        services.close_survey(manager, survey.pk)
    with pytest.raises(ValidationError, match="closed"):
        services.invite(manager, survey.pk, customer_ids=[1])
