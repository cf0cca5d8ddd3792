"""Which customer fields are sensitive and how they are masked (DOMAIN.md §1).

Masking happens here for lists, pages, exports and the API alike; revealing a true value, and
logging it, is guanxi.privacy.sensitive.reveal.
"""

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


def masked_dict(customer) -> dict:
    return {field: mask_value(field, getattr(customer, field)) for field in SENSITIVE_FIELDS}
