"""zh-hans date input: Django's own formats contain %n; ours accept what users type."""

import datetime

import pytest
from django import forms
from django.utils import translation


class BirthdayForm(forms.Form):
    birthday = forms.DateField()


@pytest.mark.parametrize("text", ["2024-03-05", "2024/3/5", "2024年3月5日", "2024/03/05"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_inputs_parse_in_both_languages(text, language):
    with translation.override(language):
        form = BirthdayForm(data={"birthday": text})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["birthday"] == datetime.date(2024, 3, 5)


def test_nonsense_date_is_rejected_with_a_message():
    with translation.override("zh-hans"):
        form = BirthdayForm(data={"birthday": "2024年13月5日"})
        assert not form.is_valid()
        assert form.errors["birthday"]
