"""Segments and the analysis settings: every write here, each audited (guanxi.audit).

A segment's criteria are the customer list's GET parameters; `clean_params` validates them with
the list's own form (CustomerFilterForm) and `members` runs them with the list's own query
builder (customers.queries.customer_list) in the scope of the user asking.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    can_snapshot_segment,
    editable_segment,
    require_analysis_settings,
    require_save_segments,
    require_share_segment,
    whole_base_reader,
)
from guanxi.audit.models import AuditEntry
from guanxi.audit.services import record, record_many, record_update, snapshot
from guanxi.customers.forms import CustomerFilterForm
from guanxi.customers.queries import customer_list
from guanxi.scoring.models import AnalysisSettings, CustomerScore, RunStatus, ScoringRun
from guanxi.validation import clean_text

from .models import Segment, SegmentMembership, SegmentSnapshot, SnapshotTrigger

logger = logging.getLogger(__name__)

# What a page's query string carries that is no criterion: the pager's position.
NOT_CRITERIA = ("after", "page")
SEGMENT_FIELDS = ["name", "description", "params", "shared"]
MAX_PARAM_LENGTH = 200
DEFAULT_SORT = "newest"  # the list's own default: no criterion
MAX_SEGMENTS_PER_USER = 200


# Criteria -----------------------------------------------------------------------------------


def filter_form(params: dict) -> CustomerFilterForm:
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data[key] = value
    return CustomerFilterForm(data)


def clean_params(params) -> dict:
    """The criteria as stored: {name: text} of the customer list's filters, checked by the
    list's own form; a parameter the list does not know is refused (ValidationError)."""
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("The criteria must be a mapping of filter names.")]})
    form = filter_form({})
    known = set(form.fields) - set(NOT_CRITERIA)
    cleaned, errors = {}, {}
    for key, value in params.items():
        key = str(key)
        if key in NOT_CRITERIA:
            continue
        if key not in known:
            errors.setdefault("params", []).append(
                _("“%(name)s” is not a filter of the customer list.") % {"name": key[:50]}
            )
            continue
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors.setdefault(key, []).append(_("Give one value as text."))
            continue
        text = _text(value, key, errors)
        if len(text) > MAX_PARAM_LENGTH:
            errors.setdefault(key, []).append(
                _("At most %(n)s characters.") % {"n": MAX_PARAM_LENGTH}
            )
            continue
        if text and not (key == "sort" and text == DEFAULT_SORT):
            cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    form = filter_form(cleaned)
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return dict(sorted(cleaned.items()))


def params_from_query(query: str) -> dict:
    """The criteria of a customer-list URL query (`level=A&tag=VIP&page=2` -> level, tag)."""
    data = QueryDict(query or "")
    return {key: data.get(key) for key in data if key not in NOT_CRITERIA}


def is_valid(segment: Segment) -> bool:
    """Its criteria still pass the list's form (a choice may have gone since it was saved)."""
    return filter_form(segment.params).is_valid()


def members(user, segment: Segment) -> QuerySet:
    """The segment's customers in `user`'s scope (never its creator's), sorted as saved.
    Criteria that no longer validate match nobody rather than everybody."""
    form = filter_form(segment.params)
    if not form.is_valid():
        return customer_list(user).none()
    return customer_list(user, **form.filters())


def describe(params: dict) -> list[tuple[str, str]]:
    """(label, value) per criterion, in the user's language, for the pages."""
    form = filter_form({})
    shown = []
    for key, value in params.items():
        field = form.fields.get(key)
        label = str(field.label) if field is not None and field.label else key
        choices = dict(getattr(field, "choices", []) or [])
        shown.append((label, str(choices.get(value, value))))
    return shown


# Writes -------------------------------------------------------------------------------------


def _text(value, field: str, errors: dict, *, multiline: bool = False) -> str:
    try:
        return clean_text(str(value or ""), multiline=multiline).strip()
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return ""


