"""Activity pages: the forms on the 360 page (htmx) and the task inbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from guanxi.accounts.scope import get_customer_or_404
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


def _created(request, customer, kind: str, form) -> object:
    """After a write: htmx gets the timeline plus a fresh form; plain posts get a redirect."""
    if request.htmx:
        context = timeline_context(request.user, customer)
        context.update({"form_template": FORMS[kind][1], "fresh_form": _new_form(kind, customer)})
        return render(request, "activities/_created.html", context)
    messages.success(request, _("Saved."))
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
    customer = get_customer_or_404(request.user, customer_pk, write=True)
    form = InteractionForm(request.POST, customer=customer)
    if form.is_valid() and form.save(request.user):
        return _created(request, customer, "interaction", form)
    return _invalid(request, customer, "interaction", form)


@login_required
@require_POST
def note_create(request, customer_pk):
    customer = get_customer_or_404(request.user, customer_pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid() and form.save(request.user, customer):
        return _created(request, customer, "note", form)
    return _invalid(request, customer, "note", form)


@login_required
@require_POST
def task_create(request, customer_pk):
    customer = get_customer_or_404(request.user, customer_pk, write=True)
    form = TaskForm(request.POST)
    if form.is_valid() and form.save(request.user, customer):
        return _created(request, customer, "task", form)
    return _invalid(request, customer, "task", form)


@login_required
@require_POST
def task_done(request, pk):
    task = queries.get_task_for_update_or_404(request.user, pk)
    services.complete_task(request.user, task, done=request.POST.get("done", "1") == "1")
    if request.htmx and request.POST.get("view") == "timeline" and task.customer_id:
        context = timeline_context(request.user, task.customer)
        return render(request, "customers/_timeline.html", context)
    if request.htmx:
        return render(request, "activities/_inbox_list.html", _inbox_context(request.user))
    return redirect("activities:inbox")


INBOX_SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "kind": ("kind", "due_at", "id"),
    "-kind": ("-kind", "due_at", "id"),
}
INBOX_SORT_COLUMNS = [("due", "due", "-due"), ("kind", "kind", "-kind")]


def _inbox_context(user, sort: str = "due") -> dict:
    from guanxi.customers.queries import capped_count
    from guanxi.customers.views import sort_links

    sort = sort if sort in INBOX_SORTS else "due"
    qs = queries.open_tasks_for(user)
    count, exact = capped_count(qs, 200)
    return {
        "tasks": list(qs.order_by(*INBOX_SORTS[sort])[:200]),
        "now": timezone.now(),
        "count": count,
        "count_exact": exact,
        "sort_links": sort_links(QueryDict(mutable=True), sort, INBOX_SORT_COLUMNS),
    }


@login_required
def task_inbox(request):
    context = _inbox_context(request.user, request.GET.get("sort", "due"))
    return render(request, "activities/inbox.html", context)
