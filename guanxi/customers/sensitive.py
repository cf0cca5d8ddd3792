"""Which customer fields are sensitive and how they are masked (DOMAIN.md §1).

Masking happens here for lists, pages, exports and the API alike; revealing a true value, and
logging it, is guanxi.privacy.sensitive.reveal.
"""

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

SENSITIVE_FIELDS: dict[str, object] = {
    "id_number": _("ID number"),
    "bank_account": _("bank account"),
    "health_notes": _("health information"),
    "precise_location": _("precise location"),
    "is_minor": _("minor"),
}
MASK = "••••"


def mask_value(field: str, value):
    """A masked stand-in that shows a value exists without showing it."""
    if value in ("", None, False):
        return value if field != "is_minor" else None
    if field in {"id_number", "bank_account"} and isinstance(value, str) and len(value) > 4:
        return MASK + value[-2:]
    return MASK if field != "is_minor" else None


def keeps_stored(field: str, value, stored) -> bool:
    """Whether a submitted `value` is the masked rendering of the `stored` customer's value,
    exactly as a GET showed it: sent back, it means "unchanged", not a new value. With no
    stored customer (a new one) only is_minor's null (its mask, never a value) qualifies."""
    if field == "is_minor" and value is None:
        return True
    return stored is not None and value == mask_value(field, getattr(stored, field))


def shows_mask(field: str, value) -> bool:
    """Whether `value` carries the mask, so cannot be a real value: MASK anywhere, and in an
    identifier (ID or account number, a location) any bullet of it. Health notes may be a
    bulleted list, so there a single • is text."""
    if not isinstance(value, str):
        return False
    return MASK in value or (field != "health_notes" and MASK[0] in value)


def mask_phone(value: str) -> str:
    """A phone number to recognise, not to call, written as the pages write numbers (national
    format: 139 1234 5678) with the digits between the first three and the last four hidden:
    +8613912345678 → 139 •••• 5678. A number of 8 to 10 digits keeps fewer leading ones, so
    at least four are always hidden; a shorter or unreadable one is MASK alone."""
    if not value:
        return ""
    text = value
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(digits) < 8:
        return MASK
    hidden = set(digits[min(3, len(digits) - 8) : -4])
    return "".join("•" if i in hidden else ch for i, ch in enumerate(text))


def masked_dict(customer) -> dict:
    return {field: mask_value(field, getattr(customer, field)) for field in SENSITIVE_FIELDS}
