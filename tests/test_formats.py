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


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_write_every_date_one_way_in_both_languages(language):
    """A review counted three ways of writing a date across the pages (2026-12-01, 1 Dec 2026
    or 2026年12月1日, and with a time): every format name now gives the lists' ISO form."""
    from django.template import Context, Template
    from django.utils.formats import date_format

    day, moment = datetime.date(2026, 12, 1), datetime.datetime(2026, 12, 1, 9, 5)
    with translation.override(language):
        assert date_format(day, "DATE_FORMAT") == date_format(day, "SHORT_DATE_FORMAT")
        assert date_format(day) == "2026-12-01"
        assert date_format(moment, "DATETIME_FORMAT") == "2026-12-01 09:05"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026-12-01 09:05"
        # a date written as {{ value }} in a template, localized as Django does
        assert Template("{{ d }}").render(Context({"d": day})) == "2026-12-01"
