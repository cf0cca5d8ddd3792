"""Forms on the 360 page: record an interaction, add a note, add a task or reminder."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.date_inputs import date_field, datetime_field
from guanxi.validation import (
    MAX_ID,
    ListFilters,
    SharedFields,
    WholeNumberField,
    add_service_errors,
)

from . import services
from .body_language import SIGNALS
from .models import Channel, ContentKind, Direction, Interaction, NoteKind, TaskKind


class _TimelineForm(forms.Form):
    """A form on one customer's 360 page: bound to the customer, saved through a service; the
    service's ValidationError lands next to the fields it names and save() returns None."""

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def unbound_key(self):
        """What the empty form's fields depend on beyond the language (the unbound_once template
        tag renders them once per key); None: render them every time."""
        return None if self.initial else type(self).__name__

    def save(self, actor):
        try:
            return self.write(actor)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None

    def write(self, actor):
        raise NotImplementedError


class _ListedChoices(ModelChoiceIterator):
    """The options of a ListedModelChoiceField: from its `listed` rows when given, else from
    its queryset as Django's (which queries each time it is iterated)."""

    def __iter__(self):
        listed = self.field.listed
        if listed is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in listed:
            yield self.choice(obj)

    def __len__(self):
        listed = self.field.listed
        if listed is None:
            return super().__len__()
        return len(listed) + (self.field.empty_label is not None)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options may come from rows already fetched (`listed`), which
    must be the queryset's rows; validation still reads the queryset."""

    iterator = _ListedChoices
    listed: list | None = None


class InteractionForm(_TimelineForm):
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    direction = forms.ChoiceField(label=_("direction"), choices=Direction.choices)
    content_kind = forms.ChoiceField(
        label=_("content kind"), choices=ContentKind.choices, initial=ContentKind.INFORMATION
    )
    subject = forms.CharField(
        label=_("subject"),
        max_length=200,
        error_messages={"required": _("Give the interaction a subject.")},
    )
    content = forms.CharField(
        label=_("content"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    occurred_at = datetime_field(
        _("occurred at"), help_text=_("Leave empty for now."), year_checked_by_service=True
    )
    contact = ListedModelChoiceField(
        label=_("contact"), queryset=None, required=False, empty_label=_("(none)")
    )
    body_language = forms.MultipleChoiceField(
        label=_("Body language (on a visit)"),
        required=False,
        # each signal with its meaning, in the language of the page that shows it (lazy)
        choices=[
            (key, format_lazy("{} — {}", signal, meaning))
            for key, (signal, meaning) in SIGNALS.items()
        ],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, customer, contacts: list | None = None, **kwargs):
        """`contacts`: the customer's contacts when the caller has them already (the 360 page
        lists them in its contacts card): the select's options are then written from them,
        not from a second query of the same rows. A posted choice is still looked up."""
        super().__init__(*args, customer=customer, **kwargs)
        field = self.fields["contact"]
        field.queryset = customer.contacts.all()  # its own copy (below)
        field.listed = contacts
        if customer.kind != "organisation":
            del self.fields["contact"]

    def write(self, actor) -> Interaction:
        data = {k: v for k, v in self.cleaned_data.items() if k != "contact"}
        return services.record_interaction(
            actor, self.customer, data, contact=self.cleaned_data.get("contact")
        )


# Shared by every instance but the contact field, the one each sets for its customer: the
# copy of the others cost ~0.25 ms of every 360 page (guanxi.validation.SharedFields).
InteractionForm.base_fields = SharedFields(InteractionForm.base_fields, own=("contact",))


class NoteForm(_TimelineForm):
    kind = forms.ChoiceField(label=_("kind"), choices=NoteKind.choices)
    body = forms.CharField(
        label=_("note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the note, then save it.")},
    )

    def write(self, actor):
        return services.add_note(
            actor, self.customer, self.cleaned_data["body"], self.cleaned_data["kind"]
        )


class TaskForm(_TimelineForm):
    kind = forms.ChoiceField(label=_("kind"), choices=TaskKind.choices)
    title = forms.CharField(
        label=_("title"), max_length=200, error_messages={"required": _("Give the task a title.")}
    )
    due_at = datetime_field(
        _("due at"),
        required=True,
        year_checked_by_service=True,
        error_messages={
            "required": _("Give the task a due date."),
            "invalid": _("Enter the due date and time, e.g. 2024-03-05 14:30."),
        },
    )
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "due_at" not in self.initial:
            # tomorrow at 09:00 unless changed: a review's first task failed on "Give the
            # task a due date"
            self.initial["due_at"] = self._default_due()

    @staticmethod
    def _default_due():
        tomorrow = timezone.localdate() + timedelta(days=1)
        return timezone.make_aware(datetime.combine(tomorrow, time(9, 0)))

    def unbound_key(self):
        """The empty form renders once per day (its default due date is tomorrow's)."""
        if set(self.initial) != {"due_at"} or self.initial["due_at"] != self._default_due():
            return None
        return (type(self).__name__, self.initial["due_at"].date().isoformat())

    def write(self, actor):
        return services.create_task(actor, dict(self.cleaned_data), customer=self.customer)


class TaskFilterForm(ListFilters, forms.Form):
    """The task inbox's filters and sort, all GET parameters (kept in the URL); a refused
    value leaves out its own filter only, and stays in its box (ListFilters). `assignees`:
    the (id, name) of the colleagues whose tasks the user may list (scope.covered_users), or
    None when the user sees only their own."""

    SORTS = {
        "due": ("due_at", "id"),
        "-due": ("-due_at", "-id"),
        "kind": ("kind", "due_at", "id"),
        "-kind": ("-kind", "due_at", "id"),
    }

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *TaskKind.choices]
    )
    due_from = date_field(_("Due from"))
    due_to = date_field(_("Due until"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Task or customer"), required=False, max_length=100)
    assignee = WholeNumberField(label=_("Assignee"), required=False, min_value=1, max_value=MAX_ID)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignees = assignees
        if assignees is None and self.is_bound and "assignee" in self.data:
            # a user who lists only their own tasks has no Assignee filter: a stale or typed
            # ?assignee= is ignored, not shown as an error about a field they cannot see
            self.data = self.data.copy()
            self.data.pop("assignee")

    def clean_assignee(self):
        value = self.cleaned_data.get("assignee")
        if value is None:
            return None
        if self.assignees is None or value not in {pk for pk, _name in self.assignees}:
            raise ValidationError(_("Choose a colleague whose tasks you may see."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and start > end:
            self.add_error("due_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict:
        data = self.valid_data()
        return {key: data.get(key) for key in self.fields} | {"sort": data.get("sort") or "due"}
