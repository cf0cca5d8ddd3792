"""API schemas for customers, contacts, collaborators, tags and the duplicate check.

Input fields mirror the model's columns and lengths. Sensitive fields may be written by anyone
who may change the customer, but are always masked in output (see guanxi.customers.sensitive).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from guanxi.api_common import Day, Id, InSchema, Int32, JsonScalar, Moment, SignedMoney, text

from .models import (
    Collaborator,
    Contact,
    CustomerCategory,
    CustomerKind,
    CustomerLevel,
    CustomerSource,
    Gender,
    LostReason,
    LoyaltyType,
    MaritalStatus,
)
from .queries import SORTS

SENSITIVE = (
    "Sensitive: masked in every response. The masked value a GET showed (null for is_minor), "
    "sent back, keeps the stored one; any other value holding the mask (••••) is refused."
)
Kind = Literal[tuple(CustomerKind.values)]
Category = Literal[tuple(CustomerCategory.values)]
Level = Literal[tuple(CustomerLevel.values)]
Source = Literal[tuple(CustomerSource.values)]
GenderValue = Literal[tuple(Gender.values)]
Marital = Literal[tuple(MaritalStatus.values)]
Sort = Literal[tuple(SORTS)]
Style = Literal[tuple(Contact.Style.values)]
Access = Literal[tuple(Collaborator.Access.values)]
LoyaltyTypeValue = Literal[("", *LoyaltyType.values)]
LostReasonValue = Literal[tuple(LostReason.values)]
PhoneText = text(40)
TagName = text(50, min_length=1)


class CustomerUpdate(InSchema):
    """Fields to change; leave a field out to keep it."""

    kind: Kind = None
    category: Category = None
    external_id: text(64) = None
    name: text(200, min_length=1) = None
    gender: GenderValue = None
    birthday: Day | None = None
    marital_status: Marital = None
    province: text(50) = None
    city: text(50) = None
    district: text(50) = None
    street: text(200) = None
    nickname: text(100) = None
    registered_at: Moment | None = None
    member_type: text(50) = None
    member_level: text(50) = None
    points: Int32 = None
    mobile: PhoneText = Field(None, description="Any format; stored as E.164 (+8613812345678).")
    phone: PhoneText = None
    email: text(254) = None
    qq: text(20) = None
    wechat: text(64) = None
    weibo: text(64) = None
    delivery_address: text(300) = None
    other_addresses: list[text(300)] = Field(None, max_length=20)
    payment_method: text(50) = None
    bank_account: text(64) = Field(None, description=SENSITIVE)
    credit_limit: SignedMoney | None = None
    id_number: text(32) = Field(None, description=SENSITIVE)
    uscc: text(40) = Field(None, description="18-character unified social credit code.")
    verified: bool = None
    health_notes: text(5000) = Field(None, description=SENSITIVE)
    precise_location: text(100) = Field(None, description=SENSITIVE)
    is_minor: bool | None = Field(None, description=SENSITIVE)
    company_name: text(200) = None
    position: text(100) = None
    education: text(100) = None
    family: text(200) = None
    interests: text(200) = None
    anniversary: Day | None = None
    level: Level = None
    source: Source = None
    custom_fields: dict[text(50), JsonScalar] = None
    do_not_contact: bool = None
    loyalty_type: LoyaltyTypeValue = Field(
        None,
        description="The rep's judgement of the loyalty type (DOMAIN.md §6); an empty string "
        "takes the one the scores suggest (`scores.loyalty_type_suggested`).",
    )
    tags: list[TagName] = Field(None, max_length=50, description="Replaces the customer's tags.")
    confirm_duplicate: bool = Field(
        False,
        description="Save although a field whose 查重 policy is `warn` matches another customer.",
    )
    version: Int32 | None = Field(
        None,
        ge=1,
        description="The `version` you read (GET). Given, a customer changed meanwhile answers "
        "409 with its current values instead of saving; left out, only the fields you send are "
        "written.",
    )


class CustomerCreate(CustomerUpdate):
    name: text(200, min_length=1)
    version: None = Field(None, description="Not used when creating.")


class OwnerOut(Schema):
    id: int
    name: str


class CustomerListItem(Schema):
    id: int
    kind: str
    name: str
    level: str
    source: str
    mobile: str
    email: str
    city: str
    company_name: str
    owner: OwnerOut | None
    tags: list[str]
    updated_at: datetime


class CustomerPage(Schema):
    count: int = Field(description="Matching customers; a lower bound when count_exact is false.")
    count_exact: bool = Field(description="False when more than 10,000 customers match.")
    items: list[CustomerListItem]


class ScoreLabelsOut(Schema):
    rfm_segment: str
    pyramid_level: str
    lifecycle_stage: str
    value_loyalty_quadrant: str
    loyalty_step: str
    churn_risk: str
    churn_reason: str
    recovery_action: str = Field(description="The recommended recovery action, in words.")
    quality: str
    quality_criteria: list[str]


class ScoresOut(Schema):
    """The customer's current scores from the last scoring run (codes; `labels` names them
    in the caller's language)."""

    as_of: date = Field(description="The date the scores were computed for.")
    model_version: str = Field(description="The scoring model that computed them.")
    rfm_segment: str = Field(description="RFM segment code (champions, loyal, at_risk, ...).")
    r: int = Field(description="Recency score 1-5 (0: no orders).")
    f: int = Field(description="Frequency score 1-5 (0: no orders).")
    m: int = Field(description="Monetary score 1-5 (0: no orders).")
    abc_tier: str = Field(description="ABC class A, B or C by revenue share; empty: no revenue.")
    pyramid_level: str = Field(description="Customer pyramid: top, large, medium, small, ...")
    lifecycle_stage: str = Field(description="exploration, formation, stability or decline.")
    customer_status: str = Field(description="potential, new or old.")
    loyalty_index: float | None = Field(description="Loyalty index 0-100.")
    loyalty_step: str = Field(description="Loyalty ladder step (stranger ... advocate).")
    value_loyalty_quadrant: str = Field(
        description="true_friends, butterflies, barnacles or strangers."
    )
    loyalty_type_suggested: str = Field(description="The loyalty type the data suggests.")
    clv_historical: Decimal = Field(description="Net revenue to date.")
    clv_predicted: Decimal | None = Field(description="Predicted lifetime value (discounted).")
    p_alive: float | None = Field(description="Probability the customer is still active.")
    expected_purchases_90d: float | None = Field(description="Purchases expected in 90 days.")
    churn_risk: str = Field(description="low, medium or high.")
    churn_risk_score: float | None
    churn_reason: str = Field(description="Why the churn warning was raised (a code).")
    recovery_priority: int | None = Field(description="1 = recover at all costs ... 5 = none.")
    recovery_action: str = Field(description="Recovery action code.")
    quality: str = Field(description="good, ordinary or poor (DOMAIN.md §3).")
    quality_score: int | None = Field(description="Customer quality 0-100.")
    quality_criteria: list[Any] = Field(description="The criteria that drove the quality.")
    recency_days: int | None
    frequency: int = Field(description="Orders counted (cancelled excluded).")
    monetary: Decimal = Field(description="Net revenue counted (refunds netted).")
    labels: ScoreLabelsOut