def _clean(data: dict, *, creating: bool) -> dict:
    errors = {}
    cleaned = {}
    if "name" in data or creating:
        name = _text(data.get("name"), "name", errors)
        if not name and "name" not in errors:
            errors["name"] = [_("Give the segment a name.")]
        elif len(name) > 100:
            errors["name"] = [_("At most %(n)s characters.") % {"n": 100}]
        cleaned["name"] = name
    if "description" in data:
        description = _text(data.get("description"), "description", errors, multiline=True)
        if len(description) > 500:
            errors["description"] = [_("At most %(n)s characters.") % {"n": 500}]
        cleaned["description"] = description
    if "shared" in data:
        cleaned["shared"] = bool(data["shared"])
    if "params" in data or creating:
        try:
            cleaned["params"] = clean_params(data.get("params") or {})
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_unique_name(user, name: str, exclude: int | None = None) -> None:
    qs = Segment.objects.filter(created_by_id=user.pk, name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationError({"name": [_("You already have a segment with this name.")]})


def create_segment(user, data: dict) -> Segment:
    """A new segment of `user` from {name, description, params, shared}. Shared with
    everyone only by a user whose scope covers colleagues (PermissionDenied otherwise)."""
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in to save segments."))
    require_save_segments(user)  # 403 for the read-only role
    cleaned = _clean(data, creating=True)
    if cleaned.get("shared"):
        require_share_segment(user)
    with transaction.atomic():
        _check_unique_name(user, cleaned["name"])
        if Segment.objects.filter(created_by_id=user.pk).count() >= MAX_SEGMENTS_PER_USER:
            raise ValidationError(
                _("You have %(n)s segments already; delete one first.")
                % {"n": MAX_SEGMENTS_PER_USER}
            )
        segment = Segment.objects.create(created_by=user, **cleaned)
        record(user, AuditEntry.Action.CREATE, segment, fields=SEGMENT_FIELDS)
    return segment


def update_segment(user, pk, data: dict) -> Segment:
    """Change a segment (its creator; a shared one also a manager): 404 / 403 from scope.
    Asking for it shared needs scope.may_share_segment (PermissionDenied): a rep's segment
    shared before that rule can be unshared, or changed without naming `shared`."""
    cleaned = _clean(data, creating=False)
    with transaction.atomic():
        segment = editable_segment(user, Segment.objects.select_for_update(), pk)
        if cleaned.get("shared"):
            require_share_segment(user)
        if "name" in cleaned and segment.created_by_id:
            _check_unique_name(segment.created_by, cleaned["name"], exclude=segment.pk)
        before = snapshot(segment, SEGMENT_FIELDS)
        for key, value in cleaned.items():
            setattr(segment, key, value)
        segment.save()
        record_update(user, segment, before, SEGMENT_FIELDS)
    return segment


def delete_segment(user, pk) -> None:
    """Delete a segment with its snapshots (each audited) and membership history (counted in
    the segment's entry: one row per customer and stay, too many to list)."""
    with transaction.atomic():
        segment = editable_segment(user, Segment.objects.select_for_update(), pk)
        memberships = SegmentMembership.objects.filter(segment=segment)
        gone = memberships.count()
        memberships.delete()
        shots = list(SegmentSnapshot.objects.filter(segment=segment))
        record_many(
            user,
            AuditEntry.Action.DELETE,
            shots,
            changes={"deleted_with": [f"segment #{segment.pk}", None]},
        )
        SegmentSnapshot.objects.filter(segment=segment).delete()
        values = snapshot(segment, SEGMENT_FIELDS)
        changes = {k: [v, None] for k, v in values.items()}
        changes["memberships"] = [gone, 0]
        record(user, AuditEntry.Action.DELETE, segment, changes=changes)
        segment.delete()


# Snapshots ----------------------------------------------------------------------------------


def take_snapshot(
    segment: Segment,
    *,
    trigger: str = SnapshotTrigger.MANUAL,
    run: ScoringRun | None = None,
    at: datetime | None = None,
    actor=None,
) -> SegmentSnapshot:
    """Measure the segment over the whole customer base: size, value, who entered and left.

    Set operations run in the database (no member list in memory): the open memberships of
    customers no longer matching are closed, matching customers without one get one.
    """
    at = at or timezone.now()
    matching = members(whole_base_reader(), segment).order_by().values("pk")
    with transaction.atomic():
        open_rows = SegmentMembership.objects.filter(segment=segment, left_at__isnull=True)
        left = open_rows.exclude(customer_id__in=matching).update(left_at=at)
        is_open = open_rows.filter(customer_id=OuterRef("pk"))
        new_ids = (
            members(whole_base_reader(), segment)
            .order_by()
            .exclude(Exists(is_open))
            .values_list("pk", flat=True)
        )
        entered, batch = 0, []
        for customer_id in new_ids.iterator(chunk_size=2000):
            batch.append(SegmentMembership(segment=segment, customer_id=customer_id, entered_at=at))
            if len(batch) == 2000:
                SegmentMembership.objects.bulk_create(batch)
                entered, batch = entered + len(batch), []
        if batch:
            SegmentMembership.objects.bulk_create(batch)
            entered += len(batch)
        size = SegmentMembership.objects.filter(segment=segment, left_at__isnull=True).count()
        sums = CustomerScore.objects.filter(customer_id__in=matching).aggregate(
            revenue=Sum("monetary"), clv=Sum("clv_predicted")
        )
        shot = SegmentSnapshot.objects.create(
            segment=segment,
            taken_at=at,
            trigger=trigger,
            run=run,
            size=size,
            revenue=_cents(sums["revenue"]),
            clv_predicted=_cents(sums["clv"]),
            entered=entered,
            left=left,
        )
        record(
            actor,
            AuditEntry.Action.CREATE,
            shot,
            fields=["segment_id", "trigger", "size", "entered", "left"],
        )
    return shot


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# The least time between two snapshots on demand of one segment: each one measures the whole
# customer base and writes who entered and left, so a button pressed in a loop would fill the
# history (and hold SQLite's write lock) for nothing.
MANUAL_SNAPSHOT_INTERVAL = timedelta(minutes=10)


class TooSoon(Exception):
    """A snapshot on demand asked for too soon after the last one."""


def take_manual_snapshot(segment: Segment, *, actor) -> SegmentSnapshot:
    """A snapshot on demand (scope.can_snapshot_segment decides who), at most one per segment
    every MANUAL_SNAPSHOT_INTERVAL; TooSoon otherwise."""
    if not can_snapshot_segment(actor, segment):
        raise PermissionDenied
    last = segment.snapshots.order_by("-taken_at").values_list("taken_at", flat=True).first()
    if last is not None and timezone.now() - last < MANUAL_SNAPSHOT_INTERVAL:
        raise TooSoon(
            _("A snapshot was taken less than %(minutes)s minutes ago; try again later.")
            % {"minutes": int(MANUAL_SNAPSHOT_INTERVAL.total_seconds() // 60)}
        )
    return take_snapshot(segment, trigger=SnapshotTrigger.MANUAL, actor=actor)


def snapshot_all(*, trigger: str, run: ScoringRun | None = None, actor=None) -> int:
    """A snapshot of every segment; returns how many were taken. A segment whose snapshot fails
    (criteria saved before a rule tightened, say) is logged and skipped: the others are still
    measured."""
    at = timezone.now()
    taken = 0
    for segment in Segment.objects.order_by("pk").iterator():
        try:
            take_snapshot(segment, trigger=trigger, run=run, at=at, actor=actor)
        except Exception as exc:  # noqa: BLE001 - one bad segment must not stop the rest
            logger.warning("segment %s: snapshot failed (%s)", segment.pk, type(exc).__name__)
            continue
        taken += 1
    return taken


def snapshot_after_run(run_id: int) -> int:
    """Snapshots after a succeeded scoring run, once (a second call for the run does nothing)."""
    run = ScoringRun.objects.filter(pk=run_id, status=RunStatus.SUCCEEDED).first()
    if run is None or SegmentSnapshot.objects.filter(run=run).exists():
        return 0
    return snapshot_all(trigger=SnapshotTrigger.SCORING, run=run)


def catch_up(now: datetime | None = None) -> int:
    """What the hourly job does: snapshots after the latest succeeded run if it has none yet,
    else a daily snapshot when the last one is more than a day old."""
    now = now or timezone.now()
    run = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-pk").first()
    if run is not None and not SegmentSnapshot.objects.filter(run=run).exists():
        return snapshot_after_run(run.pk)
    last = SegmentSnapshot.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    if last is None or last <= now - timedelta(days=1):
        return snapshot_all(trigger=SnapshotTrigger.DAILY)
    return 0


# Analysis settings --------------------------------------------------------------------------

SETTINGS_FIELDS = [
    "rfm_bins",
    "abc_a_share",
    "abc_b_share",
    "loyalty_weights",
    "high_loyalty",
    "clv_horizon_months",
    "clv_discount_rate",
    "clv_margin",
    "churn_high_p_alive",
    "decline_after_days",
    "stability_after_days",
    "new_within_days",
    "nightly_hour",
]


def settings_values(settings: AnalysisSettings) -> dict:
    """The parameters a scoring run (and a preview) takes, as plain values."""
    return {name: getattr(settings, name) for name in SETTINGS_FIELDS}


def save_analysis_settings(user, values: dict) -> AnalysisSettings:
    """Store validated settings (see forms.AnalysisSettingsForm); they apply from the next
    scoring run. Only a manager who sees every customer (scope.require_analysis_settings)."""
    require_analysis_settings(user)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown setting: %(names)s") % {"names": ", ".join(unknown)})
    with transaction.atomic():
        current = AnalysisSettings.current()
        if current.pk is None:  # never saved: the defaults become the row
            current.save()
        current = AnalysisSettings.objects.select_for_update().get(pk=current.pk)
        before = snapshot(current, SETTINGS_FIELDS)
        for key, value in values.items():
            setattr(current, key, value)
        current.updated_by = user
        current.full_clean(exclude=["updated_by"])
        current.save()
        record_update(user, current, before, SETTINGS_FIELDS)
    return current
