"""A customer's rights reach the surveys: erasure cancels its links and blanks its written
answers (audited), the subject-access export lists its invitations and answers."""

import pytest
from django.test import Client
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.privacy.services import erase_customer, export_personal_data
from guanxi.surveys import services
from guanxi.surveys.models import Answer, Invitation

from .conftest import answers_for, as_service_data


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _answer(client, token, survey, **kwargs):
    return client.post(f"/s/{token}/", answers_for(survey, **kwargs))


def test_erasure_cancels_the_links_and_blanks_the_written_answers(
    manager, survey, customers, links
):
    answered, waiting = customers["a"][0], customers["a"][1]
    other = customers["a"][2]
    public = Client()
    assert (
        _answer(public, links[answered.pk], survey, text="我是张秘密，电话13800001111").status_code
        == 302
    )
    assert _answer(public, links[other.pk], survey, text="别人的建议").status_code == 302

    erase_customer(manager, answered)
    erase_customer(manager, waiting)

    # the unanswered link is dead: 404 on the page, no answers taken
    assert public.get(f"/s/{links[waiting.pk]}/").status_code in (404, 410)
    posted = _answer(public, links[waiting.pk], survey)
    assert posted.status_code in (404, 410)
    with pytest.raises(services.SurveyUnavailable):
        services.submit_answers(links[waiting.pk], as_service_data(survey, answers_for(survey)))
    assert Invitation.objects.get(customer=waiting).answered_at is None
    # the written answer is gone, the figures stay
    answers = Answer.objects.filter(response__customer=answered)
    assert not answers.exclude(text="").exists()
    assert answers.get(question__kind="rating").value == 4
    assert answers.get(question__kind="nps").value == 9
    assert Answer.objects.get(response__customer=other, question__kind="text").text == "别人的建议"
    # audited as erasures by the erasing user, the old text scrubbed from the trail
    erasures = AuditEntry.objects.filter(action="erase", actor=manager)
    assert erasures.filter(model="invitation", customer_id=waiting.pk).exists()
    assert erasures.filter(model="answer", customer_id=answered.pk).exists()
    trail = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "张秘密" not in trail and "13800001111" not in trail
    # and no new link can be made for the erased customer
    invitation = Invitation.objects.get(customer=waiting)
    from django.http import Http404

    with pytest.raises(Http404):
        services.renew_link(manager, invitation.pk)


def test_the_export_lists_the_invitations_and_answers(manager, survey, customers, links):
    customer, waiting = customers["a"][0], customers["a"][1]
    assert _answer(Client(), links[customer.pk], survey, text="送货很快").status_code == 302
    exported = export_personal_data(customer)
    assert [i["survey"] for i in exported["survey_invitations"]] == [survey.title]
    assert exported["survey_invitations"][0]["answered_at"] is not None
    given = {a["kind"]: a for a in exported["survey_answers"]}
    assert given["text"]["text"] == "送货很快" and given["rating"]["value"] == 4
    assert given["kano"]["value"] == 1 and given["kano"]["value2"] == 5
    assert export_personal_data(waiting)["survey_answers"] == []
    assert export_personal_data(waiting)["survey_invitations"][0]["answered_at"] is None
