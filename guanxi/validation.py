"""One set of input rules for every door: forms, the API, imports and services.

A service is the last line: it calls these checks itself, so a page, an API call and an
imported row are refused for the same reason with the same message. Schemas and forms call the
same functions early, to report the error next to its field.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
# Characters a text field may hold besides printable ones: tab and line breaks (in notes).
_ALLOWED_CONTROLS = frozenset("\t\n\r")
# Invisible characters: a name made only of these (and spaces) is empty to a reader.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Mn"})


def control_characters(value: str) -> list[str]:
    """The control characters (other than tab and line breaks) in `value`, e.g. ['\\x01']."""
    return [
        ch
        for ch in value
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs")
    ]


def clean_text(value: str, *, multiline: bool = True) -> str:
    """The text if a database can store it and a reader can see it; else ValueError.

    Refuses NUL and other control characters, lone surrogates, and (single-line fields) line
    breaks. ValueError, not ValidationError, so pydantic reports it per field too.
    """
    bad = control_characters(value)
    if not multiline:
        bad += [ch for ch in value if ch in "\n\r"]
    if bad:
        codes = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in bad}))
        raise ValueError(_("Remove the control characters (%(codes)s).") % {"codes": codes})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(_("Enter valid Unicode text.")) from exc
    return value


def is_blank(value: str | None) -> bool:
    """True when `value` shows nothing: empty, spaces, or only zero-width characters."""
    return not value or all(unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value)


def check_year(value):
    """A date or datetime within the years a CRM deals with; else ValueError."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            _("Enter a date between the years %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


def field_errors(checks: dict[str, callable]) -> None:
    """Run {field: check} and raise one ValidationError naming every failing field."""
    errors = {}
    for field, check in checks.items():
        try:
            check()
        except ValueError as exc:
            errors[field] = [str(exc)]
    if errors:
        raise ValidationError(errors)
