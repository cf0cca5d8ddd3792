"""Reads of leads for a user: the scoped, filtered and sorted list, and which of them the user
may change (to unmask their personal data)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.accounts.scope import visible_leads

from .features import describe
from .models import Lead, LeadStatus

SORTS = {
    "-score": ["-score", "-id"],
    "score": ["score", "id"],
    "-created": ["-id"],
    "created": ["id"],
}


def lead_list(
    user,
    *,
    status: str = "",
    source: str = "",
    owner: str = "",
    min_score: float | None = None,
    sort: str = "-score",
    pool: bool = False,
):
    """The leads of the user's scope, filtered; `owner` is a user id, "me" or "pool"."""
    qs = visible_leads(user, Lead.objects.select_related("owner__profile"))
    if status:
        if status not in LeadStatus.values:
            raise ValidationError({"status": [_("Unknown status.")]})
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if pool or owner == "pool":
        qs = qs.filter(owner__isnull=True)
    elif owner == "me":
        qs = qs.filter(owner=user)
    elif owner:
        if not str(owner).isdigit() or len(str(owner)) > 18:
            raise ValidationError({"owner": [_("Unknown owner.")]})
        qs = qs.filter(owner_id=int(owner))
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    if sort not in SORTS:
        raise ValidationError({"sort": [_("Unknown sort order.")]})
    order = SORTS[sort]
    if sort.endswith("score"):  # unscored leads last either way
        from django.db.models import F

        field = (
            F("score").desc(nulls_last=True)
            if sort == "-score"
            else F("score").asc(nulls_last=True)
        )
        return qs.order_by(field, order[1])
    return qs.order_by(*order)


def changeable_ids(user, leads) -> set[int]:
    """Of these leads, those the user may change (and so see unmasked), in one query."""
    ids = [lead.pk for lead in leads]
    if not ids:
        return set()
    return set(
        visible_leads(user, Lead.objects.filter(pk__in=ids), write=True).values_list(
            "pk", flat=True
        )
    )


def reasons_in_words(lead) -> list[str]:
    return [describe(r["feature"]) for r in (lead.score_reasons or [])]
