"""Customers, their contacts, tags, collaborators, the duplicate check and the audit trail.

Every read goes through the data-scope module, except 查重 (/customers/duplicates), which
searches all customers but names only a match's owner; a customer outside the caller's scope
answers 404 exactly like one that does not exist. A customer the caller may see but not change
answers 403 to a write.
"""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Status
from ninja.errors import HttpError

from guanxi.accounts.scope import (
    can_write,
    get_customer_or_404,
    get_related_or_404,
    is_manager,
    manageable_customer,
    merge_survivor,
    mergeable_pair,
    scoped,
    writable_customer,
    writable_duplicate,
    writable_related,
)
from guanxi.accounts.services import profile_of
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    FloatNumber,
    Id,
    Limit,
    Offset,
    WholeNumber,
    active_user,
    errors,
    forbidden,
    paginate,
    text,
)
from guanxi.audit.services import trail_for_customer
from guanxi.customers.sensitive import masked_dict
from guanxi.services_common import StaleEdit

from . import merging, retention, scores, services
from .forms import CustomerFilterForm
from .models import Contact, MergeRecord
from .queries import capped_count, customer_list, visible_tags
from .schemas import (
    AssignIn,
    AuditPage,
    CollaboratorIn,
    CollaboratorOut,
    ContactCreate,
    ContactOut,
    ContactPage,
    ContactUpdate,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
    DuplicateOut,
    Kind,
    Level,
    LostIn,
    MergeIn,
    MergeOut,
    PhoneText,
    Sort,
    Source,
    StaleOut,
    TagPage,
    WinBackIn,
)

router = Router(tags=["customers"])

SearchTerm = Annotated[
    text(200),
    Field(description="Name, pinyin (zhangsan) or initials (zs), phone in any format, e-mail."),
]


