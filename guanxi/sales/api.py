"""Products (everyone reads, managers write) and orders with lines (within the data scope)."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status
from ninja.errors import HttpError

from guanxi.accounts.scope import (
    get_related_or_404,
    is_manager,
    scoped,
    writable_customer,
    writable_related,
)
from guanxi.api_common import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Limit,
    Offset,
    errors,
    forbidden,
    paginate,
    text,
)

from . import services
from .models import Order, Product, Refund
from .schemas import (
    OrderActionIn,
    OrderCancelIn,
    OrderCreate,
    OrderOut,
    OrderPage,
    OrderStatusValue,
    OrderUpdate,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductUpdate,
    RefundIn,
    RefundOut,
)

router = Router(tags=["sales"])

PRODUCT_FIELDS = ["id", *services.PRODUCT_FIELDS, "created_at", "updated_at", "version"]
ORDER_FIELDS = [
    "id",
    "customer_id",
    "number",
    "ordered_at",
    "status",
    "currency",
    "total",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
    "refunded_total",
    "net_total",
    "cancel_reason",
]


# Products ---------------------------------------------------------------------------------


def product_or_404(pk) -> Product:
    """Products are the company's catalogue, not customer data: everyone may read them."""
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


def managers_only(user) -> None:
    if not is_manager(user):
        raise forbidden(_("Only managers may change the product catalogue."))


def product_out(product: Product) -> dict:
    return {field: getattr(product, field) for field in PRODUCT_FIELDS}


@router.get("/products", response={200: ProductPage, **READ_ERRORS})
def list_products(
    request,
    q: Annotated[text(100), Field(description="Start of the name or SKU.")] = "",
    active: bool | None = None,
    limit: Limit = 25,
    offset: Offset = 0,
):
    """The product catalogue by name, searched by the start of the name or SKU, paginated.

    Every signed-in user may read it (products are the company's, not customer data).
    """
    qs = Product.objects.order_by("name", "id")
    if q.strip():
        term = q.strip()
        qs = qs.filter(name__startswith=term) | qs.filter(sku__startswith=term)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs, limit, offset, product_out)


@router.get("/products/{product_id}", response={200: ProductOut, **ONE_ERRORS})
def get_product(request, product_id: Id):
    """One product of the catalogue; every signed-in user may read it; 404 when there is none."""
    return product_out(product_or_404(product_id))


@router.post("/products", response={201: ProductOut, **errors(400, 401, 403, 422)})
def create_product(request, payload: ProductCreate):
    """Add a product to the catalogue (audited).

    Managers only (403 otherwise); 422 for a refused value, e.g. a SKU already in use.
    """
    managers_only(request.user)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    product = services.create_product(request.user, data)
    return Status(201, product_out(product))


