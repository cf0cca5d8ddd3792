"""API schemas for interactions, tasks and notes."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from guanxi.api_common import Id, InSchema, Moment, WholeNumber, text

from .models import Channel, ContentKind, Direction, NoteKind, TaskKind

ChannelValue = Literal[tuple(Channel.values)]
DirectionValue = Literal[tuple(Direction.values)]
ContentKindValue = Literal[tuple(ContentKind.values)]
TaskKindValue = Literal[tuple(TaskKind.values)]
NoteKindValue = Literal[tuple(NoteKind.values)]


class InteractionIn(InSchema):
    customer_id: Id
    contact_id: Id | None = None
    channel: ChannelValue
    direction: DirectionValue
    content_kind: ContentKindValue = ContentKind.INFORMATION.value
    subject: text(200, min_length=1)
    content: text(20000) = ""
    occurred_at: Moment | None = Field(None, description="Default: now.")
    body_language: list[text(30)] = Field(
        [],
        max_length=20,
        description="On a visit only: feet_turned_away, knees_toward, ankles_open, "
        "ankles_locked, rubbing_thighs, touching_neck, hands_behind_head, dominant_arms, "
        "steepled_fingers",
    )


class InteractionUpdate(InSchema):
    channel: ChannelValue = None
    direction: DirectionValue = None
    content_kind: ContentKindValue = None
    subject: text(200, min_length=1) = None
    content: text(20000) = None
    occurred_at: Moment = None
    body_language: list[text(30)] | None = Field(None, max_length=20)
    version: Annotated[WholeNumber, Field(ge=1, le=2**31 - 1)] = Field(
        None,
        description="The version the edit is based on (from GET); an older one than the stored "
        "version answers 409 instead of overwriting a change made meanwhile.",
    )


class InteractionOut(Schema):
    id: int
    customer_id: int
    contact_id: int | None
    channel: str
    direction: str
    content_kind: str
    subject: str
    content: str
    occurred_at: datetime
    body_language: list[str]
    user_id: int | None
    created_at: datetime
    version: int


class InteractionPage(Schema):
    count: int
    items: list[InteractionOut]


class TaskIn(InSchema):
    customer_id: Id | None = Field(None, description="Leave out for a personal task.")
    assignee_id: Id | None = Field(None, description="Default: the caller. Managers may assign.")
    kind: TaskKindValue = TaskKind.TASK.value
    title: text(200, min_length=1)
    description: text(20000) = ""
    due_at: Moment
    remind_at: Moment | None = None


class TaskUpdate(InSchema):
    kind: TaskKindValue = None
    title: text(200, min_length=1) = None
    description: text(20000) = None
    due_at: Moment = None
    remind_at: Moment | None = None
    done: bool = Field(None, description="Mark the task done (true) or open again (false).")
    version: Annotated[WholeNumber, Field(ge=1, le=2**31 - 1)] = Field(
        None,
        description="The version the edit is based on (from GET); an older one than the stored "
        "version answers 409 instead of overwriting a change made meanwhile.",
    )


class TaskOut(Schema):
    id: int
    customer_id: int | None
    kind: str
    title: str
    description: str
    due_at: datetime
    remind_at: datetime | None
    assignee_id: int | None
    created_by_id: int | None
    done: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class TaskPage(Schema):
    count: int
    items: list[TaskOut]


class NoteIn(InSchema):
    kind: NoteKindValue = NoteKind.GENERAL.value
    body: text(20000, min_length=1)


class NoteOut(Schema):
    id: int
    customer_id: int
    kind: str
    body: str
    author_id: int | None
    created_at: datetime