def owner_out(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": str(profile_of(user))}


def customer_out(customer) -> dict:
    data = {field: getattr(customer, field) for field in services.EDITABLE_FIELDS}
    data.update(masked_dict(customer))
    data.update(
        id=customer.pk,
        name_pinyin=customer.name_pinyin,
        address=customer.address,
        tags=[tag.name for tag in customer.tags.all()],
        owner=owner_out(customer.owner),
        department=customer.department.name if customer.department_id else None,
        version=customer.version,
        merged_into=customer.merged_into_id,
        lost=customer.lost_at is not None,
        lost_at=customer.lost_at,
        lost_reason=customer.lost_reason,
        lost_note=customer.lost_note,
        return_due=customer.return_due,
        locked=customer.locked,
        scores=scores.api_out(scores.of(customer)),
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )
    return data


def list_item(customer) -> dict:
    return {
        "id": customer.pk,
        "kind": customer.kind,
        "name": customer.name,
        "level": customer.level,
        "source": customer.source,
        "mobile": customer.mobile,
        "email": customer.email,
        "city": customer.city,
        "company_name": customer.company_name,
        "owner": owner_out(customer.owner),
        "tags": [tag.name for tag in customer.tags.all()],
        "updated_at": customer.updated_at,
    }


def _split_tags(payload) -> tuple[dict, list[str] | None]:
    data = payload.dict(exclude_unset=True)
    data.pop("confirm_duplicate", None)
    data.pop("version", None)
    return data, data.pop("tags", None)


def stale_out(exc: StaleEdit, current: dict) -> Status:
    """409 with what is stored now, so the client can show both values and retry."""
    return Status(
        409,
        {
            "detail": str(exc),
            "version": exc.version,
            "changed_by": str(profile_of(exc.changed_by)) if exc.changed_by else None,
            "changed_at": exc.changed_at,
            "conflicts": {
                field: {"current": stored, "yours": yours}
                for field, (stored, yours) in exc.changes.items()
            },
            "current": current,
        },
    )


# Customers --------------------------------------------------------------------------------


@router.get("/customers", response={200: CustomerPage, **READ_ERRORS})
def list_customers(
    request,
    q: SearchTerm = "",
    tag: text(50) = "",
    level: Level | None = None,
    source: Source | None = None,
    kind: Annotated[Kind | None, Field(description="person or organisation.")] = None,
    owner: Annotated[Id | None, Field(description="Owner's user id.")] = None,
    team: Annotated[
        Id | None, Field(description="Team (department) id, teams below it included.")
    ] = None,
    city: text(50) = "",
    created_from: Annotated[
        Day | None, Field(description="Created on or after (local date).")
    ] = None,
    created_to: Annotated[
        Day | None, Field(description="Created on or before (local date).")
    ] = None,
    rfm_segment: Annotated[text(32), Field(description="RFM segment code, e.g. at_risk.")] = "",
    abc_tier: Annotated[text(1), Field(description="ABC tier: A, B or C.")] = "",
    pyramid_level: Annotated[text(16), Field(description="Pyramid level code.")] = "",
    lifecycle_stage: Annotated[
        text(16), Field(description="exploration, formation, stability or decline.")
    ] = "",
    customer_status: Annotated[text(16), Field(description="potential, new or old.")] = "",
    loyalty_step: Annotated[text(16), Field(description="Loyalty ladder step code.")] = "",
    value_loyalty_quadrant: Annotated[
        text(16), Field(description="true_friends, butterflies, barnacles or strangers.")
    ] = "",
    churn_risk: Annotated[text(8), Field(description="low, medium or high.")] = "",
    quality: Annotated[text(8), Field(description="good, ordinary or poor.")] = "",
    loyalty_type: Annotated[
        text(16), Field(description="Loyalty type: the rep's, or the suggested one if unset.")
    ] = "",
    lost_reason: Annotated[text(24), Field(description="Reason lost.")] = "",
    lost: Annotated[
        bool | None, Field(description="true: lost customers only; false: not lost.")
    ] = None,
    r: Annotated[WholeNumber | None, Field(ge=1, le=5, description="Recency score 1-5.")] = None,
    f: Annotated[WholeNumber | None, Field(ge=1, le=5, description="Frequency score 1-5.")] = None,
    m: Annotated[WholeNumber | None, Field(ge=1, le=5, description="Monetary score 1-5.")] = None,
    p_alive_min: Annotated[
        FloatNumber | None, Field(ge=0, le=1, description="P(alive) at least.")
    ] = None,
    p_alive_max: Annotated[
        FloatNumber | None, Field(ge=0, le=1, description="P(alive) at most.")
    ] = None,
    clv_min: Annotated[
        FloatNumber | None, Field(ge=-1e13, le=1e13, description="Predicted CLV at least.")
    ] = None,
    clv_max: Annotated[
        FloatNumber | None, Field(ge=-1e13, le=1e13, description="Predicted CLV at most.")
    ] = None,
    sort: Sort = "newest",
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Customers in the caller's data scope, searched, filtered, sorted and paginated.

    Every signed-in user, within their scope; 422 for a bad parameter. The same filters as
    the customer list page; `q` also finds a phone by its last digits (尾号, e.g. 8000) or by
    its first digits (e.g. 138001). The score filters (rfm_segment ... clv_max) and the score
    sorts only narrow the caller's scope; unscored customers match no score filter.
    """
    given = {
        "rfm_segment": rfm_segment,
        "abc_tier": abc_tier,
        "pyramid_level": pyramid_level,
        "lifecycle_stage": lifecycle_stage,
        "customer_status": customer_status,
        "loyalty_step": loyalty_step,
        "value_loyalty_quadrant": value_loyalty_quadrant,
        "churn_risk": churn_risk,
        "quality": quality,
        "loyalty_type": loyalty_type,
        "lost_reason": lost_reason,
        "lost": "" if lost is None else ("1" if lost else "0"),
        "r": r,
        "f": f,
        "m": m,
        "p_alive_min": p_alive_min,
        "p_alive_max": p_alive_max,
        "clv_min": clv_min,
        "clv_max": clv_max,
    }
    score_filters = _score_filters({k: v for k, v in given.items() if v not in (None, "")})
    qs = customer_list(
        request.user,
        q=q,
        tag=tag,
        level=level or "",
        source=source or "",
        kind=kind or "",
        owner_id=owner,
        department_id=team,
        city=city.strip(),
        created_from=created_from,
        created_to=created_to,
        sort=sort,
        **score_filters,
    )
    return paginate(qs.prefetch_related("tags"), limit, offset, list_item, count=capped_count)


def _score_filters(given: dict) -> dict:
    """The score filters checked by the list page's form (one set of rules, the same codes
    and messages in the caller's language); 422 naming each bad parameter."""
    form = CustomerFilterForm({k: str(v) for k, v in given.items()})
    if not form.is_valid():
        raise ValidationError({field: list(errs) for field, errs in form.errors.items()})
    return form.score_filters()


@router.get(
    "/customers/duplicates",
    response={200: list[DuplicateOut], **READ_ERRORS, **errors(429)},
    exclude_unset=True,  # kind and record_id only on a lead's match
)
def check_duplicates(
    request,
    mobile: PhoneText = "",
    email: text(254) = "",
    name: text(200) = "",
    exclude_id: Annotated[Id | None, Field(description="The customer being edited.")] = None,
):
    """查重: possible duplicates across ALL customers, saying who owns each match.

    The id of a match is given only when the caller may open it; the record never is. A lead
    with these values (the leads app) comes with `kind` "lead" and its id as `record_id`.
    At most GUANXI_DUPLICATE_CHECKS_PER_MINUTE checks a minute per user (default 30), then 429.
    """
    if not (mobile.strip() or email.strip() or name.strip()):
        raise ValidationError(_("Give a mobile number, an e-mail address or a name to check."))
    matches = services.find_duplicates(
        request.user, mobile=mobile, email=email, name=name, exclude_pk=exclude_id
    )
    return [
        {"field": m.field, "owner": m.owner, "customer_id": m.customer_id}
        | ({"kind": m.kind, "record_id": m.record_id} if m.kind != "customer" else {})
        for m in matches
    ]


@router.post("/customers", response={201: CustomerOut, **errors(400, 401, 403, 422, 429)})
def create_customer(request, payload: CustomerCreate):
    """Create a customer owned by the caller.

    Any role that writes (403 when read-only); 422 with per-field messages, also when
    查重 blocks a value or asks for `confirm_duplicate`. Each 查重 value sent (mobile, e-mail,
    ...) counts against the caller's 查重 limit, shared with `customers/duplicates`: 429 past it.
    """
    if not can_write(request.user):
        raise forbidden(_("Your role is read-only."))
    data, tags = _split_tags(payload)
    customer = services.create_customer(
        request.user, data, tags=tags, confirm_duplicate=payload.confirm_duplicate
    )
    return Status(201, customer_out(customer))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ONE_ERRORS})
