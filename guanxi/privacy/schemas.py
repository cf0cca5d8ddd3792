"""API schemas for revealing sensitive fields, consent, and a customer's data rights."""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from guanxi.api_common import InSchema, text
from guanxi.validation import PURPOSE_MAX, clean_purpose

from .models import ConsentPurpose
from .sensitive import SENSITIVE_FIELDS

SensitiveField = Literal[tuple(SENSITIVE_FIELDS)]
Purpose = Literal[tuple(ConsentPurpose.values)]
# A stated purpose: validation.clean_purpose's rule and message, as on the page and in exports
StatedPurpose = Annotated[str, Field(max_length=PURPOSE_MAX), AfterValidator(clean_purpose)]


class RevealIn(InSchema):
    field: SensitiveField
    purpose: StatedPurpose = Field(description="Why you need to see it; logged with the reveal.")


class RevealOut(Schema):
    field: str
    value: str | bool


class ConsentIn(InSchema):
    purpose: Purpose
    granted: bool
    channel: text(50) = Field("", description="How the decision was obtained (phone, form...).")


class ConsentOut(Schema):
    id: int
    customer_id: int
    purpose: str
    granted: bool
    channel: str
    recorded_by_id: int | None
    recorded_at: datetime


class ConsentStateOut(Schema):
    state: dict[str, bool | None] = Field(description="The decision in force per purpose.")
    history: list[ConsentOut]


class SubjectRequestIn(InSchema):
    purpose: StatedPurpose = Field(description="The request being answered; logged.")


class PersonalDataOut(Schema):
    customer: dict[str, Any]
    tags: list[str]
    contacts: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    # the sections the apps above privacy register (services_common.personal_data_sections)
    cases: list[dict[str, Any]] = Field(default_factory=list)
    survey_invitations: list[dict[str, Any]] = Field(default_factory=list)
    survey_answers: list[dict[str, Any]] = Field(default_factory=list)
    reviews: list[dict[str, Any]] = Field(default_factory=list)
