"""The leads API's bodies."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from guanxi.api_common import Day, Id, InSchema, Money, WholeNumber, text

Choice = text(30)
Version = Field(None, description="The version from your GET: if the lead changed meanwhile, 409.")


class LeadPersonOut(Schema):
    id: int
    name: str


class ReasonOut(Schema):
    feature: str = Field(description="The trait, e.g. source=referral.")
    text: str = Field(description="The trait in words, in the request's language.")
    contribution: float = Field(description="Its weight × value in the logistic regression.")


class MatchOut(Schema):
    kind: str = Field(description="customer or lead")
    field: str = Field(description="What matched: mobile, email, company or name.")
    owner: str = Field(description="Who owns the match, to talk to; never the record itself.")
    id: int | None = Field(description="Only when the caller may open the record.")


class LeadOut(Schema):
    id: int
    kind: str
    category: str
    name: str
    company: str
    title: str
    mobile: str = Field(description="Masked unless the caller may change the lead.")
    email: str = Field(description="Masked unless the caller may change the lead.")
    wechat: str = Field(description="Masked unless the caller may change the lead.")
    province: str
    city: str
    source: str
    interest: str
    notes: str
    status: str
    disqualified_reason: str
    owner: LeadPersonOut | None = Field(description="None: the lead is in the lead pool.")
    converted_customer_id: int | None
    referred_by_id: int | None = Field(description="The customer who brought the lead.")
    consent_purpose: str
    consent_at: datetime | None
    score: float | None = Field(description="Look-alike score 0-1 (None: no trained model).")
    score_reasons: list[ReasonOut]
    score_model_version: str
    version: int
    created_at: datetime


class LeadCreatedOut(LeadOut):
    matches: list[MatchOut] = Field(
        description="查重: customers and leads with the same mobile, e-mail or company."
    )


class LeadPage(Schema):
    count: int
    items: list[LeadOut]


class LeadIn(InSchema):
    name: text(200, min_length=1)
    kind: Choice = Field("person", description="person or organisation")
    category: Choice = Field("consumer", description="consumer, channel, company, ...")
    company: text(200) = ""
    title: text(100) = ""
    mobile: text(40) = ""
    email: text(254) = ""
    wechat: text(64) = ""
    province: text(50) = ""
    city: text(50) = ""
    source: Choice = "other"
    interest: text(5000) = ""
    notes: text(5000) = ""
    referred_by_id: Id | None = Field(None, description="The customer who brought the lead.")
    owner_id: Id | None = Field(None, description="Managers only; default: the caller.")
    pool: bool = Field(False, description="Enter the lead into the lead pool (no owner).")


class LeadPatch(InSchema):
    name: text(200, min_length=1) | None = None
    kind: Choice | None = None
    category: Choice | None = None
    company: text(200) | None = None
    title: text(100) | None = None
    mobile: text(40) | None = None
    email: text(254) | None = None
    wechat: text(64) | None = None
    province: text(50) | None = None
    city: text(50) | None = None
    source: Choice | None = None
    interest: text(5000) | None = None
    notes: text(5000) | None = None
    status: Choice | None = Field(None, description="new, contacted, qualified, disqualified")
    disqualified_reason: text(300) | None = None
    referred_by_id: Id | None = None
    version: WholeNumber | None = Version


class LeadOpportunityIn(InSchema):
    name: text(200, min_length=1)
    amount: Money | None = None
    expected_close: Day | None = None


class ConvertIn(InSchema):
    attach_to_customer_id: Id | None = Field(
        None, description="Join this existing customer (e.g. one with the same mobile)."
    )
    opportunity: LeadOpportunityIn | None = None
    version: WholeNumber | None = Version


class ConvertOut(Schema):
    customer_id: int
    contact_id: int | None
    lead: LeadOut


class LeadVersionIn(InSchema):
    version: WholeNumber | None = Version


class LeadAssignIn(InSchema):
    owner_id: Id
    version: WholeNumber | None = Version


class LeadFormOut(Schema):
    id: int
    name: str
    title: str
    intro: str
    source: str
    consent_purpose: str
    owner: LeadPersonOut | None
    active: bool
    url: str = Field(description="The public address to share.")
    leads: int
    version: int


class LeadFormIn(InSchema):
    name: text(100, min_length=1)
    title: text(200, min_length=1)
    intro: text(5000) = ""
    source: Choice = "online_inquiry"
    consent_purpose: text(300, min_length=1)
    owner_id: Id | None = Field(None, description="New leads go to this rep; none: the pool.")
    active: bool = True


class LeadFormPatch(InSchema):
    name: text(100, min_length=1) | None = None
    title: text(200, min_length=1) | None = None
    intro: text(5000) | None = None
    source: Choice | None = None
    consent_purpose: text(300, min_length=1) | None = None
    owner_id: Id | None = None
    active: bool | None = None
    version: WholeNumber | None = Version


class LeadFormPage(Schema):
    count: int
    items: list[LeadFormOut]


class FeatureOut(Schema):
    feature: str
    text: str
    weight: float


class ModelOut(Schema):
    version: str
    status: str = Field(description="ready, or too_few (fewer than 30 positives: no scores).")
    trained_at: datetime
    rule: str
    positives: int
    negatives: int
    train_size: int
    test_size: int
    auc: float | None = Field(description="ROC AUC on the held-back, stratified 25 per cent.")
    leads_scored: int
    top_features: list[FeatureOut]


__all__ = ["Decimal", "date"]