class CustomerOut(Schema):
    id: int
    kind: str
    category: str
    external_id: str
    name: str
    name_pinyin: str
    gender: str
    birthday: date | None
    marital_status: str
    province: str
    city: str
    district: str
    street: str
    address: str
    nickname: str
    registered_at: datetime | None
    member_type: str
    member_level: str
    points: int
    mobile: str
    phone: str
    email: str
    qq: str
    wechat: str
    weibo: str
    delivery_address: str
    other_addresses: list[Any]
    payment_method: str
    bank_account: str = Field(description="Masked.")
    credit_limit: Decimal | None
    id_number: str = Field(description="Masked.")
    uscc: str
    verified: bool
    health_notes: str = Field(description="Masked.")
    precise_location: str = Field(description="Masked.")
    is_minor: bool | None = Field(description="Masked: always null.")
    company_name: str
    position: str
    education: str
    family: str
    interests: str
    anniversary: date | None
    level: str
    source: str
    custom_fields: dict[str, Any]
    do_not_contact: bool
    tags: list[str]
    owner: OwnerOut | None
    department: str | None
    version: int = Field(description="Send it back with a PATCH to detect edits made meanwhile.")
    merged_into: int | None = Field(
        description="Set when this duplicate was merged into that customer (hidden from lists)."
    )
    loyalty_type: str = Field(
        description="The rep's loyalty type; empty: the suggested one applies."
    )
    lost: bool = Field(description="Marked lost (POST .../lost; undone by .../win-back).")
    lost_at: datetime | None
    lost_reason: str = Field(description="Why it was lost (one of the ten reasons).")
    lost_note: str
    return_due: date | None = Field(
        None, description="公海: the day it returns to its public pool (null: it does not)."
    )
    locked: bool = Field(False, description="公海: locked by its owner (never returns).")
    scores: ScoresOut | None = Field(
        description="The current scores; null when the customer has not been scored yet."
    )
    created_at: datetime
    updated_at: datetime