def get_customer(request, customer_id: Id):
    """One customer; sensitive fields are masked (reveal them with a purpose).

    Anyone who may read it; 404 when it is outside the caller's scope.
    """
    return customer_out(get_customer_or_404(request.user, customer_id, related=("score",)))


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerOut, 409: StaleOut, **WRITE_ERRORS, **errors(429)},
)
def update_customer(request, customer_id: Id, payload: CustomerUpdate):
    """Change the fields sent; the others keep their stored values.

    Send the `version` from your GET: if someone saved the customer meanwhile the answer is 409
    with the current version and, per field you sent, the stored value and yours; nothing is
    saved. Send again with the new version to overwrite.

    Needs write access to the customer: 404 outside the caller's scope, 403 when read-only;
    422 for a refused value. Each 查重 value that changes (mobile, e-mail, ...) counts against
    the caller's 查重 limit, shared with `customers/duplicates`: 429 past it, nothing saved.
    """
    customer = writable_customer(request.user, customer_id)
    data, tags = _split_tags(payload)
    try:
        services.update_customer(
            request.user,
            customer,
            data,
            tags=tags,
            version=payload.version,
            confirm_duplicate=payload.confirm_duplicate,
        )
    except StaleEdit as exc:
        return stale_out(exc, customer_out(exc.instance))
    return customer_out(customer)


@router.delete("/customers/{customer_id}", response={204: None, **errors(401, 403, 404, 409, 422)})
def delete_customer(request, customer_id: Id):
    """Delete a customer without orders (one with orders can only be erased); the owner's side
    only, never a collaborator.

    404 outside the scope, 403 for anyone else; 409 when it has orders.
    """
    customer = manageable_customer(request.user, customer_id)
    try:
        services.delete_customer(request.user, customer)
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return Status(204, None)


@router.post("/customers/{customer_id}/owner", response={200: CustomerOut, **WRITE_ERRORS})
def assign_owner(request, customer_id: Id, payload: AssignIn):
    """Transfer a customer to another owner (客户转移); managers only.

    404 outside the scope, 403 for a non-manager; 422 when the new owner is not an active
    user.
    """
    customer = get_customer_or_404(request.user, customer_id)
    if not is_manager(request.user):
        raise forbidden(_("Only managers may transfer customers."))
    customer = manageable_customer(request.user, customer_id)
    services.assign_owner(request.user, customer, active_user(payload.owner_id, "owner_id"))
    return customer_out(customer)


@router.post("/customers/{customer_id}/lost", response={200: CustomerOut, **WRITE_ERRORS})
def mark_lost(request, customer_id: Id, payload: LostIn):
    """Mark the customer lost (客户流失) with one of the ten reasons and an optional note.

    The owner or a colleague whose data scope covers the customer (a manager over the owner),
    never a collaborator: 404 outside the scope, 403 otherwise; 422 for a missing or unknown
    reason. Marking a lost customer again corrects the reason and note (the date stays).
    """
    customer = get_customer_or_404(request.user, customer_id)
    retention.mark_lost(request.user, customer, payload.reason, payload.note)
    return customer_out(customer)


