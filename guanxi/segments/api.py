"""Segments over the API: list, read, create, change, delete, and a segment's customers
(evaluated in the caller's data scope, paginated like GET /customers)."""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from guanxi.accounts.scope import can_edit_segment, get_segment_or_404, segment_q
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    InSchema,
    Limit,
    Offset,
    errors,
    paginate,
    text,
)
from guanxi.customers.api import list_item
from guanxi.customers.queries import capped_count
from guanxi.customers.schemas import CustomerPage

from . import services
from .models import Segment

router = Router(tags=["segments"])

Params = dict[str, text(200)]


class SnapshotOut(Schema):
    taken_at: datetime
    trigger: str
    size: int


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    params: dict[str, str] = Field(
        description="The customer list's filters (GET /customers and the list page's query "
        'parameters), e.g. {"level": "A", "rfm_segment": "at_risk"}.'
    )
    shared: bool
    created_by: int | None
    editable: bool = Field(description="Whether the caller may change or delete it.")
    created_at: datetime
    updated_at: datetime
    last_snapshot: SnapshotOut | None = Field(
        description="The latest whole-base measurement; its size only for callers who see "
        "every customer, else null."
    )


class SegmentPage(Schema):
    count: int
    items: list[SegmentOut]


class SegmentIn(InSchema):
    name: text(100, min_length=1)
    description: text(500) = ""
    params: Params = Field(default_factory=dict, description="Filters of the customer list.")
    shared: bool = False


class SegmentPatch(InSchema):
    name: text(100, min_length=1) | None = None
    description: text(500) | None = None
    params: Params | None = None
    shared: bool | None = None


def _out(user, segment: Segment) -> dict:
    from guanxi.accounts.scope import sees_all

    shot = segment.snapshots.order_by("-taken_at").first()
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "params": segment.params,
        "shared": segment.shared,
        "created_by": segment.created_by_id,
        "editable": can_edit_segment(user, segment),
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "last_snapshot": (
            {"taken_at": shot.taken_at, "trigger": shot.trigger, "size": shot.size}
            if shot is not None and sees_all(user)
            else None
        ),
    }


@router.get("/segments", response={200: SegmentPage, **READ_ERRORS})
def list_segments(request, limit: Limit = 25, offset: Offset = 0):
    """The caller's own segments and those shared with the team, by name.

    Every signed-in user. A shared segment's members are always evaluated in the caller's own
    data scope (GET /segments/{segment_id}/customers).
    """
    qs = Segment.objects.filter(segment_q(request.user)).order_by("name", "id")
    return paginate(qs, limit, offset, lambda s: _out(request.user, s))


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ONE_ERRORS})
def get_segment(request, segment_id: Id):
    """One segment the caller may see (their own or a shared one); 404 otherwise."""
    return _out(request.user, get_segment_or_404(request.user, Segment.objects.all(), segment_id))


@router.get("/segments/{segment_id}/customers", response={200: CustomerPage, **ONE_ERRORS})
def segment_customers(request, segment_id: Id, limit: Limit = 25, offset: Offset = 0):
    """The segment's customers now, in the caller's data scope (never its creator's),
    sorted as the segment says and paginated like GET /customers; sensitive fields masked."""
    segment = get_segment_or_404(request.user, Segment.objects.all(), segment_id)
    qs = services.members(request.user, segment).prefetch_related("tags")
    return paginate(qs, limit, offset, list_item, count=capped_count)


@router.post("/segments", response={201: SegmentOut, **errors(400, 401, 403, 422)})
def create_segment(request, payload: SegmentIn):
    """Save a segment of the caller's: a name and the customer list's filters as `params`.

    Every signed-in user with a role that writes (403 for the read-only role); `shared` shows
    it to everyone in the company (each sees the customers of their own scope), and only a
    caller whose data scope covers colleagues (a manager, a lead) may share: 403 for others.
    422 for an unknown filter, a bad value or a name already used.
    """
    segment = services.create_segment(request.user, payload.dict())
    return Status(201, _out(request.user, segment))


@router.patch("/segments/{segment_id}", response={200: SegmentOut, **WRITE_ERRORS})
def update_segment(request, segment_id: Id, payload: SegmentPatch):
    """Change a segment: its creator, or a manager for a shared one (403 for others who see
    it, 404 for a segment the caller cannot see). `params` replaces all the criteria;
    `shared: true` needs a data scope covering colleagues, as on creation (403)."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    segment = services.update_segment(request.user, segment_id, data)
    return _out(request.user, segment)


@router.delete("/segments/{segment_id}", response={204: None, **WRITE_ERRORS})
def delete_segment(request, segment_id: Id):
    """Delete a segment with its snapshots and membership history (same rule as PATCH)."""
    services.delete_segment(request.user, segment_id)
    return Status(204, None)
