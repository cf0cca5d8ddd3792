"""Interactions (客户沟通), tasks and reminders, and notes, within the caller's data scope.

Records hanging off a customer inherit the customer's scope. A task without a customer is a
personal task: visible to its assignee and its creator (and to whoever sees everything).
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status

from guanxi.accounts.scope import (
    can_write,
    get_customer_or_404,
    get_related_or_404,
    get_task_or_404,
    is_manager,
    scoped,
    visible_tasks,
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
    active_user,
    errors,
    forbidden,
    paginate,
)

from . import services
from .models import Interaction, Note, Task
from .schemas import (
    ChannelValue,
    DirectionValue,
    InteractionIn,
    InteractionOut,
    InteractionPage,
    InteractionUpdate,
    NoteIn,
    NoteOut,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskUpdate,
)

router = Router(tags=["activities"])

DELETE_ERRORS = errors(401, 403, 404, 422)


# Interactions -----------------------------------------------------------------------------


def interaction_out(i: Interaction) -> dict:
    return {
        field: getattr(i, field)
        for field in [
            "id",
            "customer_id",
            "contact_id",
            "channel",
            "direction",
            "content_kind",
            "subject",
            "content",
            "occurred_at",
            "body_language",
            "user_id",
            "created_at",
            "version",
        ]
    }


@router.get("/interactions", response={200: InteractionPage, **READ_ERRORS})
def list_interactions(
    request,
    customer_id: Id | None = None,
    channel: ChannelValue | None = None,
    direction: DirectionValue | None = None,
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Interactions with the customers in the caller's scope, newest first.

    Every signed-in user, within their scope; 422 for a bad parameter.
    """
    qs = scoped(request.user, Interaction.objects.all(), via="customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if channel:
        qs = qs.filter(channel=channel)
    if direction:
        qs = qs.filter(direction=direction)
    qs = qs.order_by("-occurred_at", "-id")
    return paginate(qs, limit, offset, interaction_out)


@router.post("/interactions", response={201: InteractionOut, **WRITE_ERRORS})
def record_interaction(request, payload: InteractionIn):
    """Record a call, visit, e-mail, SMS, WeChat, letter, fax, web or event touch.

    Needs write access to the customer: 404 outside the caller's scope, 403 when read-only;
    422 for a refused value (an outbound contact with a do-not-contact customer, a contact of
    another customer).
    """
    customer = writable_customer(request.user, payload.customer_id)
    contact = None
    if payload.contact_id is not None:
        try:
            contact = get_related_or_404(request.user, customer.contacts.all(), payload.contact_id)
        except Http404:
            raise ValidationError(
                {"contact_id": [_("This customer has no contact with this id.")]}
            ) from None
    data = payload.dict(exclude={"customer_id", "contact_id"}, exclude_unset=True)
    interaction = services.record_interaction(request.user, customer, data, contact=contact)
    return Status(201, interaction_out(interaction))


@router.get("/interactions/{interaction_id}", response={200: InteractionOut, **ONE_ERRORS})
def get_interaction(request, interaction_id: Id):
    """One interaction.

    Anyone who may read its customer; 404 when it is outside the caller's scope.
    """
    return interaction_out(
        get_related_or_404(request.user, Interaction.objects.all(), interaction_id)
    )


@router.patch(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **WRITE_ERRORS, **errors(409)},
)
def update_interaction(request, interaction_id: Id, payload: InteractionUpdate):
    """Change the fields sent (audited).

    Needs write access to its customer: 404 outside the scope, 403 read-only; 422 with the
    field's message when a value is refused; 409 when `version` is given and the interaction
    was changed meanwhile (nothing is saved).
    """
    interaction = writable_related(
        request.user, Interaction.objects.select_related("customer"), interaction_id
    )
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.update_interaction(request.user, interaction, data, version=version)
    return interaction_out(interaction)


@router.delete("/interactions/{interaction_id}", response={204: None, **DELETE_ERRORS})
def delete_interaction(request, interaction_id: Id):
    """Delete an interaction (audited).

    Needs write access to its customer and to be who recorded it or to manage the customer:
    404 outside the scope, 403 read-only or for a collaborator deleting another's record.
    """
    interaction = writable_related(request.user, Interaction.objects.all(), interaction_id)
    services.delete_interaction(request.user, interaction)
    return Status(204, None)


# Tasks ------------------------------------------------------------------------------------


def task_out(task: Task) -> dict:
    data = {
        field: getattr(task, field)
        for field in [
            "id",
            "customer_id",
            "kind",
            "title",
            "description",
            "due_at",
            "remind_at",
            "assignee_id",
            "created_by_id",
            "done_at",
            "created_at",
            "updated_at",
            "version",
        ]
    }
    data["done"] = task.done_at is not None
    return data