@router.post("/customers/{customer_id}/win-back", response={200: CustomerOut, **WRITE_ERRORS})
def win_back(request, customer_id: Id, payload: WinBackIn):
    """The lost customer was won back: the lost date, reason and note are cleared (the audit
    trail keeps them, with this note).

    Who may: as for marking it lost (404 outside the scope, 403 otherwise); 422 when the
    customer is not marked lost.
    """
    customer = get_customer_or_404(request.user, customer_id)
    retention.win_back(request.user, customer, payload.note)
    return customer_out(customer)


@router.get(
    "/customers/{customer_id}/audit", response={200: AuditPage, **errors(401, 403, 404, 422)}
)
def customer_audit(request, customer_id: Id, limit: Limit = 50, offset: Offset = 0):
    """Who changed what on this customer, its contacts and orders, newest first; managers only.

    404 outside the scope, 403 for a non-manager.
    """
    customer = get_customer_or_404(request.user, customer_id)
    if not is_manager(request.user):
        raise forbidden(_("Only managers may read the audit trail."))
    trail = trail_for_customer(customer.pk).select_related("actor__profile")
    return paginate(
        trail,
        limit,
        offset,
        lambda entry: {
            "id": entry.pk,
            "at": entry.at,
            "actor": str(profile_of(entry.actor)) if entry.actor else None,
            "action": entry.action,
            "model": entry.model,
            "object_id": entry.object_id,
            "changes": entry.changes,
        },
    )


@router.get("/tags", response={200: TagPage, **READ_ERRORS})
def list_tags(request, limit: Limit = 100, offset: Offset = 0):
    """The tags on customers in the caller's data scope, by name, paginated.

    Every signed-in user; another team's tags stay out.
    """
    qs = visible_tags(request.user)
    return paginate(qs, limit, offset, lambda name: {"name": name})


# Merging duplicates (合并) ------------------------------------------------------------------


def merge_out(record: MergeRecord) -> dict:
    return {
        "id": record.pk,
        "survivor_id": record.survivor_id,
        "merged_id": record.merged_id,
        "merged_name": record.merged.name,
        "merged_at": record.merged_at,
        "merged_by": str(profile_of(record.merged_by_user)) if record.merged_by_user else None,
        "undone_at": record.undone_at,
        "moved": {name: len(ids) for name, ids in record.moved.items() if ids},
    }


@router.post("/customers/{customer_id}/merge", response={201: MergeOut, **WRITE_ERRORS})
def merge_customers(request, customer_id: Id, payload: MergeIn):
    """Merge a duplicate into this customer (合并); needs manage rights on both (the owner or a
    colleague whose data scope covers it; never a 协作人).

    Contacts, orders, interactions, tasks, notes, consents, collaborators, referrals and tags
    move to this customer; the duplicate is hidden, not deleted, and the merge can be undone.

    404 when either is outside the caller's scope, 403 unless the caller may manage both;
    422 when the two cannot be merged (the same customer, one already merged).
    """
    survivor, other = mergeable_pair(request.user, customer_id, payload.other_id)
    record = merging.merge_customers(request.user, survivor, other, payload.take)
    return Status(201, merge_out(record))


@router.get("/customers/{customer_id}/merges", response={200: list[MergeOut], **ONE_ERRORS})
def list_merges(request, customer_id: Id):
    """The merges into this customer that can still be undone.

    Anyone who may read the customer; 404 when it is outside the caller's scope.
    """
    customer = get_customer_or_404(request.user, customer_id)
    return [merge_out(r) for r in merging.merges_of(customer)]


@router.post(
    "/customers/{customer_id}/merges/{merge_id}/undo",
    response={200: MergeOut, **WRITE_ERRORS},
)
def undo_merge(request, customer_id: Id, merge_id: Id):
    """Undo a merge: the duplicate comes back with the records the merge moved.

    Needs manage rights on both customers, as the merge did (404 outside the scope, 403
    without them); 404 for no such merge; 422 when it can no longer be undone.
    """
    survivor = merge_survivor(request.user, customer_id)
    record = merging.merges_of(survivor).filter(pk=merge_id).first()
    if record is None:
        return Status(404, {"detail": _("Not found.")})
    writable_duplicate(request.user, record.merged_id)
    return merge_out(merging.undo_merge(request.user, record))


# Collaborators ----------------------------------------------------------------------------


def collaborator_out(collaboration) -> dict:
    return {
        "user_id": collaboration.user_id,
        "username": collaboration.user.get_username(),
        "display_name": str(profile_of(collaboration.user)),
        "access": collaboration.access,
        "expires_at": collaboration.expires_at,
    }


