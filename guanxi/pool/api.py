"""The public pool over the API: the pools a caller sees and their customers (basic fields
only, see guanxi.accounts.scope), claim (200 for the winner, 409 with the reason for a loser,
over the limit or barred), release, lock, and transfers (客户转移)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status

from guanxi.accounts.scope import get_pool_or_404, pool_customers
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
from guanxi.customers.api import owner_out
from guanxi.customers.queries import capped_count, name_search_q

from . import services, transfers
from .models import Pool
from .services import BASIC_FIELDS
from .transfers import MOVABLE

router = Router(tags=["pool"])
CLAIM_ERRORS = {**WRITE_ERRORS, **errors(409)}
Level = Literal["A", "B", "C"] | None
Search = text(50) | None


class RuleOut(Schema):
    level: str
    follow_up_days: int | None
    deal_days: int | None


class PoolOut(Schema):
    id: int
    name: str
    departments: list[int]
    rules: list[RuleOut]
    exempt_won: bool
    won_days: int
    exempt_locked: bool
    reclaim_bar_days: int
    owned_limit: int | None
    locked_limit: int | None
    remind_days: int


class PooledCustomerOut(Schema):
    id: int
    name: str
    level: str
    city: str
    source: str
    pool_id: int
    pooled_at: datetime | None
    previous_owner: dict | None = Field(description="{id, name} of who had it last.")


class PooledPage(Schema):
    count: int
    count_exact: bool
    items: list[PooledCustomerOut]


class OwnedOut(Schema):
    id: int
    name: str
    owner: dict | None
    pool_id: int | None
    locked: bool
    return_due: str | None = Field(description="The day it returns to its pool (YYYY-MM-DD).")
    days_until_return: int | None
    version: int


class MessageOut(Schema):
    detail: str


class ReleaseIn(InSchema):
    pool_id: Id | None = Field(None, description="Needed only when the customer has no pool.")


class LockIn(InSchema):
    locked: bool = True


class TransferIn(InSchema):
    ids: list[Id] = Field(default_factory=list, description="The customers; or from_user_id.")
    from_user_id: Id | None = Field(None, description="Every customer of this rep.")
    to_user_id: Id | None = None
    to_team_id: Id | None = Field(None, description="Spread over this team's members.")
    move: list[str] = Field(
        default_factory=list, description=f"What goes along: {', '.join(MOVABLE)}."
    )
    keep_read_access: bool = False


class TransferOut(Schema):
    transferred: int


def pool_out(pool: Pool) -> dict:
    return {
        "id": pool.pk,
        "name": pool.name,
        "departments": sorted(d.pk for d in pool.departments.all()),
        "rules": [
            {"level": r.level, "follow_up_days": r.follow_up_days, "deal_days": r.deal_days}
            for r in pool.rules.all()
        ],
        **{
            f: getattr(pool, f)
            for f in (
                "exempt_won",
                "won_days",
                "exempt_locked",
                "reclaim_bar_days",
                "owned_limit",
                "locked_limit",
                "remind_days",
            )
        },
    }


def pooled_out(customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "level": customer.level,
        "city": customer.city,
        "source": customer.source,
        "pool_id": customer.pool_id,
        "pooled_at": customer.pooled_at,
        "previous_owner": owner_out(customer.previous_owner),
    }


def owned_out(customer) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "owner": owner_out(customer.owner),
        "pool_id": customer.pool_id,
        "locked": customer.locked,
        "return_due": customer.return_due.isoformat() if customer.return_due else None,
        "days_until_return": services.days_until_return(customer),
        "version": customer.version,
    }


def _page(qs, limit, offset, level, q):
    if level:
        qs = qs.filter(level=level)
    if q:  # as the pool's page searches: the name, its pinyin or initials (not the ID)
        qs = qs.filter(name_search_q(q, external_id=False))
    qs = qs.select_related("previous_owner__profile").only(*BASIC_FIELDS).order_by("-id")
    return paginate(qs, limit, offset, pooled_out, count=capped_count)


@router.get("/pools", response={200: list[PoolOut], **READ_ERRORS})
def list_pools(request):
    """The pools the caller sees (managers: all; others: their team's)."""
    return [pool_out(p) for p in services.pools_for(request.user)]


@router.get("/pools/{pool_id}/customers", response={200: PooledPage, **ONE_ERRORS})
def list_pool_customers(
    request,
    pool_id: Id,
    limit: Limit = 50,
    offset: Offset = 0,
    level: Level = None,
    q: Search = None,
):
    """The customers waiting in one pool, newest first."""
    pool = get_pool_or_404(request.user, Pool.objects.all(), pool_id)
    return _page(pool_customers(request.user, Pool.objects.all(), pool), limit, offset, level, q)


@router.get("/pool/customers", response={200: PooledPage, **READ_ERRORS})
def list_pooled(
    request, limit: Limit = 50, offset: Offset = 0, level: Level = None, q: Search = None
):
    """The customers waiting in every pool the caller sees, newest first."""
    return _page(pool_customers(request.user, Pool.objects.all()), limit, offset, level, q)


@router.post("/pool/customers/{customer_id}/claim", response={200: OwnedOut, **CLAIM_ERRORS})
def claim(request, customer_id: Id):
    """Claim a pooled customer: 200 for the one who gets it; 409 (with the reason) when someone
    else was first, the caller is at the pool's limit or barred from reclaiming it yet."""
    try:
        return Status(200, owned_out(services.claim_customer(request.user, customer_id)))
    except services.ClaimRefused as exc:
        return Status(409, {"detail": str(exc)})


@router.post("/pool/customers/{customer_id}/release", response={200: OwnedOut, **WRITE_ERRORS})
def release(request, customer_id: Id, payload: ReleaseIn):
    """Put an owned customer back into its pool (its owner or a manager over them)."""
    return owned_out(services.release_customer(request.user, customer_id, pool_id=payload.pool_id))


@router.post("/pool/customers/{customer_id}/lock", response={200: OwnedOut, **WRITE_ERRORS})
def lock(request, customer_id: Id, payload: LockIn):
    """Lock (locked=true) or unlock an owned customer, within the owner's limit."""
    return owned_out(services.set_locked(request.user, customer_id, payload.locked))


@router.post("/transfers", response={200: TransferOut, **WRITE_ERRORS})
def create_transfer(request, payload: TransferIn):
    """Transfer customers (ids, or every customer of from_user_id) to to_user_id or over the
    members of to_team_id; `move` names what goes along; keep_read_access leaves the old owners
    a read collaboration. Managers and leads only (403), within their scope (422)."""
    n = transfers.transfer(
        request.user,
        ids=payload.ids,
        from_user_id=payload.from_user_id,
        to_user_id=payload.to_user_id,
        to_team_id=payload.to_team_id,
        move=payload.move,
        keep_read=payload.keep_read_access,
    )
    return {"transferred": n}