@router.get("/tasks", response={200: TaskPage, **READ_ERRORS})
def list_tasks(
    request,
    customer_id: Id | None = None,
    mine: bool = False,
    done: bool | None = None,
    limit: Limit = 25,
    offset: Offset = 0,
):
    """Tasks and reminders: open ones first, by due date.

    What scope.visible_tasks shows the caller; 422 for a bad parameter.
    """
    qs = visible_tasks(request.user)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if mine:
        qs = qs.filter(assignee=request.user)
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    qs = qs.order_by(F("done_at").asc(nulls_first=True), "due_at", "id")
    return paginate(qs, limit, offset, task_out)


@router.post("/tasks", response={201: TaskOut, **WRITE_ERRORS})
def create_task(request, payload: TaskIn):
    """A task or reminder, on a customer or personal.

    On a customer: write access to it (404 outside the scope, 403 read-only); a personal task:
    any role that writes (403 otherwise). Assigning to someone else: managers only (403);
    422 for a refused value.
    """
    user = request.user
    customer = None
    if payload.customer_id is not None:  # 404 outside the scope, like every customer route
        customer = writable_customer(user, payload.customer_id)
    elif not can_write(user):
        raise forbidden(_("Your role is read-only."))
    assignee = None
    if payload.assignee_id is not None and payload.assignee_id != user.pk:
        if not is_manager(user):
            raise forbidden(_("Only managers may assign tasks to others."))
        assignee = active_user(payload.assignee_id, "assignee_id")
    data = payload.dict(exclude={"customer_id", "assignee_id"}, exclude_unset=True)
    task = services.create_task(user, data, customer=customer, assignee=assignee)
    return Status(201, task_out(task))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ONE_ERRORS})
def get_task(request, task_id: Id):
    """One task or reminder.

    A task on a customer: anyone who may read the customer; a personal task: its assignee and
    its creator, and whoever sees every customer (scope.visible_tasks). 404 otherwise.
    """
    return task_out(get_task_or_404(request.user, task_id))


@router.patch("/tasks/{task_id}", response={200: TaskOut, **WRITE_ERRORS, **errors(409)})
def update_task(request, task_id: Id, payload: TaskUpdate):
    """Change the fields sent, or mark the task done / open again with `done` (audited).

    Needs write access to the task (scope.get_task_or_404 with write): 404 when it is not
    visible, 403 when it is only readable; 422 for a refused value; 409 when `version` is
    given and the task was changed meanwhile.
    """
    task = get_task_or_404(request.user, task_id, write=True)
    data = payload.dict(exclude_unset=True)
    done = data.pop("done", None)
    version = data.pop("version", None)
    if data:
        services.update_task(request.user, task, data, version=version)
        version = None  # checked and taken by the edit
    if done is not None:
        services.complete_task(request.user, task, done=done, version=version)
    return task_out(task)


@router.delete("/tasks/{task_id}", response={204: None, **DELETE_ERRORS})
def delete_task(request, task_id: Id):
    """Delete a task (audited).

    Needs write access to the task and to have created it or to manage its customer: 404 when
    it is not visible, 403 when it is only readable or a collaborator's to keep.
    """
    services.delete_task(request.user, get_task_or_404(request.user, task_id, write=True))
    return Status(204, None)


# Notes ------------------------------------------------------------------------------------


def note_out(note: Note) -> dict:
    return {
        field: getattr(note, field)
        for field in ["id", "customer_id", "kind", "body", "author_id", "created_at"]
    }


@router.get("/customers/{customer_id}/notes", response={200: list[NoteOut], **ONE_ERRORS})
def customer_notes(request, customer_id: Id):
    """A customer's notes (complaints, praise, general), newest first; at most 200.

    Anyone who may read the customer; 404 when it is outside the caller's scope.
    """
    customer = get_customer_or_404(request.user, customer_id)
    return [note_out(n) for n in Note.objects.filter(customer=customer)[:200]]


@router.post("/customers/{customer_id}/notes", response={201: NoteOut, **WRITE_ERRORS})
def add_note(request, customer_id: Id, payload: NoteIn):
    """Add a note (complaint, praise, general) to a customer (audited).

    Needs write access to the customer: 404 outside the scope, 403 read-only; 422 for an empty
    or refused text.
    """
    customer = writable_customer(request.user, customer_id)
    note = services.add_note(request.user, customer, payload.body, payload.kind)
    return Status(201, note_out(note))
