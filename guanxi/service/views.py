"""Case pages (/cases/): the list (filters, scoped), opening a case (also from the customer's
360 page), a case with its service-level timer, actions, audit history and the textbook's
advice for managing this customer's expectations."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_write,
    get_case_or_404,
    visible_cases,
    writable_case,
    writable_customer,
)
from guanxi.audit.services import trail_for
from guanxi.customers import views as customer_views
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import advice, services, sla, stats
from .forms import (
    AssignForm,
    CaseFilterForm,
    CaseForm,
    EscalateForm,
    FollowUpForm,
    ResolveForm,
    VersionForm,
)
from .implicit import QUIET_DAYS, implicit_candidates
from .models import ACTIVE_STATUSES, Case, CaseStatus, Dissatisfaction

PAGE_SIZE = 25


def _cases(user):
    return visible_cases(
        user, Case.objects.select_related("customer", "assignee__profile", "escalated_to__profile")
    )


def filtered_cases(user, params, now=None):
    """The user's cases filtered by the list's form (invalid filters are ignored)."""
    form = CaseFilterForm(params)
    qs = _cases(user)
    if form.is_valid():
        status = form.cleaned_data["status"]
        if status == "active":
            qs = qs.filter(status__in=ACTIVE_STATUSES)
        elif status:
            qs = qs.filter(status=status)
        if form.cleaned_data["cause"]:
            qs = qs.filter(cause=form.cleaned_data["cause"])
        if form.cleaned_data["channel"]:
            qs = qs.filter(channel=form.cleaned_data["channel"])
        if form.cleaned_data["overdue"]:
            qs = qs.filter(status__in=ACTIVE_STATUSES, sla_due_at__lt=now or timezone.now())
    return form, qs


@login_required
@require_GET
def case_list(request):
    form, qs = filtered_cases(request.user, request.GET)
    page = Paginator(qs.order_by("-opened_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        case.timer = sla.timer(case, now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_open": can_write(request.user),
    }
    template = "service/_results.html" if request.htmx else "service/list.html"
    return render(request, template, context)


def _choose_customer(request):
    return customer_views.choose_customer(request, "service/choose_customer.html")


@login_required
def case_create(request):
    customer_pk = request.GET.get("customer", "")
    if not customer_pk.isdigit():
        return _choose_customer(request)
    customer = writable_customer(request.user, customer_pk)
    initial = {}
    if request.GET.get("dissatisfaction") in Dissatisfaction.values:  # from the silent list
        initial["dissatisfaction"] = request.GET["dissatisfaction"]
    form = CaseForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        creating=True,
        customer=customer,
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(request.user, customer.pk, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case #%(id)s opened.") % {"id": case.pk})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "service/form.html", {"form": form, "customer": customer, "case": None})


@login_required
def case_edit(request, pk):
    case = writable_case(request.user, Case.objects.select_related("customer"), pk)
    initial = {"version": case.version}
    form = CaseForm(request.POST or None, instance=case, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CaseForm.Meta.fields}
        try:
            services.update_case(request.user, case.pk, data, version=form.cleaned_data["version"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            messages.error(request, str(exc))
            return redirect("cases:detail", pk=case.pk)
        else:
            messages.success(request, _("Case #%(id)s saved.") % {"id": case.pk})
            return redirect("cases:detail", pk=case.pk)
    return render(
        request, "service/form.html", {"form": form, "customer": case.customer, "case": case}
    )


def _label(field: str) -> str:
    """A recorded field's name as the rest of the app shows labels: capitalised ("Status",
    not "status"; the verbose names are lower case)."""
    name = field.removesuffix("_id")
    try:
        return capfirst(str(Case._meta.get_field(name).verbose_name))
    except Exception:  # noqa: BLE001 - a field of an older version of the model
        return capfirst(field.replace("_", " "))


def _value(field: str, value, people: dict) -> str:
    if value in (None, ""):
        return "—"
    name = field.removesuffix("_id")
    if field.endswith("_id"):
        return people.get(value, f"#{value}")
    try:
        field_ = Case._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a field of an older version of the model
        return str(value)
    if isinstance(field_, models.DateTimeField) and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "Y-m-d H:i")
    return str(dict(field_.choices or []).get(value, value))


def history(case: Case) -> list[dict]:
    """The case's audit entries, newest first, with field names and values as people read
    them."""
    from django.contrib.auth import get_user_model

    entries = list(trail_for(case)[:200])
    ids = {
        v
        for e in entries
        for f, pair in e.changes.items()
        if f.endswith("_id") and isinstance(pair, list)
        for v in pair
        if v
    }
    people = {
        u.pk: str(u.profile) if hasattr(u, "profile") else u.get_username()
        for u in get_user_model().objects.filter(pk__in=ids).select_related("profile")
    }
    rows = []
    for entry in entries:
        changes = [
            (_label(f), _value(f, pair[0], people), _value(f, pair[1], people))
            for f, pair in entry.changes.items()
            if isinstance(pair, list)
            and len(pair) == 2
            and pair != [None, None]
            and not (entry.action != "update" and pair[1] in (None, ""))
        ]
        rows.append({"entry": entry, "changes": changes})
    return rows


def _detail(request, case: Case, forms: dict | None = None, status: int = 200):
    writable = visible_cases(request.user, Case.objects.filter(pk=case.pk), write=True).exists()
    initial = {"version": case.version}
    forms = forms or {}
    context = {
        "case": case,
        "timer": sla.timer(case),
        "writable": writable,
        "advice": advice.advice_for(case.customer)[0],
        "all_advice": advice.STYLES.values(),
        "common_advice": advice.COMMON,
        "history": history(case),
        "assign_form": forms.get("assign")
        or AssignForm(initial=initial, user=request.user, customer=case.customer),
        "start_form": forms.get("start") or VersionForm(initial=initial),
        "escalate_form": forms.get("escalate") or EscalateForm(initial=initial),
        "resolve_form": forms.get("resolve") or ResolveForm(initial=initial),
        "follow_up_form": forms.get("follow_up") or FollowUpForm(initial=initial),
        "close_form": forms.get("close") or EscalateForm(initial=initial),
        "allowed": {
            action: case.status in statuses for action, statuses in services.ALLOWED_FROM.items()
        },
        "Status": CaseStatus,
    }
    return render(request, "service/detail.html", context, status=status)


def _case(user, pk):
    qs = Case.objects.select_related(
        "customer",
        "opened_by__profile",
        "assignee__profile",
        "escalated_to__profile",
        "escalated_by__profile",
    )
    return get_case_or_404(user, qs, pk)


@login_required
@require_GET
def case_detail(request, pk):
    return _detail(request, _case(request.user, pk))


def _action(request, pk, name: str, form_class, run, **form_kwargs):
    """One action form posted from the case page: the service does it (scope, transition,
    version); errors go back to the page next to the form, a stale version as a message."""
    case = writable_case(request.user, Case.objects.all(), pk)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            run(case.pk, form.cleaned_data, form.cleaned_data.get("version"))
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "status" in exc.error_dict:
                # the case moved on (another tab, a colleague): its page says where it stands
                for message in exc.message_dict["status"]:
                    messages.error(request, message)
                return redirect("cases:detail", pk=case.pk)
            add_service_errors(form, exc)
        except StaleEdit as exc:
            messages.error(request, str(exc))
            return redirect("cases:detail", pk=case.pk)
        else:
            messages.success(request, _("Case #%(id)s saved.") % {"id": case.pk})
            return redirect("cases:detail", pk=case.pk)
    return _detail(request, _case(request.user, pk), {name: form}, status=422)


@login_required
@require_POST
def case_assign(request, pk):
    def run(pk, data, version):
        services.assign_case(request.user, pk, data["assignee"], version=version)

    customer = writable_case(request.user, Case.objects.select_related("customer"), pk).customer
    return _action(request, pk, "assign", AssignForm, run, user=request.user, customer=customer)


@login_required
@require_POST
def case_start(request, pk):
    def run(pk, data, version):
        services.start_case(request.user, pk, version=version)

    return _action(request, pk, "start", VersionForm, run)


@login_required
@require_POST
def case_escalate(request, pk):
    def run(pk, data, version):
        services.escalate_case(request.user, pk, reason=data["reason"], version=version)

    return _action(request, pk, "escalate", EscalateForm, run)


@login_required
@require_POST
def case_resolve(request, pk):
    def run(pk, data, version):
        fields = ("resolution", "compensation_kind", "compensation_amount")
        services.resolve_case(request.user, pk, {k: data[k] for k in fields}, version=version)

    return _action(request, pk, "resolve", ResolveForm, run)


@login_required
@require_POST
def case_close(request, pk):
    def run(pk, data, version):
        services.close_case(request.user, pk, version=version)

    return _action(request, pk, "close", EscalateForm, run)


@login_required
@require_POST
def case_follow_up(request, pk):
    def run(pk, data, version):
        fields = ("satisfaction_score", "satisfaction_note")
        services.record_follow_up(request.user, pk, {k: data[k] for k in fields}, version=version)

    return _action(request, pk, "follow_up", FollowUpForm, run)


@login_required
@require_GET
def implicit_list(request):
    """Good customers whose purchases are dropping and who have not complained (隐性不满):
    the ones to call before they leave silently (guanxi.service.implicit)."""
    page = Paginator(implicit_candidates(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "quiet_days": QUIET_DAYS, "may_open": can_write(request.user)}
    return render(request, "service/implicit.html", context)


@login_required
@require_GET
def case_stats(request):
    """Complaint rate and resolution time per cause, team and month, in the viewer's scope."""
    figures = stats.charts(request.user)
    charts = [{"id": f"case-chart-{i}", "spec": spec} for i, spec in enumerate(figures["charts"])]
    return render(request, "service/stats.html", {"figures": figures, "charts": charts})