@router.get(
    "/customers/{customer_id}/collaborators", response={200: list[CollaboratorOut], **ONE_ERRORS}
)
def list_collaborators(request, customer_id: Id):
    """Who shares this customer (协作人), with what access and until when.

    Anyone who may read the customer; 404 when it is outside the caller's scope.
    """
    customer = get_customer_or_404(request.user, customer_id)
    rows = customer.collaborators.select_related("user__profile")
    return [collaborator_out(c) for c in rows]


@router.put(
    "/customers/{customer_id}/collaborators/{user_id}",
    response={200: CollaboratorOut, **WRITE_ERRORS},
)
def share_customer(request, customer_id: Id, user_id: Id, payload: CollaboratorIn):
    """Give a colleague read or read-write access (协作人), optionally until a time; the owner's
    side only (a collaborator cannot share on or change its own access).

    404 outside the scope, 403 for anyone but the owner's side; 422 for no such active user.
    """
    customer = manageable_customer(request.user, customer_id)
    collaborator = services.share_customer(
        request.user,
        customer,
        active_user(user_id, "user_id"),
        access=payload.access,
        expires_at=payload.expires_at,
    )
    return collaborator_out(collaborator)


@router.delete(
    "/customers/{customer_id}/collaborators/{user_id}",
    response={204: None, **errors(401, 403, 404, 422)},
)
def unshare_customer(request, customer_id: Id, user_id: Id):
    """Remove a collaborator; the owner's side only.

    404 outside the scope or when the user is no collaborator, 403 for anyone but the owner's
    side.
    """
    customer = manageable_customer(request.user, customer_id)
    if not services.unshare_customer(request.user, customer, user_id):
        return Status(404, {"detail": _("Not found.")})
    return Status(204, None)


# Contacts ---------------------------------------------------------------------------------


def contact_out(contact) -> dict:
    return {
        field: getattr(contact, field)
        for field in [
            "id",
            "customer_id",
            *services.CONTACT_FIELDS,
            "version",
            "created_at",
            "updated_at",
        ]
    }


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **ONE_ERRORS})
def customer_contacts(request, customer_id: Id):
    """The contact people of one customer (organisations have them), at most 500.

    Anyone who may read the customer; 404 when it is outside the caller's scope.
    """
    customer = get_customer_or_404(request.user, customer_id)
    return [contact_out(c) for c in customer.contacts.all()[:500]]


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **WRITE_ERRORS})
def create_contact(request, customer_id: Id, payload: ContactCreate):
    """Add a contact person to an organisation customer.

    Needs write access to the customer: 404 outside the caller's scope, 403 when read-only;
    422 for a refused value.
    """
    customer = writable_customer(request.user, customer_id)
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    contact = services.create_contact(request.user, customer, data)
    return Status(201, contact_out(contact))


@router.get("/contacts", response={200: ContactPage, **READ_ERRORS})
def list_contacts(
    request,
    customer_id: Id | None = None,
    q: Annotated[text(100), Field(description="Start of the contact's name.")] = "",
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Contacts of the customers in the caller's scope.

    Every signed-in user, within their scope; 422 for a bad parameter.
    """
    qs = scoped(request.user, Contact.objects.all(), via="customer").order_by("-id")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q.strip():
        qs = qs.filter(name__startswith=q.strip())
    return paginate(qs, limit, offset, contact_out)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ONE_ERRORS})
def get_contact(request, contact_id: Id):
    """One contact person.

    Anyone who may read the contact's customer; 404 when it is outside the caller's scope.
    """
    return contact_out(get_related_or_404(request.user, Contact.objects.all(), contact_id))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, 409: StaleOut, **WRITE_ERRORS})
def update_contact(request, contact_id: Id, payload: ContactUpdate):
    """Change the fields sent; with `version`, a contact changed meanwhile answers 409.

    Needs write access to the customer: 404 outside the caller's scope, 403 when read-only;
    422 for a refused value.
    """
    contact = writable_related(request.user, Contact.objects.all(), contact_id)
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    try:
        services.update_contact(request.user, contact, data, version=payload.version)
    except StaleEdit as exc:
        return stale_out(exc, contact_out(exc.instance))
    return contact_out(contact)


@router.delete("/contacts/{contact_id}", response={204: None, **errors(401, 403, 404, 422)})
def delete_contact(request, contact_id: Id):
    """Delete a contact person (audited).

    Needs write access to its customer: 404 when the customer is outside the caller's scope,
    403 when the caller may only read it.
    """
    contact = writable_related(request.user, Contact.objects.all(), contact_id)
    services.delete_contact(request.user, contact)
    return Status(204, None)
