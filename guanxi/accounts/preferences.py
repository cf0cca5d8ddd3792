"""A user's interface language: stored when they switch 中文 / English, and the language of
the texts the system writes for them (reminder and escalation tasks), whoever's request or
job writes those.

Blank means "follow the browser" for pages; for texts written while the user is not there,
the site's language (settings.LANGUAGE_CODE).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry

from .models import Profile


@transaction.atomic
def set_own_language(user, language: str) -> bool:
    """Store the user's interface language ("" to follow the browser); audited on the
    account. Returns whether it changed. A superuser without a profile keeps only the
    cookie: creating a profile would make them a manager in the team's lists."""
    language = language or ""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the offered languages.")]})
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.language == language:
        return False
    before = profile.language
    profile.language = language
    profile.save(update_fields=["language", "updated_at"])
    user.profile = profile  # the rest of this request sees the new choice
    audit.record(user, AuditEntry.Action.UPDATE, user, changes={"language": [before, language]})
    return True


def language_of(user) -> str:
    """The language to write in for this user: their stored choice, else the site's."""
    profile = getattr(user, "profile", None) if user is not None else None
    return (profile.language if profile is not None else "") or settings.LANGUAGE_CODE


def languages_of(user_ids) -> dict[int, str]:
    """language_of for many users in one query: {user id: language}; every id is a key."""
    ids = {pk for pk in user_ids if pk is not None}
    stored = dict(
        Profile.objects.filter(user_id__in=ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {pk: stored.get(pk) or settings.LANGUAGE_CODE for pk in ids}