@router.patch("/products/{product_id}", response={200: ProductOut, **WRITE_ERRORS, **errors(409)})
def update_product(request, product_id: Id, payload: ProductUpdate):
    """Change the fields sent (audited).

    Managers only (403 otherwise); 404 when there is no such product; 422 for a refused value;
    409 when `version` is given and the product was changed meanwhile.
    """
    managers_only(request.user)
    product = product_or_404(product_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.update_product(request.user, product, data, version=version)
    return product_out(product)


@router.delete("/products/{product_id}", response={204: None, **errors(401, 403, 404, 409, 422)})
def delete_product(request, product_id: Id):
    """Delete a product no order, quote or contract uses; otherwise 409 (set it inactive).

    Managers only (403 otherwise); 404 when there is no such product.
    """
    managers_only(request.user)
    product = product_or_404(product_id)
    try:
        services.delete_product(request.user, product)
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    return Status(204, None)


# Orders -----------------------------------------------------------------------------------


def order_out(order: Order, *, with_lines: bool = True) -> dict:
    data = {field: getattr(order, field) for field in ORDER_FIELDS}
    if with_lines:
        data["lines"] = [
            {
                "id": line.pk,
                "product_id": line.product_id,
                "product_name": line.product.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for line in order.lines.select_related("product")
        ]
    return data


def _lines(payload_lines) -> list[dict]:
    products = Product.objects.in_bulk([line.product_id for line in payload_lines])
    return [
        {
            "product": products.get(line.product_id),
            "quantity": line.quantity,
            "unit_price": line.unit_price,
        }
        for line in payload_lines
    ]


@router.get("/orders", response={200: OrderPage, **READ_ERRORS})
def list_orders(
    request,
    customer_id: Id | None = None,
    status: OrderStatusValue | None = None,
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Orders of the customers in the caller's scope, newest first.

    Every signed-in user, within their scope; 422 for a bad parameter.
    """
    qs = scoped(request.user, Order.objects.all(), via="customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    qs = qs.order_by("-ordered_at", "-id")
    return paginate(qs, limit, offset, lambda o: order_out(o, with_lines=False))


@router.post("/orders", response={201: OrderOut, **WRITE_ERRORS})
def create_order(request, payload: OrderCreate):
    """An order with lines; the total is the sum of the lines (Decimal, CNY by default).

    Needs write access to the customer: 404 outside the caller's scope, 403 when read-only;
    422 for a refused value (no lines, an unknown product, an amount out of range).
    """
    customer = writable_customer(request.user, payload.customer_id)
    data = payload.dict(exclude={"customer_id", "lines"}, exclude_unset=True)
    order = services.create_order(request.user, customer, data, _lines(payload.lines))
    return Status(201, order_out(order))


@router.get("/orders/{order_id}", response={200: OrderOut, **ONE_ERRORS})
def get_order(request, order_id: Id):
    """One order with its lines.

    Anyone who may read the order's customer; 404 when it is outside the caller's scope.
    """
    return order_out(get_related_or_404(request.user, Order.objects.all(), order_id))


@router.patch("/orders/{order_id}", response={200: OrderOut, **WRITE_ERRORS, **errors(409)})
def update_order(request, order_id: Id, payload: OrderUpdate):
    """Change the fields sent; `lines`, when sent, replace all lines and the total (audited).

    Lines change only while the order is pending; an order with refunds keeps its status (both
    422). The life of an order has its own operations: confirm, ship, complete, cancel, refunds.

    Needs write access to the customer: 404 outside the scope, 403 read-only; 422 for a
    refused value; 409 when `version` is given and the order was changed meanwhile.
    """
    order = writable_related(request.user, Order.objects.all(), order_id)
    data = payload.dict(exclude={"lines", "version"}, exclude_unset=True)
    lines = _lines(payload.lines) if payload.lines is not None else None
    services.update_order(request.user, order, data, lines, version=payload.version)
    return order_out(order)


@router.delete("/orders/{order_id}", response={204: None, **errors(401, 403, 404, 422)})
def delete_order(request, order_id: Id):
    """Delete an order with its lines (audited).

    Needs manage rights on the customer (its owner's side, never a 协作人): 404 outside the
    scope, 403 for a read-only user or a collaborator.
    """
    order = writable_related(request.user, Order.objects.all(), order_id)
    services.delete_order(request.user, order)
    return Status(204, None)


# The life of an order: confirm, ship, complete, cancel; refunds -----------------------------

ACTION_RESPONSES = {200: OrderOut, **WRITE_ERRORS, **errors(409)}


def _act(request, order_id, action: str, version, reason: str = "") -> dict:
    order = writable_related(request.user, Order.objects.select_related("customer"), order_id)
    services.change_status(request.user, order, action, reason=reason, version=version)
    return order_out(order)


@router.post("/orders/{order_id}/confirm", response=ACTION_RESPONSES)
def confirm_order(request, order_id: Id, payload: OrderActionIn):
    """Confirm a pending order's payment: pending → paid (audited).

    Needs write access to the customer: 404 outside the scope, 403 read-only; 422 when the
    order's status does not allow it; 409 when `version` is given and the order changed."""
    return _act(request, order_id, "confirm", payload.version)


@router.post("/orders/{order_id}/ship", response=ACTION_RESPONSES)
def ship_order(request, order_id: Id, payload: OrderActionIn):
    """Ship a paid order: paid → shipped (audited). Errors as for confirm."""
    return _act(request, order_id, "ship", payload.version)


@router.post("/orders/{order_id}/complete", response=ACTION_RESPONSES)
def complete_order(request, order_id: Id, payload: OrderActionIn):
    """Complete a shipped order: shipped → completed (audited). Errors as for confirm."""
    return _act(request, order_id, "complete", payload.version)


@router.post("/orders/{order_id}/cancel", response=ACTION_RESPONSES)
def cancel_order(request, order_id: Id, payload: OrderCancelIn):
    """Cancel an order before it ships (pending or paid), with a reason (audited).

    Errors as for confirm; 422 for a shipped, completed or refunded order."""
    return _act(request, order_id, "cancel", payload.version, payload.reason)


def refund_out(refund: Refund) -> dict:
    return {
        "id": refund.pk,
        "order_id": refund.order_id,
        "amount": refund.amount,
        "reason": refund.reason,
        "refunded_on": refund.refunded_on,
        "created_by_id": refund.created_by_id,
        "created_at": refund.created_at,
        "lines": [
            {
                "line_id": returned.line_id,
                "product_name": returned.line.product.name,
                "quantity": returned.quantity,
            }
            for returned in refund.lines.select_related("line__product")
        ],
    }


@router.get("/orders/{order_id}/refunds", response={200: list[RefundOut], **ONE_ERRORS})
def list_refunds(request, order_id: Id):
    """The order's refunds and returns, oldest first.

    Anyone who may read the order's customer; 404 when it is outside the caller's scope."""
    order = get_related_or_404(request.user, Order.objects.all(), order_id)
    return [refund_out(refund) for refund in order.refunds.all()]


@router.post("/orders/{order_id}/refunds", response={201: RefundOut, **WRITE_ERRORS, **errors(409)})
def refund_order(request, order_id: Id, payload: RefundIn):
    """Refund a paid, shipped or completed order in part or in full (audited).

    `lines` are the pieces returned (at most those ordered less those returned before);
    `amount` defaults to what they cost, and is never more than the order's net total. The
    order's `net_total` goes down by it; refunded in full, its status becomes `refunded`.
    Needs write access to the customer: 404 outside the scope, 403 read-only; 422 for a refused
    value; 409 when `version` is given and the order was changed meanwhile."""
    order = writable_related(request.user, Order.objects.select_related("customer"), order_id)
    quantities: dict[int, int] = {}
    for line in payload.lines:
        quantities[line.line_id] = quantities.get(line.line_id, 0) + line.quantity
    refund = services.refund_order(
        request.user,
        order,
        reason=payload.reason,
        lines=quantities,
        amount=payload.amount,
        refunded_on=payload.refunded_on,
        version=payload.version,
    )
    return Status(201, refund_out(refund))
