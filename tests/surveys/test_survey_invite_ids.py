"""The invite form and API refuse ids that are no customer's (a huge one overflowed the
database's integer: 500) with an error on the field, and take full-width digits."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.surveys import services
from guanxi.surveys.models import Invitation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "raw", ["99999999999999999999999", str(2**63), "-5", "abc", "２x", "²", "0"]
)
def test_invite_refuses_what_is_not_a_customer_id(manager, survey, customers, raw):
    with pytest.raises(ValidationError) as caught:
        services.invite(manager, survey.pk, customer_ids=[customers["a"][0].pk, raw])
    assert "customer_ids" in caught.value.message_dict
    assert not Invitation.objects.exists()


def test_invite_takes_full_width_digits(manager, survey, customers):
    wide = str(customers["a"][0].pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    made = services.invite(manager, survey.pk, customer_ids=[wide])
    assert [i.customer_id for i, _token in made] == [customers["a"][0].pk]


def test_the_invite_page_and_api_answer_a_huge_id_with_an_error(
    client_for, api_as, survey, customers
):
    page = client_for("manager")
    # the page takes external ids, mobiles or names (not internal ids): a huge number is
    # looked up as one of them and named as matching nobody, never a 500
    shown = page.post(f"/surveys/{survey.pk}/invite/", {"customers": "99999999999999999999999"})
    assert shown.status_code in (200, 422)
    assert "external id, number or name: 99999999999999999999999" in shown.content.decode()
    api = api_as("manager")
    for huge in (2**63, 2**40):
        answer = api.post(f"/surveys/{survey.pk}/invitations", {"customer_ids": [huge]})
        assert answer.status_code == 422
    assert not Invitation.objects.exists()
