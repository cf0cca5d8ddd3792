"""API schemas for products (with FAB text) and orders with lines."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from guanxi.api_common import Id, Moment, Money, text

from .models import OrderStatus

OrderStatusValue = Literal[tuple(OrderStatus.values)]
Currency = text(3, min_length=3)


class ProductUpdate(Schema):
    sku: text(64, min_length=1) = None
    name: text(200, min_length=1) = None
    category: text(100) = None
    price: Money = None
    currency: Currency = None
    features: text(5000) = Field(None, description="F of FAB: what the product is or has.")
    advantages: text(5000) = Field(None, description="A of FAB: what that does better.")
    benefits: text(5000) = Field(None, description="B of FAB: what the customer gains.")
    active: bool = None


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


class ProductPage(Schema):
    count: int
    items: list[ProductOut]


class LineIn(Schema):
    product_id: Id
    quantity: int = Field(1, ge=1, le=1_000_000)
    unit_price: Money | None = Field(None, description="Default: the product's price.")


class OrderUpdate(Schema):
    number: text(64, min_length=1) = None
    ordered_at: Moment = None
    status: OrderStatusValue = None
    currency: Currency = None
    lines: list[LineIn] = Field(
        None, min_length=1, max_length=200, description="Replaces all lines."
    )


class OrderCreate(Schema):
    customer_id: Id
    number: text(64, min_length=1) = Field(None, description="Default: generated.")
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


class OrderOut(OrderSummary):
    lines: list[LineOut]


class OrderPage(Schema):
    count: int
    items: list[OrderSummary]
