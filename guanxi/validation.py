"""One set of input rules for every door: forms, the API, imports and services.

A service is the last line: it calls these checks itself, so a page, an API call and an
imported row are refused for the same reason with the same message. Schemas and forms call the
same functions early, to report the error next to its field.
"""

import copy
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

EARLIEST_YEAR, LATEST_YEAR = 1900, 2200
# Characters a text field may hold besides printable ones: tab and line breaks (in notes).
_ALLOWED_CONTROLS = frozenset("\t\n\r")
# Invisible characters: a name made only of these (and spaces) is empty to a reader.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Cc", "Mn"})
# ... and letters and symbols that draw nothing though Unicode files them as visible: the
# Hangul fillers (U+3164, U+115F, U+1160, U+FFA0) and the braille blank (U+2800). A hostile
# review stated a reveal's purpose as four of them.
_BLANK_LOOKING = frozenset("\u3164\u115f\u1160\uffa0\u2800")


def _invisible(ch: str) -> bool:
    return ch in _BLANK_LOOKING or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


# Bidirectional embeddings, overrides and isolates: "张三\u202e0001 户客VIP" reads as
# "张三 PIV客户 1000" and spills into what follows it on a page. Marks (U+200E/F) stay allowed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_characters(value: str) -> list[str]:
    """The control characters (other than tab and line breaks) in `value`, e.g. ['\\x01'],
    bidirectional overrides and isolates included."""
    return [
        ch
        for ch in value
        if (ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"))
        or ch in _BIDI_CONTROLS
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
    return not value or all(_invisible(ch) for ch in value)


PURPOSE_MIN, PURPOSE_MAX = 4, 200  # visible characters at least; characters at most (the log's)


def visible_length(value: str) -> int:
    """How many characters of `value` a reader sees: spaces and zero-width characters (what
    is_blank calls invisible) do not count."""
    return sum(1 for ch in value if not _invisible(ch))


def clean_purpose(value: str | None) -> str:
    """The stated purpose of a reveal, a sensitive export or a data subject's request, stripped;
    else ValueError. One rule for the page, the API, exports and the command line: single-line
    text a database can store (clean_text), at least PURPOSE_MIN visible characters (four
    zero-width spaces are no purpose anyone can read in the log), at most PURPOSE_MAX."""
    value = clean_text((value or "").strip(), multiline=False)
    if visible_length(value) < PURPOSE_MIN:
        raise ValueError(
            _(
                "State the purpose (at least %(min)d visible characters: spaces and invisible "
                "characters do not count)."
            )
            % {"min": PURPOSE_MIN}
        )
    if len(value) > PURPOSE_MAX:
        raise ValueError(
            _("Enter at most %(max)d characters (it has %(length)d).")
            % {"max": PURPOSE_MAX, "length": len(value)}
        )
    return value


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．＋－", "0123456789.+-")
# Full-width ASCII (ＡＢＣ１２３＠（）) and the ideographic space, as a Chinese input method types
# them. Not NFKC, which would also change the CJK compatibility ideographs of names.
_FULL_WIDTH_ASCII = {0x3000: " ", **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}}


def half_width(value: str) -> str:
    """`value` with full-width ASCII letters, digits and signs as ASCII (１３８ → 138): for what
    is ASCII by nature (a search for a phone or an address, a QQ number, a WeChat id)."""
    return value.translate(_FULL_WIDTH_ASCII)


def check_number_text(value):
    """A number given as text (an amount, a quantity, a count), before Decimal(), int() or
    float() reads it: ValueError naming the value when it holds an underscore. Python reads
    "1_000" and "1_0_0" as digit grouping; nobody writes an amount or a quantity so, and a typo
    turns into a different number. One rule for every door: page forms (the number fields
    below), imports (dataio.columns), the API (api_common's number types) and the services'
    own parsers. Full-width digits, point and signs (１２３．５, －５: what a Chinese input
    method may type) are returned as ASCII, so an amount, a quantity and a count all read them
    (Decimal took "１２３" but int and float, as pydantic reads them, refused it); spaces around
    the number stay accepted. Other values pass unchanged (the number's own checks follow)."""
    if isinstance(value, bool):  # JSON true is no quantity (pydantic read it as 1)
        raise ValueError(_("“%(value)s” is not a number.") % {"value": str(value).lower()})
    if isinstance(value, str) and "_" in value:
        shown = value.strip()
        shown = shown if len(shown) <= 40 else f"{shown[:40]}…"
        raise ValueError(
            _("“%(value)s” is not a number: write it without underscores (1000, not 1_000).")
            % {"value": shown}
        )
    if isinstance(value, str) and not value.isascii():
        return value.translate(_FULL_WIDTH)
    return value


class NumberText:
    """A form number field that refuses what check_number_text refuses, with its message,
    before Django's own reading (Decimal(), int(), float()) would take the underscores."""

    def to_python(self, value):
        try:
            value = check_number_text(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        return super().to_python(value)


class DecimalNumberField(NumberText, forms.DecimalField):
    """forms.DecimalField under check_number_text: every page's amounts and decimals."""


class WholeNumberField(NumberText, forms.IntegerField):
    """forms.IntegerField under check_number_text: quantities, counts, ids, versions."""


class FloatNumberField(NumberText, forms.FloatField):
    """forms.FloatField under check_number_text: thresholds and rates."""


def formfield_of(model_field, **kwargs) -> forms.Field:
    """model_field.formfield(), a number field above for a model's number (a product's price, a
    customer's credit limit or points): Django's own would read "1_000"."""
    for model_class, form_class in (
        (models.DecimalField, DecimalNumberField),
        (models.FloatField, FloatNumberField),
        (models.IntegerField, WholeNumberField),  # and its positive and small kinds
    ):
        if isinstance(model_field, model_class):
            kwargs.setdefault("form_class", form_class)
            break
    return model_field.formfield(**kwargs)


def check_year(value):
    """A date or datetime within the years a CRM deals with; else ValueError."""
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(
            _("Enter a date between the years %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    return value


def validate_year(value):
    """check_year as a form field validator (list filters: a year-9999 bound would overflow)."""
    try:
        check_year(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="year") from exc


# The largest id a filter accepts: the databases' 32-bit integer keys (larger ones overflow
# SQLite's integer parameters instead of matching nothing).
MAX_ID = 2**31 - 1


def check_text(value, *, max_length: int, multiline: bool = True, required: bool = False):
    """A text field's value for a service: text a database can store and a reader can see,
    at most `max_length` characters, not blank when `required`; else ValueError."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(_("Enter text."))
    clean_text(value, multiline=multiline)
    if required and is_blank(value):
        raise ValueError(_("This field is required."))
    if len(value) > max_length:
        raise ValueError(
            _("Enter at most %(max)d characters (it has %(length)d).")
            % {"max": max_length, "length": len(value)}
        )
    return value


class Errors(dict):
    """Collects {field: [messages]} so a service reports every error of an input at once."""

    def check(self, field: str, check, *args, **kwargs):
        """`check(*args, **kwargs)`, or None with its ValueError noted against `field`."""
        try:
            return check(*args, **kwargs)
        except ValueError as exc:
            self.add(field, str(exc))
            return None

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (else above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():  # the errors themselves keep their codes
            form.add_error(field if field in form.fields else None, errors)
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
        if "duplicate_warning" in codes and "confirm_duplicate" in form.fields:
            form.show_confirm = True
    else:
        form.add_error(None, exc.messages)


class ListFilters:
    """For a list page's filter form (GET parameters): a refused value leaves out only its
    own filter, and its box shows it again for the user to correct.

    Mixed into a django Form, before it: ``class OrderFilterForm(ListFilters, forms.Form)``.
    """

    def valid_data(self) -> dict:
        """The values of the fields that validated. A bad value (shown with its error) leaves
        out only its own filter: the others still narrow the list (a demo review saw a
        created-until date before the created-from date drop every other filter too)."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleans once; a field with an error is no key of cleaned_data
        return self.cleaned_data

    def refused(self) -> dict[str, str]:
        """{field: the value as it came} of each field that refused its value (2026-02-30, an
        end before the start). Its box shows that value again, next to the error above the
        list, for the user to correct; the filter itself is left out (valid_data)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.data.get(name, "") for name in self.errors if name in self.fields}


class SharedFields(dict):
    """A form class's fields (its `base_fields`) that its instances share instead of
    deep-copying them, but for those named in `own`.

    Django copies every field (with its widget and choices) into each form instance, so that
    one instance may change its own. A busy page's form whose instances change none of them
    (or only the `own` ones: a customer's contacts as a field's queryset) need not pay for the
    copy: CustomerFilterForm's 36 fields cost ~0.5 ms of every list page, the 360 page's
    interaction form ~0.25 ms (bench/cpu_pages.py). Each instance still gets its own dict.
    """

    def __init__(self, fields, own: tuple[str, ...] = ()):
        super().__init__(fields)
        self.own = frozenset(own)

    def __deepcopy__(self, memo):
        return {
            name: copy.deepcopy(field, memo) if name in self.own else field
            for name, field in self.items()
        }
