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


class StaleEdit(Exception):  # noqa: N818 (a condition, not a programming error)
    """An edit based on an older version of a record than the stored one.

    The API answers 409; a page shows who changed it meanwhile and both values.
    `changes` is {field: [stored value, submitted value]} for the fields in conflict.
    """

    def __init__(self, instance, *, changed_by=None, changes: dict | None = None):
        self.instance = instance
        self.changed_by = changed_by
        self.changes = changes or {}
        who = getattr(changed_by, "username", None) or _("someone else")
        super().__init__(
            _("%(who)s changed this record meanwhile; reload it and apply your change again.")
            % {"who": who}
        )
