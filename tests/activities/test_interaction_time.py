"""An interaction records what happened: its time may not be in the future (a new-user review
saved one dated 2027, which then sat at the top of the timeline). One rule for the page, the
API and imports: the service's."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from guanxi.activities.models import Interaction
from guanxi.activities.services import FUTURE_SLACK, record_interaction, update_interaction

CALL = {"channel": "phone", "direction": "outbound", "subject": "回访"}


def test_an_interaction_in_the_future_is_refused(personas, customer_of):
    customer = customer_of("rep1")
    later = timezone.now() + FUTURE_SLACK + timedelta(minutes=5)

    with pytest.raises(ValidationError) as future, translation.override("en"):
        record_interaction(personas["rep1"], customer, {**CALL, "occurred_at": later})
    # a client clock a few minutes fast is no future
    done = record_interaction(
        personas["rep1"], customer, {**CALL, "occurred_at": timezone.now() + timedelta(minutes=2)}
    )
    with pytest.raises(ValidationError):
        update_interaction(personas["rep1"], done, {"occurred_at": later.isoformat()})

    with translation.override("en"):
        assert "Plan it as a task" in future.value.message_dict["occurred_at"][0]
    assert Interaction.objects.count() == 1


def test_the_api_and_the_page_say_so_in_the_users_language(api_as, client_for, customer_of):
    customer = customer_of("rep1")
    later = (timezone.localtime() + timedelta(days=200)).replace(second=0, microsecond=0)

    answer = api_as("rep1", lang="zh-hans").post(
        "/interactions",
        {**CALL, "customer_id": customer.pk, "occurred_at": later.isoformat()},
    )
    page = client_for("rep1").post(
        f"/customers/{customer.pk}/interactions/new/",
        {**CALL, "content_kind": "information", "occurred_at": later.strftime("%Y-%m-%dT%H:%M")},
    )

    assert answer.status_code == 422
    assert "不能是将来的时间" in answer.json()["errors"]["occurred_at"][0]
    assert "it cannot be in the future" in page.content.decode()
    assert not Interaction.objects.exists()
