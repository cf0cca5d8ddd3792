"""One rule for a stated purpose (validation.clean_purpose) at every door that logs one: a
single reveal (page, API), the sensitive export (page, command) and a data subject's requests
(API). A hostile review: four zero-width spaces passed as a purpose everywhere, and the export
stored NUL and BEL in the reveal log (which PostgreSQL cannot even hold)."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from guanxi.privacy.models import RevealLog
from guanxi.validation import clean_purpose

ZERO_WIDTH = "\u200b" * 4
CONTROLS = "ab\x00\x07cd"
INVISIBLE = "State the purpose (at least 4 visible characters: spaces and invisible characters do not count)."


@translation.override("en")
def test_clean_purpose_counts_visible_characters_and_refuses_control_characters():
    assert clean_purpose("  核对资料 \u3000") == "核对资料"
    assert clean_purpose("ab cd") == "ab cd"  # four visible: the space does not count
    blank_looking = ("\u3164" * 4, "\u2800" * 4, "\uffa0\u115f\u1160x")  # fillers, braille blank
    for invisible in (
        ZERO_WIDTH,
        "\u200b核对\u200b",
        " \u3000 ",
        "",
        None,
        "\ufeff\u200d\u2060x",
        *blank_looking,
    ):
        with pytest.raises(ValueError, match="at least 4 visible characters"):
            clean_purpose(invisible)
    for controlled, code in ((CONTROLS, "U+0000, U+0007"), ("核对\n资料", "U+000A")):
        with pytest.raises(ValueError, match=re.escape(f"Remove the control characters ({code})")):
            clean_purpose(controlled)
    with pytest.raises(ValueError, match="at most 200 characters"):
        clean_purpose("查" * 201)
    with translation.override("zh-hans"), pytest.raises(ValueError) as refused:
        clean_purpose(ZERO_WIDTH)
    assert str(refused.value) == "请说明目的（至少 4 个可见字符，空格和不可见字符不计）。"


def test_a_reveal_needs_a_visible_purpose_on_the_page_and_in_the_api(customer_of, personas, api_as):
    customer = customer_of("rep1", id_number="110101199003071234")
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(personas["manager"])
    url = f"/customers/{customer.pk}/reveal/"

    for purpose in (ZERO_WIDTH, CONTROLS):
        html = page.post(url, {"field": "id_number", "purpose": purpose}).content.decode()
        assert "110101199003071234" not in html
        by_api = api_as("manager").post(
            f"/customers/{customer.pk}/reveal", {"field": "id_number", "purpose": purpose}
        )
        assert by_api.status_code == 422
        assert list(by_api.json()["errors"]) == ["purpose"]
    assert (
        INVISIBLE in page.post(url, {"field": "id_number", "purpose": ZERO_WIDTH}).content.decode()
    )
    assert by_api.json()["errors"]["purpose"] == ["Remove the control characters (U+0000, U+0007)."]
    assert not RevealLog.objects.exists()


def test_a_sensitive_export_needs_a_visible_purpose_without_control_characters(
    customer_of, personas, tmp_path
):
    customer_of("rep1", id_number="110101199003071234")
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(personas["manager"])

    invisible = page.post("/data/export/customers.csv", {"sensitive": "1", "purpose": ZERO_WIDTH})
    controls = page.post("/data/export/customers.csv", {"sensitive": "1", "purpose": CONTROLS})
    with pytest.raises(CommandError, match="control characters"):
        call_command(
            "export_data", "customers", str(tmp_path / "c.csv"), "--user", "manager",
            "--include-sensitive", "--purpose", CONTROLS, "--language", "en",
        )  # fmt: skip

    assert invisible.status_code == 400 and invisible.content.decode() == INVISIBLE
    assert controls.status_code == 400
    assert controls.content.decode() == "Remove the control characters (U+0000, U+0007)."
    assert not RevealLog.objects.exists()
    fine = page.post("/data/export/customers.csv", {"sensitive": "1", "purpose": " 季度审计 "})
    assert "110101199003071234" in b"".join(fine.streaming_content).decode()
    assert set(RevealLog.objects.values_list("purpose", flat=True)) == {"季度审计"}


def test_a_data_subjects_request_needs_a_visible_purpose(customer_of, api_as):
    customer = customer_of("rep1", name="张三")
    api = api_as("manager")

    for path in ("personal-data", "erase"):
        for purpose in (ZERO_WIDTH, CONTROLS):
            response = api.post(f"/customers/{customer.pk}/{path}", {"purpose": purpose})
            assert response.status_code == 422
            assert list(response.json()["errors"]) == ["purpose"]
    assert response.json()["errors"]["purpose"] == [
        "Remove the control characters (U+0000, U+0007)."
    ]
    assert api.post(f"/customers/{customer.pk}/personal-data", {"purpose": ZERO_WIDTH}).json()[
        "errors"
    ] == {"purpose": [INVISIBLE]}
    customer.refresh_from_db()
    assert customer.erased_at is None and not RevealLog.objects.exists()
