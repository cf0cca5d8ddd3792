"""Customers, their contacts, tags, collaborators, the duplicate check and the audit trail.

Every read goes through the data-scope module; a customer outside the caller's scope answers
404 exactly like one that does not exist. A customer the caller may see but not change
answers 403 to a write.
"""

from datetime import date
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
    scoped,
)
from guanxi.accounts.services import profile_of
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Limit,
    Offset,
    active_user,
    errors,
    forbidden,
    page_bounds,
    text,
    writable_customer,
    writable_related,
)
from guanxi.audit.services import trail_for_customer
from guanxi.privacy.sensitive import masked_dict

from . import services
from .models import Contact, Tag
from .queries import capped_count, customer_list
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
    Level,
    PhoneText,
    Sort,
    Source,
    TagOut,
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
    return data, data.pop("tags", None)


# Customers --------------------------------------------------------------------------------


@router.get("/customers", response={200: CustomerPage, **READ_ERRORS})
def list_customers(
    request,
    q: SearchTerm = "",
    tag: text(50) = "",
    level: Level | None = None,
    source: Source | None = None,
    owner: Annotated[Id | None, Field(description="Owner's user id.")] = None,
    team: Annotated[
        Id | None, Field(description="Team (department) id, teams below it included.")
    ] = None,
    city: text(50) = "",
    created_from: Annotated[
        date | None, Field(description="Created on or after (local date).")
    ] = None,
    created_to: Annotated[
        date | None, Field(description="Created on or before (local date).")
    ] = None,
    sort: Sort = "newest",
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Customers in the caller's data scope, searched, filtered, sorted and paginated.

    The same filters as the customer list page; `q` also finds a phone by its last digits
    (尾号, e.g. 8000) or by its first digits (e.g. 138001).
    """
    qs = customer_list(
        request.user,
        q=q,
        tag=tag,
        level=level or "",
        source=source or "",
        owner_id=owner,
        department_id=team,
        city=city.strip(),
        created_from=created_from,
        created_to=created_to,
        sort=sort,
    )
    start, end = page_bounds(limit, offset)
    rows = qs.prefetch_related("tags")[start:end]
    count, exact = capped_count(qs)
    return {"count": count, "count_exact": exact, "items": [list_item(c) for c in rows]}


@router.get("/customers/duplicates", response={200: list[DuplicateOut], **READ_ERRORS})
def check_duplicates(
    request,
    mobile: PhoneText = "",
    email: text(254) = "",
    name: text(200) = "",
    exclude_id: Annotated[Id | None, Field(description="The customer being edited.")] = None,
):
    """查重: possible duplicates across ALL customers, saying who owns each match.

    The id of a match is given only when the caller may open it; the record never is.
    """
    if not (mobile.strip() or email.strip() or name.strip()):
        raise ValidationError(_("Give a mobile number, an e-mail address or a name to check."))
    matches = services.find_duplicates(
        request.user, mobile=mobile, email=email, name=name, exclude_pk=exclude_id
    )
    return [{"field": m.field, "owner": m.owner, "customer_id": m.customer_id} for m in matches]


@router.post("/customers", response={201: CustomerOut, **errors(400, 401, 403, 422)})
def create_customer(request, payload: CustomerCreate):
    """Create a customer owned by the caller."""
    if not can_write(request.user):
        raise forbidden(_("Your role is read-only."))
    data, tags = _split_tags(payload)
    customer = services.create_customer(request.user, data, tags=tags)
    return Status(201, customer_out(customer))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ONE_ERRORS})
def get_customer(request, customer_id: Id):
    """One customer; sensitive fields are masked (reveal them with a purpose)."""
    return customer_out(get_customer_or_404(request.user, customer_id))


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **WRITE_ERRORS})
def update_customer(request, customer_id: Id, payload: CustomerUpdate):
    customer = writable_customer(request.user, customer_id)
    data, tags = _split_tags(payload)
    services.update_customer(request.user, customer, data, tags=tags)
    return customer_out(customer)


@router.delete("/customers/{customer_id}", response={204: None, **errors(401, 403, 404, 409, 422)})
def delete_customer(request, customer_id: Id):
    """Delete a customer without orders (one with orders can only be erased)."""
    customer = writable_customer(request.user, customer_id)
    try:
        services.delete_customer(request.user, customer)
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return Status(204, None)


@router.post("/customers/{customer_id}/owner", response={200: CustomerOut, **WRITE_ERRORS})
def assign_owner(request, customer_id: Id, payload: AssignIn):
    """Transfer a customer to another owner (客户转移); managers only."""
    customer = get_customer_or_404(request.user, customer_id)
    if not is_manager(request.user):
        raise forbidden(_("Only managers may transfer customers."))
    customer = writable_customer(request.user, customer_id)
    services.assign_owner(request.user, customer, active_user(payload.owner_id, "owner_id"))
    return customer_out(customer)


@router.get(
    "/customers/{customer_id}/audit", response={200: AuditPage, **errors(401, 403, 404, 422)}
)
def customer_audit(request, customer_id: Id, limit: Limit = 50, offset: Offset = 0):
    """Who changed what on this customer, its contacts and orders, newest first; managers only."""
    customer = get_customer_or_404(request.user, customer_id)
    if not is_manager(request.user):
        raise forbidden(_("Only managers may read the audit trail."))
    trail = trail_for_customer(customer.pk).select_related("actor__profile")
    start, end = page_bounds(limit, offset)
    return {
        "count": trail.count(),
        "items": [
            {
                "id": entry.pk,
                "at": entry.at,
                "actor": str(profile_of(entry.actor)) if entry.actor else None,
                "action": entry.action,
                "model": entry.model,
                "object_id": entry.object_id,
                "changes": entry.changes,
            }
            for entry in trail[start:end]
        ],
    }


@router.get("/tags", response={200: list[TagOut], **READ_ERRORS})
def list_tags(request):
    """The shared tag vocabulary."""
    return [{"name": name} for name in Tag.objects.values_list("name", flat=True)]


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
    customer = get_customer_or_404(request.user, customer_id)
    rows = customer.collaborators.select_related("user__profile")
    return [collaborator_out(c) for c in rows]


@router.put(
    "/customers/{customer_id}/collaborators/{user_id}",
    response={200: CollaboratorOut, **WRITE_ERRORS},
)
def share_customer(request, customer_id: Id, user_id: Id, payload: CollaboratorIn):
    """Give a colleague read or read-write access (协作人), optionally until a time."""
    customer = writable_customer(request.user, customer_id)
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
    customer = writable_customer(request.user, customer_id)
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
            "created_at",
            "updated_at",
        ]
    }


@router.get("/customers/{customer_id}/contacts", response={200: list[ContactOut], **ONE_ERRORS})
def customer_contacts(request, customer_id: Id):
    customer = get_customer_or_404(request.user, customer_id)
    return [contact_out(c) for c in customer.contacts.all()[:500]]


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut, **WRITE_ERRORS})
def create_contact(request, customer_id: Id, payload: ContactCreate):
    """Add a contact person to an organisation customer."""
    customer = writable_customer(request.user, customer_id)
    contact = services.create_contact(request.user, customer, payload.dict(exclude_unset=True))
    return Status(201, contact_out(contact))


@router.get("/contacts", response={200: ContactPage, **READ_ERRORS})
def list_contacts(
    request,
    customer_id: Id | None = None,
    q: Annotated[text(100), Field(description="Start of the contact's name.")] = "",
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Contacts of the customers in the caller's scope."""
    qs = scoped(request.user, Contact.objects.all(), via="customer").order_by("-id")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q.strip():
        qs = qs.filter(name__startswith=q.strip())
    start, end = page_bounds(limit, offset)
    return {"count": qs.count(), "items": [contact_out(c) for c in qs[start:end]]}


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ONE_ERRORS})
def get_contact(request, contact_id: Id):
    return contact_out(get_related_or_404(request.user, Contact.objects.all(), contact_id))


@router.patch("/contacts/{contact_id}", response={200: ContactOut, **WRITE_ERRORS})
def update_contact(request, contact_id: Id, payload: ContactUpdate):
    contact = writable_related(request.user, Contact.objects.all(), contact_id)
    services.update_contact(request.user, contact, payload.dict(exclude_unset=True))
    return contact_out(contact)


@router.delete("/contacts/{contact_id}", response={204: None, **errors(401, 403, 404, 422)})
def delete_contact(request, contact_id: Id):
    contact = writable_related(request.user, Contact.objects.all(), contact_id)
    services.delete_contact(request.user, contact)
    return Status(204, None)
