"""Body language on a visit (seed 000): the form's checkboxes, the service's rules, the API and
the timeline."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.activities.models import Interaction
from guanxi.activities.services import record_interaction, update_interaction

VISIT = {"channel": "visit", "direction": "outbound", "subject": "上门拜访"}


def test_a_visit_keeps_the_signals_in_the_textbooks_order(personas, customer_of):
    customer = customer_of("rep1")

    visit = record_interaction(
        personas["rep1"],
        customer,
        {**VISIT, "body_language": ["steepled_fingers", "ankles_locked", "ankles_locked"]},
    )

    assert Interaction.objects.get(pk=visit.pk).body_language == [
        "ankles_locked",
        "steepled_fingers",
    ]


def test_unknown_signals_and_signals_on_a_phone_call_are_refused(personas, customer_of):
    customer = customer_of("rep1")

    with pytest.raises(ValidationError) as unknown:
        record_interaction(personas["rep1"], customer, {**VISIT, "body_language": ["yawning"]})
    with pytest.raises(ValidationError) as phone:
        record_interaction(
            personas["rep1"],
            customer,
            {**VISIT, "channel": "phone", "body_language": ["ankles_open"]},
        )
    visit = record_interaction(
        personas["rep1"], customer, {**VISIT, "body_language": ["ankles_open"]}
    )
    with pytest.raises(ValidationError):
        update_interaction(personas["rep1"], visit, {"channel": "phone"})

    assert "body_language" in unknown.value.message_dict
    assert "body_language" in phone.value.message_dict
    assert Interaction.objects.count() == 1


def test_the_form_offers_the_signals_and_the_timeline_shows_their_meaning(
    client_for, personas, customer_of
):
    customer = customer_of("rep1")
    page = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert 'value="hands_behind_head"' in page and "Steepled fingers" in page

    posted = client_for("rep1").post(
        f"/customers/{customer.pk}/interactions/new/",
        {**VISIT, "content_kind": "information", "body_language": ["hands_behind_head"]},
    )
    timeline = client_for("rep1", "zh-hans").get(f"/customers/{customer.pk}/").content.decode()

    assert posted.status_code == 302
    assert Interaction.objects.get().body_language == ["hands_behind_head"]
    assert "双手抱头" in timeline and "强烈的自信和主导意识" in timeline
    # the signal and its meaning joined by the language's colon: full-width in Chinese
    assert "<strong>双手抱头：</strong>" in timeline and "双手抱头</strong>:" not in timeline
    english = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert "<strong>Hands behind the head: </strong>" in english


def test_the_api_takes_and_returns_the_signals(api_as, customer_of):
    customer = customer_of("rep1")

    made = api_as("rep1").post(
        "/interactions", {"customer_id": customer.pk, **VISIT, "body_language": ["rubbing_thighs"]}
    )
    refused = api_as("rep1").post(
        "/interactions",
        {
            "customer_id": customer.pk,
            **VISIT,
            "channel": "email",
            "body_language": ["rubbing_thighs"],
        },
    )

    assert made.status_code == 201 and made.json()["body_language"] == ["rubbing_thighs"]
    assert refused.status_code == 422


def test_interaction_forms_share_fields_but_each_offers_its_own_customers_contacts(
    personas, customer_of
):
    # given: two firms with a contact each, and a person (the form's fields are shared by its
    # instances, but for the contact field: guanxi.validation.SharedFields)
    from django.utils import translation

    from guanxi.activities.forms import InteractionForm
    from guanxi.customers.services import create_contact

    firm_a = customer_of("rep1", name="甲公司", kind="organisation")
    firm_b = customer_of("rep1", name="乙公司", kind="organisation")
    person = customer_of("rep1", name="张三")
    a = create_contact(personas["rep1"], firm_a, {"name": "王甲"})
    b = create_contact(personas["rep1"], firm_b, {"name": "李乙"})

    # when
    form_a, form_b, form_p = (InteractionForm(customer=c) for c in (firm_a, firm_b, person))

    # then
    assert list(form_a.fields["contact"].queryset) == [a]
    assert list(form_b.fields["contact"].queryset) == [b]
    assert "contact" not in form_p.fields and "contact" in InteractionForm.base_fields
    assert form_a.fields["subject"] is InteractionForm.base_fields["subject"]
    signals = dict(form_p.fields["body_language"].choices)
    with translation.override("en"):
        assert "Steepled fingers" in str(signals["steepled_fingers"])
    with translation.override("zh-hans"):
        assert "Steepled fingers" not in str(signals["steepled_fingers"])


def test_the_signals_are_named_once_by_their_fieldsets_legend(client_for, customer_of):
    # a review found the legend's text again in a <label for=""> that labelled nothing
    customer = customer_of("rep1")

    page = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()

    group = page[page.index('<fieldset class="body-language">') :]
    group = group[: group.index("</fieldset>")]
    assert "<legend>Body language (on a visit)</legend>" in group
    assert 'for=""' not in group and group.count("Body language (on a visit)") == 1