class ConflictOut(Schema):
    current: Any = Field(description="The stored value (*** for sensitive fields).")
    yours: Any = Field(description="The value you sent.")


class StaleOut(Schema):
    detail: str
    version: int = Field(description="The current version; send it to overwrite.")
    changed_by: str | None
    changed_at: datetime | None
    conflicts: dict[str, ConflictOut] = Field(
        description="Per field you sent that differs from the stored value."
    )
    current: dict[str, Any] = Field(
        description="The record as stored now (like GET; sensitive fields masked)."
    )


class AssignIn(InSchema):
    owner_id: Id


class DuplicateOut(Schema):
    field: str = Field(description="Which input matched: mobile, email or name.")
    owner: str = Field(description="Who owns the match, to talk to; never the record itself.")
    customer_id: int | None = Field(description="Only when the caller may open the record.")
    kind: str = Field("customer", description="Only on a lead's match: lead.")
    record_id: int | None = Field(
        None, description="Only on a lead's match: its id, when the caller may open it."
    )


class TagOut(Schema):
    name: str


class TagPage(Schema):
    count: int
    items: list[TagOut]


class CollaboratorIn(InSchema):
    access: Access
    expires_at: Moment | None = None


class CollaboratorOut(Schema):
    user_id: int
    username: str
    display_name: str
    access: str
    expires_at: datetime | None


# Contacts ---------------------------------------------------------------------------------


class ContactUpdate(InSchema):
    name: text(100, min_length=1) = None
    title: text(100) = None
    mobile: PhoneText = None
    email: text(254) = None
    wechat: text(64) = None
    birthday: Day | None = None
    interpersonal_style: Style = None
    is_primary: bool = None
    notes: text(5000) = None
    version: Int32 | None = Field(
        None, ge=1, description="The `version` you read; a stale one answers 409."
    )


class ContactCreate(ContactUpdate):
    name: text(100, min_length=1)
    version: None = Field(None, description="Not used when creating.")


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    title: str
    mobile: str
    email: str
    wechat: str
    birthday: date | None
    interpersonal_style: str
    is_primary: bool
    notes: str
    version: int
    created_at: datetime
    updated_at: datetime


class ContactPage(Schema):
    count: int
    items: list[ContactOut]


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str | None
    action: str
    model: str
    object_id: str
    changes: dict[str, Any]


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


# Merging duplicates (合并) ------------------------------------------------------------------

Side = Literal["survivor", "other"]


class MergeIn(InSchema):
    other_id: Id = Field(description="The duplicate to merge into this customer (hidden after).")
    take: dict[text(50), Side] = Field(
        default_factory=dict,
        description="Per field, whose value the survivor keeps: `survivor` or `other`. A field "
        "left out keeps the survivor's value, or the other's when the survivor has none.",
    )


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    merged_name: str
    merged_at: datetime
    merged_by: str | None
    undone_at: datetime | None
    moved: dict[str, int] = Field(description="How many records of each kind moved.")


# Loyalty and churn ------------------------------------------------------------------------


class LostIn(InSchema):
    reason: LostReasonValue = Field(description="Why the customer was lost (required).")
    note: text(2000) = Field("", description="What happened; optional.")


class WinBackIn(InSchema):
    note: text(2000) = Field("", description="How the customer was won back; optional.")
