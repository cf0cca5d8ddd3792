"""API schemas for products (with FAB text) and orders with lines."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from guanxi.api_common import Day, Id, InSchema, Moment, Money, WholeNumber, text

from .models import OrderStatus
from .services import CURRENCIES, MAX_QUANTITY

OrderStatusValue = Literal[tuple(OrderStatus.values)]
Currency = Literal[CURRENCIES]


def _version():
    return Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="The version the edit is based on (from GET); an older one than the stored "
        "version answers 409 instead of overwriting a change made meanwhile.",
    )


class ProductUpdate(InSchema):
    sku: text(64, min_length=1) = None
    name: text(200, min_length=1) = None
    category: text(100) = None
    price: Money = None
    currency: Currency = None
    features: text(5000) = Field(None, description="F of FAB: what the product is or has.")
    advantages: text(5000) = Field(None, description="A of FAB: what that does better.")
    benefits: text(5000) = Field(None, description="B of FAB: what the customer gains.")
    active: bool = None
    version: WholeNumber = _version()


class ProductCreate(ProductUpdate):
    sku: text(64, min_length=1)
    name: text(200, min_length=1)
    price: Money


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    price: Decimal
    currency: str
    features: str
    advantages: str
    benefits: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ProductPage(Schema):
    count: int
    items: list[ProductOut]


class LineIn(InSchema):
    product_id: Id
    quantity: WholeNumber = Field(1, ge=1, le=MAX_QUANTITY)
    unit_price: Money | None = Field(None, description="Default: the product's price.")


class OrderUpdate(Schema):
    # The number is given once, by the system: no field takes it (see OrderCreate).
    model_config = ConfigDict(extra="forbid")

    ordered_at: Moment = None
    status: OrderStatusValue = None
    currency: Currency = None
    lines: list[LineIn] = Field(
        None, min_length=1, max_length=200, description="Replaces all lines."
    )
    version: WholeNumber = _version()


class OrderCreate(Schema):
    """An order; its number is given by the system (SO + date + code), never chosen here, so
    a number cannot be used to learn whether another team's order has it."""

    model_config = ConfigDict(extra="forbid")

    customer_id: Id
    ordered_at: Moment = Field(None, description="Default: now.")
    status: OrderStatusValue = None
    currency: Currency = None
    lines: list[LineIn] = Field(min_length=1, max_length=200)


class LineOut(Schema):
    id: int
    product_id: int
    product_name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


class OrderSummary(Schema):
    id: int
    customer_id: int
    number: str
    ordered_at: datetime
    status: str
    currency: str
    total: Decimal
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    refunded_total: Decimal = Field(description="The sum of the order's refunds.")
    net_total: Decimal = Field(description="The total less refunds: what analytics count.")
    cancel_reason: str


class OrderOut(OrderSummary):
    lines: list[LineOut]


class OrderPage(Schema):
    count: int
    items: list[OrderSummary]


class OrderActionIn(InSchema):
    version: WholeNumber = _version()


class OrderCancelIn(InSchema):
    reason: text(500, min_length=1) = Field(description="Why the order is cancelled.")
    version: WholeNumber = _version()


class ReturnedLineIn(InSchema):
    line_id: Id = Field(description="An order line of this order (`lines[].id` of GET).")
    quantity: WholeNumber = Field(ge=1, le=MAX_QUANTITY, description="Pieces sent back.")


class RefundIn(InSchema):
    reason: text(500, min_length=1)
    amount: Money | None = Field(
        None, description="The money given back; default: what the returned pieces cost."
    )
    refunded_on: Day | None = Field(None, description="Default: today.")
    lines: list[ReturnedLineIn] = Field(default_factory=list, max_length=200)
    version: WholeNumber = _version()


class RefundLineOut(Schema):
    line_id: int
    product_name: str
    quantity: int


class RefundOut(Schema):
    id: int
    order_id: int
    amount: Decimal
    reason: str
    refunded_on: date
    created_by_id: int | None
    created_at: datetime
    lines: list[RefundLineOut]
