"""The API's shapes for quotes, contracts, instalments, payments and collections."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from guanxi.api_common import Day, DecimalNumber, Id, InSchema, Money, WholeNumber, text

Version = Field(None, description="The version from your GET: if it changed meanwhile, 409.")


class ContractPersonOut(Schema):
    id: int
    name: str


class ContractLineIn(InSchema):
    product_id: Id
    quantity: WholeNumber = Field(1, ge=1, le=1_000_000)
    unit_price: Money | None = Field(None, description="Default: the product's list price.")
    discount: DecimalNumber = Field(Decimal("0"), ge=0, le=100, max_digits=5, decimal_places=2)


class ContractLineOut(Schema):
    product_id: int
    product_name: str
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Field(description="Per cent off the unit price.")
    amount: Decimal
    currency: str = Field(description="The quote's or contract's currency (ISO 4217).")


class QuoteIn(InSchema):
    customer_id: Id
    contact_id: Id | None = None
    opportunity_id: Id | None = Field(None, description="The customer's opportunity it is for.")
    quoted_on: Day | None = Field(None, description="Default: today.")
    valid_until: Day | None = Field(None, description="Default: 30 days after the date.")
    currency: text(3) = "CNY"
    notes: text(5000) = ""
    lines: list[ContractLineIn] = Field(min_length=1, max_length=50)


class QuotePatch(InSchema):
    contact_id: Id | None = None
    quoted_on: Day | None = None
    valid_until: Day | None = None
    currency: text(3) | None = None
    notes: text(5000) | None = None
    lines: list[ContractLineIn] | None = Field(None, max_length=50)
    version: WholeNumber | None = Version


class QuoteOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    contact_id: int | None
    owner: ContractPersonOut | None
    opportunity_id: int | None
    quoted_on: date
    valid_until: date
    currency: str
    subtotal: Decimal = Field(description="The lines at list value, before discounts.")
    total: Decimal
    notes: str
    status: str
    contract_id: int | None
    lines: list[ContractLineOut]
    version: int


class QuotePage(Schema):
    count: int
    items: list[QuoteOut]


class ContractVersionIn(InSchema):
    version: WholeNumber | None = Version


class ReasonIn(InSchema):
    reason: text(500) = ""
    version: WholeNumber | None = Version


class ContractIn(InSchema):
    customer_id: Id
    title: text(200, min_length=1)
    signed_on: Day | None = None
    start_on: Day | None = None
    end_on: Day | None = None
    currency: text(3) = "CNY"
    lines: list[ContractLineIn] = Field(min_length=1, max_length=50)


class ContractPatch(InSchema):
    title: text(200, min_length=1) | None = None
    signed_on: Day | None = None
    start_on: Day | None = None
    end_on: Day | None = None
    currency: text(3) | None = None
    version: WholeNumber | None = Version


class ContractOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    owner: ContractPersonOut | None
    quote_id: int | None
    opportunity_id: int | None
    order_id: int | None
    title: str
    signed_on: date | None
    start_on: date | None
    end_on: date | None
    amount: Decimal
    received: Decimal = Field(description="Confirmed payments.")
    outstanding: Decimal
    currency: str
    status: str
    reject_reason: str
    end_reason: str
    submitted_at: datetime | None
    decided_by: ContractPersonOut | None
    decided_at: datetime | None
    lines: list[ContractLineOut]
    version: int


class ContractPage(Schema):
    count: int
    items: list[ContractOut]


class InstalmentIn(InSchema):
    due_date: Day
    amount: Money


class InstalmentPlanIn(InSchema):
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=60)
    version: WholeNumber | None = Version


class InstalmentOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    customer_id: int
    customer_name: str
    sequence: int
    due_date: date
    amount: Decimal
    received: Decimal
    outstanding: Decimal
    currency: str = Field(description="The contract's currency (ISO 4217).")
    status: str = Field(description="pending, partly_paid, paid, overdue or void")
    paid_on: date | None
    days_late: int | None


class PaymentIn(InSchema):
    contract_id: Id
    received_on: Day | None = Field(None, description="Default: today; never in the future.")
    amount: Money
    method: text(16) = Field(
        description="bank_transfer, cash, cheque, alipay, wechat_pay, card or other"
    )
    reference: text(100) = ""


class PaymentOut(Schema):
    id: int
    contract_id: int
    contract_number: str
    customer_id: int
    received_on: date
    amount: Decimal
    currency: str = Field(description="The contract's currency (ISO 4217).")
    method: str
    reference: str
    status: str = Field(description="pending (awaiting confirmation), confirmed or void")
    recorded_by: ContractPersonOut | None
    confirmed_by: ContractPersonOut | None
    confirmed_at: datetime | None
    void_reason: str
    version: int


class PaymentPage(Schema):
    count: int
    items: list[PaymentOut]


class MonthOut(Schema):
    month: date
    currency: str = Field(description="The contracts' currency (ISO 4217).")
    total: Decimal
    payments: int


class CurrencyTotalOut(Schema):
    currency: str = Field(description="The contracts' currency (ISO 4217).")
    outstanding: Decimal = Field(description="Still to collect on the instalments listed.")
    overdue: Decimal = Field(description="The part of it already overdue.")


class CollectionsOut(Schema):
    count: int
    totals: list[CurrencyTotalOut] = Field(
        description="Per contract currency, never added across currencies (in the order of "
        "the currency codes; empty when nothing is due)."
    )
    items: list[InstalmentOut]
    received_by_month: list[MonthOut] = Field(
        description="Confirmed payments per month and currency, newest month first (the "
        "last 12 months with any)."
    )
