"""Activity pages: the forms on the 360 page (htmx) and the task inbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from guanxi.accounts.scope import get_task_or_404, writable_customer
from guanxi.customers.views import detail_context, timeline_context

from . import queries, services
from .forms import InteractionForm, NoteForm, TaskForm

FORMS = {
    "interaction": (InteractionForm, "activities/_interaction_form.html", "interaction_form"),
    "note": (NoteForm, "activities/_note_form.html", "note_form"),
    "task": (TaskForm, "activities/_task_form.html", "task_form"),
}


def _new_form(kind: str, customer):
    form_class = FORMS[kind][0]
    return form_class(customer=customer) if kind == "interaction" else form_class()


SAVED = {
    "interaction": _lazy("Interaction saved."),
    "note": _lazy("Note saved."),
    "task": _lazy("Task saved."),
}


def _created(request, customer, kind: str, form) -> object:
    """After a write: a confirmation; htmx gets it with the timeline and a fresh form, out of
    band, plain posts after a redirect."""
    messages.success(request, SAVED[kind])
    if request.htmx:
        context = timeline_context(request.user, customer)
        context.update({"form_template": FORMS[kind][1], "fresh_form": _new_form(kind, customer)})
        return render(request, "activities/_created.html", context)
    return redirect("customers:detail", pk=customer.pk)


def _invalid(request, customer, kind: str, form):
    """Validation errors next to the fields, in place (htmx) or on the full 360 page."""
    if request.htmx:
        response = render(request, FORMS[kind][1], {"form": form, "customer": customer})
        return reswap(retarget(response, f"#{kind}-form"), "outerHTML")
    context = detail_context(request, customer, **{FORMS[kind][2]: form})
    return render(request, "customers/detail.html", context, status=400)


@login_required
@require_POST
def interaction_create(request, customer_pk):
    customer = writable_customer(request.user, customer_pk)
    form = InteractionForm(request.POST, customer=customer)
    if form.is_valid() and form.save(request.user):
        return _created(request, customer, "interaction", form)
    return _invalid(request, customer, "interaction", form)


@login_required
@require_POST
def note_create(request, customer_pk):
    customer = writable_customer(request.user, customer_pk)
    form = NoteForm(request.POST)
    if form.is_valid() and form.save(request.user, customer):
        return _created(request, customer, "note", form)
    return _invalid(request, customer, "note", form)


@login_required
@require_POST
def task_create(request, customer_pk):
    customer = writable_customer(request.user, customer_pk)
    form = TaskForm(request.POST)
    if form.is_valid() and form.save(request.user, customer):
        return _created(request, customer, "task", form)
    return _invalid(request, customer, "task", form)


@login_required
@require_POST
def task_done(request, pk):
    """Mark a task done (done=1, the default) or open again (done=0, the Undo button)."""
    task = get_task_or_404(request.user, pk, write=True)
    done = request.POST.get("done", "1") == "1"
    services.complete_task(request.user, task, done=done)
    view = "timeline" if request.POST.get("view") == "timeline" and task.customer_id else "inbox"
    if done:
        # the confirmation carries an Undo button (includes/messages.html reads the tag)
        messages.success(
            request,
            _("Task “%(title)s” marked done.") % {"title": task.title},
            extra_tags=f"undo-task {task.pk} {view}",
        )
    else:
        messages.success(request, _("Task “%(title)s” is open again.") % {"title": task.title})
    if request.htmx and view == "timeline":
        context = timeline_context(request.user, task.customer)
        return render(request, "activities/_task_done.html", {**context, "include": "timeline"})
    if request.htmx:
        context = _inbox_context(request.user)
        return render(request, "activities/_task_done.html", {**context, "include": "inbox"})
    if view == "timeline":
        return redirect("customers:detail", pk=task.customer_id)
    return redirect("activities:inbox")


def _inbox_context(user) -> dict:
    return {"tasks": list(queries.open_tasks_for(user)[:200]), "now": timezone.now()}


@login_required
def task_inbox(request):
    return render(request, "activities/inbox.html", _inbox_context(request.user))
