"""Schema validation messages in the caller's language.

Pydantic writes its messages in English only; the API answers in the language of the request
(Accept-Language). Each pydantic error type the API's schemas can raise has a translatable
message here, formatted with the error's context (``{max_length}``, ``{ge}``, ...). A type not
listed falls back to a general message, so nothing reaches a Chinese user in English.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("This field is not accepted here."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_short": gettext_lazy("Enter at least {min_length} character(s)."),
    "string_too_long": gettext_lazy("Enter at most {max_length} characters."),
    "string_unicode": gettext_lazy("Enter valid Unicode text."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "int_parsing_size": gettext_lazy("The number is too large."),
    "float_type": gettext_lazy("Enter a number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "finite_number": gettext_lazy("Enter a finite number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_max_digits": gettext_lazy("Enter at most {max_digits} digits in all."),
    "decimal_max_places": gettext_lazy("Enter at most {decimal_places} decimal places."),
    "decimal_whole_digits": gettext_lazy(
        "Enter at most {whole_digits} digits before the decimal point."
    ),
    "decimal_finite_number": gettext_lazy("Enter a finite number."),
    "greater_than": gettext_lazy("Enter a value greater than {gt}."),
    "greater_than_equal": gettext_lazy("Enter a value of at least {ge}."),
    "less_than": gettext_lazy("Enter a value less than {lt}."),
    "less_than_equal": gettext_lazy("Enter a value of at most {le}."),
    "multiple_of": gettext_lazy("Enter a multiple of {multiple_of}."),
    "bool_type": gettext_lazy("Enter true or false."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "date_type": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": gettext_lazy("Enter a date without a time of day."),
    "datetime_type": gettext_lazy("Enter a date and time (YYYY-MM-DDTHH:MM:SS)."),
    "datetime_parsing": gettext_lazy("Enter a date and time (YYYY-MM-DDTHH:MM:SS)."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time (YYYY-MM-DDTHH:MM:SS)."),
    "datetime_object_invalid": gettext_lazy("Enter a date and time (YYYY-MM-DDTHH:MM:SS)."),
    "timezone_aware": gettext_lazy("Enter a date and time with a time zone."),
    "enum": gettext_lazy("Choose one of: {expected}."),
    "literal_error": gettext_lazy("Choose one of: {expected}."),
    "list_type": gettext_lazy("Enter a list."),
    "too_short": gettext_lazy("Enter at least {min_length} item(s)."),
    "too_long": gettext_lazy("Enter at most {max_length} items."),
    "dict_type": gettext_lazy("Enter an object."),
    "model_type": gettext_lazy("Enter an object."),
    "model_attributes_type": gettext_lazy("Enter an object."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "json_type": gettext_lazy("The request body is not valid JSON."),
    "uuid_parsing": gettext_lazy("Enter a valid UUID."),
    "url_parsing": gettext_lazy("Enter a valid URL."),
    "union_tag_invalid": gettext_lazy("Enter a valid value."),
}


def schema_message(error: dict) -> str:
    """One pydantic error (``{"type", "loc", "msg", "ctx"}``) as a message in the active
    language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        # Our own validators raise ValueError with a message already translated.
        return str(ctx["error"])
    template = MESSAGES.get(kind)
    if template is None:
        return _("Enter a valid value.")
    try:
        return str(template).format(**{k: _plain(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return _("Enter a valid value.")


def _plain(value):
    # pydantic gives "expected" as "'a', 'b' or 'c'" (English "or"): a plain list instead
    return str(value).replace("' or '", "', '")
