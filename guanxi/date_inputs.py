"""The page forms' dates and moments: one style everywhere, the browser's own picker.

A new-user review found two styles side by side: native pickers on some forms, plain text boxes
(YYYY-MM-DD) on others. Every date field of a page form or a list filter is now a
``<input type="date">`` and every moment a ``<input type="datetime-local">``, checked on the
server the same way (a real date, within the years guanxi.validation accepts) with the same
message; the server still reads what a client without the picker sends (2024/3/5, 2024年3月5日).
"""

from datetime import date, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.validation import validate_year

# What the pickers send and show: ISO 8601, whatever the page's language.
ISO_DATE = "%Y-%m-%d"
ISO_MINUTE = "%Y-%m-%dT%H:%M"
# The one message for a value that is no date (the services' own words).
INVALID_DATE = _("Enter a date as YYYY-MM-DD.")
INVALID_DATETIME = _("Enter a date and time, e.g. 2024-03-05 14:30.")


class DateInput(forms.DateInput):
    """A date picker. A value sent in another format the field reads (2024/3/5) is shown back
    as ISO, which is all a picker can show (it would show an empty box)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)

    def format_value(self, value):
        if isinstance(value, str) and value:
            try:
                value = forms.DateField().to_python(value)
            except forms.ValidationError:
                return value
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()  # strftime writes the year 1 as "1", which no picker takes
        return super().format_value(value)


class DateTimeInput(forms.DateTimeInput):
    """A date-and-time picker, to the minute; a moment with seconds (an imported order's) keeps
    them, with a step of one second so that the browser accepts it back unchanged."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_MINUTE)

    def _moment(self, value):
        if isinstance(value, str) and value:
            try:
                return forms.DateTimeField().to_python(value)
            except forms.ValidationError:
                return None
        return value if isinstance(value, datetime) else None

    def format_value(self, value):
        moment = self._moment(value)
        if moment is None:
            return super().format_value(value)
        # isoformat, not strftime: the year 1 would be "1-01-01T…", an empty box in a picker
        # (a refused year must come back as typed); the moment is already in local time
        spec = "seconds" if moment.second else "minutes"
        return moment.replace(tzinfo=None, microsecond=0).isoformat(timespec=spec)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        moment = self._moment(value)
        if moment is not None and moment.second:
            context["widget"]["attrs"].setdefault("step", "1")
        return context


def native_date(field: forms.Field, *, year_checked_by_service: bool = False) -> forms.Field:
    """`field` (a DateField or DateTimeField, e.g. a model's formfield()) with its picker, the
    year check and the one message for a value that is no date; other fields unchanged.

    `year_checked_by_service`: the form's service checks the year (check_year, the same
    message) together with the other fields, so the form leaves it to the service and a page
    shows every error at once, not the year's alone."""
    if isinstance(field, forms.DateTimeField):
        field.widget = DateTimeInput(attrs=field.widget.attrs)
        if field.error_messages["invalid"] == forms.DateTimeField.default_error_messages["invalid"]:
            field.error_messages["invalid"] = INVALID_DATETIME  # not a form's own words
    elif isinstance(field, forms.DateField):
        field.widget = DateInput(attrs=field.widget.attrs)
        field.error_messages["invalid"] = INVALID_DATE
    else:
        return field
    if not year_checked_by_service and validate_year not in field.validators:
        field.validators.append(validate_year)
    return field


def date_field(
    label, *, required: bool = False, year_checked_by_service: bool = False, **kwargs
) -> forms.DateField:
    """A form's date field: the picker, the year check, the one message for no date."""
    return native_date(
        forms.DateField(label=label, required=required, **kwargs),
        year_checked_by_service=year_checked_by_service,
    )


def datetime_field(
    label, *, required: bool = False, year_checked_by_service: bool = False, **kwargs
) -> forms.DateTimeField:
    """A form's moment: the date-and-time picker, the year check, one message for no date."""
    return native_date(
        forms.DateTimeField(label=label, required=required, **kwargs),
        year_checked_by_service=year_checked_by_service,
    )
