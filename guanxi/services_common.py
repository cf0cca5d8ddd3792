"""What every domain's services share."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def reject_unknown_fields(data: dict, allowed: Iterable[str]) -> None:
    """A service takes only the fields it knows: any other name is a ValidationError."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
