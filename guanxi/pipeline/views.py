"""Pipeline pages (/pipeline/): the board (drag a card to another stage, or choose one on a
phone), the list, an opportunity with its SPIN notes, questions, objections, negotiation plan and
TAP preparation, the stage settings and sales targets (managers), and the sales reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_write,
    get_opportunity_or_404,
    get_opportunity_record_or_404,
    may_configure_pipeline,
    require_configure_pipeline,
    writable_customer,
    writable_opportunity,
)
from guanxi.customers import views as customer_views
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import advice, queries, reports, services
from .forms import (
    AnswerForm,
    FilterForm,
    LoseForm,
    ObjectionForm,
    ObjectionUpdateForm,
    OpportunityForm,
    PlanForm,
    QuestionForm,
    SpinForm,
    StageForm,
    TargetForm,
    WinForm,
)
from .models import (
    AskedQuestion,
    NegotiationPlan,
    Objection,
    Opportunity,
    SalesTarget,
    Stage,
    Status,
)

PAGE_SIZE = 25
# The newest cards of each stage; "and N more: see the list" links the rest (at a million
# customers a rep's board holds tens of thousands of open opportunities).
CARDS_PER_STAGE = 20


def _opportunities(user):
    return reports.filtered(user).select_related("customer", "stage", "owner__profile")


def _filtered(request):
    form = FilterForm(request.GET or None, user=request.user)
    values = form.values() if request.GET else {"owner": None, "team": None, "close_month": None}
    qs = reports.filtered(request.user, **values).select_related(
        "customer", "stage", "owner__profile"
    )
    return form, qs


def _with_deals(opportunities) -> None:
    """Give each open opportunity its accepted contracts' total (`deal`, or None), one query
    for all: the board and the list show what was contracted instead of the estimate."""
    deals = services.accepted_deals(o.pk for o in opportunities if o.status == Status.OPEN)
    for o in opportunities:
        o.deal = deals.get(o.pk)


def _board_context(request):
    form, qs = _filtered(request)
    stages = list(services.active_stages())
    columns = queries.board_columns(stages, qs.filter(status=Status.OPEN), CARDS_PER_STAGE)
    return {
        "form": form,
        "columns": columns,
        "stages": stages,
        "may_write": can_write(request.user),
        "query": request.GET.urlencode(),
    }


@login_required
@require_GET
def board(request):
    context = _board_context(request)
    template = "pipeline/_board.html" if request.htmx else "pipeline/board.html"
    return render(request, template, context)


@login_required
@require_GET
def opportunity_list(request):
    form, qs = _filtered(request)
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _with_deals(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "query": query.urlencode(),
        "may_write": can_write(request.user),
    }
    return render(request, "pipeline/list.html", context)


@login_required
@require_POST
def move(request, pk):
    """The board's drop (htmx) or the phone's "move to" select: the board comes back with the
    outcome; a plain POST goes back to where it came from."""
    opportunity = writable_opportunity(request.user, Opportunity.objects.all(), pk)
    version = request.POST.get("version", "")
    try:
        services.move_opportunity(
            request.user,
            opportunity.pk,
            request.POST.get("stage", ""),
            version=int(version) if version.isdigit() else None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except StaleEdit as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Moved."))
    if request.htmx:
        context = _board_context(request)
        return render(request, "pipeline/_board.html", context)
    return redirect(request.POST["next"] if _safe_next(request) else "pipeline:board")


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/pipeline/") and "//" not in target


def _choose_customer(request):
    return customer_views.choose_customer(request, "pipeline/choose_customer.html")


@login_required
def create(request):
    customer_pk = request.GET.get("customer", "")
    if not customer_pk.isdigit():
        return _choose_customer(request)
    customer = writable_customer(request.user, customer_pk)
    stages = list(services.active_stages())
    form = OpportunityForm(
        request.POST or None, user=request.user, customer=customer, stages=stages
    )
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.create_opportunity(
                request.user, customer.pk, form.data_for_service()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity opened."))
            return redirect("pipeline:detail", pk=opportunity.pk)
    return render(
        request, "pipeline/form.html", {"form": form, "customer": customer, "opportunity": None}
    )


@login_required
def edit(request, pk):
    opportunity = writable_opportunity(
        request.user, Opportunity.objects.select_related("customer"), pk
    )
    initial = {
        "name": opportunity.name,
        "amount": opportunity.amount if opportunity.amount is not None else "",
        "currency": opportunity.currency,
        "expected_close": opportunity.expected_close.isoformat()
        if opportunity.expected_close
        else "",
        "probability": opportunity.probability,
        "contact": opportunity.contact_id or "",
        "owner": opportunity.owner_id or "",
        "products": [str(p) for p in opportunity.products.values_list("pk", flat=True)],
        "meeting_time": opportunity.meeting_time,
        "meeting_agenda": opportunity.meeting_agenda,
        "meeting_purpose": opportunity.meeting_purpose,
        "version": opportunity.version,
    }
    form = OpportunityForm(
        request.POST or None,
        initial=initial,
        user=request.user,
        customer=opportunity.customer,
        stages=[],
        creating=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_opportunity(
                request.user,
                opportunity.pk,
                form.data_for_service(),
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("pipeline:detail", pk=opportunity.pk)
    return render(
        request,
        "pipeline/form.html",
        {"form": form, "customer": opportunity.customer, "opportunity": opportunity},
    )


def _detail_context(request, opportunity, **forms):
    plan = NegotiationPlan.objects.filter(opportunity=opportunity).first()
    contact = opportunity.contact
    style = advice.style_advice(contact.interpersonal_style) if contact else None
    plan_initial = {"version": plan.version} if plan else {}
    if plan:
        plan_initial.update(
            interests=plan.interests,
            criteria=plan.criteria,
            options=plan.options,
            batna=plan.batna,
            walk_away=plan.walk_away if plan.walk_away is not None else "",
        )
    objections = list(opportunity.objections.select_related("stage", "author__profile"))
    for objection in objections:
        objection.form = ObjectionUpdateForm(
            initial={
                "response": objection.response,
                "outcome": objection.outcome,
                "version": objection.version,
            },
            prefix=f"o{objection.pk}",
        )
        objection.meaning = advice.OBJECTION_MEANING.get(objection.kind)
    return {
        "opportunity": opportunity,
        "may_write": can_write(request.user),
        "stages": list(services.active_stages()),
        "style": style,
        "products": list(opportunity.products.order_by("name")),
        "spin_notes": list(opportunity.spin_notes.select_related("author__profile")),
        "questions": list(opportunity.questions.select_related("author__profile")),
        "objections": objections,
        "objection_meanings": advice.OBJECTION_MEANING,
        "plan": plan,
        "below_walk_away": plan is not None and plan.below_walk_away(opportunity.amount),
        "visits": list(opportunity.visits.select_related("stage")),
        "missing": {
            s.pk: services.missing_for_stage(opportunity, s) for s in services.active_stages()
        },
        "win_form": forms.get("win_form") or WinForm(initial={"version": opportunity.version}),
        # accepted contracts decide the amount won (services.win_opportunity)
        "deal": services.accepted_deal(opportunity) if opportunity.status == Status.OPEN else None,
        "lose_form": forms.get("lose_form") or LoseForm(initial={"version": opportunity.version}),
        "spin_form": forms.get("spin_form") or SpinForm(),
        "question_form": forms.get("question_form") or QuestionForm(),
        "objection_form": forms.get("objection_form") or ObjectionForm(),
        "plan_form": forms.get("plan_form") or PlanForm(initial=plan_initial),
        "answer_form": AnswerForm(),
    }


def _detail_qs():
    return Opportunity.objects.select_related("customer", "stage", "contact", "owner__profile")


@login_required
@require_GET
def detail(request, pk):
    opportunity = get_opportunity_or_404(request.user, _detail_qs(), pk)
    return render(request, "pipeline/detail.html", _detail_context(request, opportunity))


def _write_on(request, pk, form_class, key, run, done: str):
    """A form posted from the opportunity page: saved through `run(form)`, or the page again
    with the form's errors (status 422)."""
    opportunity = writable_opportunity(request.user, _detail_qs(), pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(opportunity, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("pipeline:detail", pk=opportunity.pk)
    opportunity.refresh_from_db()
    context = _detail_context(request, opportunity, **{key: form})
    return render(request, "pipeline/detail.html", context, status=422)


def _version(form):
    return form.cleaned_data.get("version")


@login_required
@require_POST
def win(request, pk):
    return _write_on(
        request,
        pk,
        WinForm,
        "win_form",
        lambda o, f: services.win_opportunity(
            request.user, o.pk, amount=f.cleaned_data["amount"], version=_version(f)
        ),
        _("Marked won."),
    )


@login_required
@require_POST
def lose(request, pk):
    return _write_on(
        request,
        pk,
        LoseForm,
        "lose_form",
        lambda o, f: services.lose_opportunity(
            request.user,
            o.pk,
            f.cleaned_data["lost_reason"],
            f.cleaned_data["lost_note"],
            version=_version(f),
        ),
        pgettext("opportunity", "Marked lost."),
    )


@login_required
@require_POST
def spin(request, pk):
    return _write_on(
        request,
        pk,
        SpinForm,
        "spin_form",
        lambda o, f: services.add_spin_note(request.user, o.pk, dict(f.cleaned_data)),
        _("SPIN notes saved."),
    )


@login_required
@require_POST
def question(request, pk):
    return _write_on(
        request,
        pk,
        QuestionForm,
        "question_form",
        lambda o, f: services.add_question(request.user, o.pk, dict(f.cleaned_data)),
        _("Question logged."),
    )


@login_required
@require_POST
def answer(request, pk):
    found = get_opportunity_record_or_404(request.user, AskedQuestion.objects.all(), pk, write=True)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_question(request.user, found.pk, form.cleaned_data["answer"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Answer saved."))
    else:
        messages.error(request, _("Write the answer."))
    return redirect("pipeline:detail", pk=found.opportunity_id)


@login_required
@require_POST
def objection(request, pk):
    def run(o, f):
        data = {k: v for k, v in f.cleaned_data.items() if k != "version"}
        services.log_objection(request.user, o.pk, data)

    return _write_on(request, pk, ObjectionForm, "objection_form", run, _("Objection logged."))


@login_required
@require_POST
def objection_update(request, pk):
    found = get_opportunity_record_or_404(request.user, Objection.objects.all(), pk, write=True)
    form = ObjectionUpdateForm(request.POST, prefix=f"o{found.pk}")
    if not form.is_valid():
        form = ObjectionUpdateForm(request.POST)  # the API-like post without a prefix
    if form.is_valid():
        try:
            services.update_objection(
                request.user,
                found.pk,
                {
                    "response": form.cleaned_data["response"],
                    "outcome": form.cleaned_data["outcome"],
                },
                version=_version(form),
            )
        except (ValidationError, StaleEdit) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Objection updated."))
    else:
        messages.error(request, _("Choose the outcome."))
    return redirect("pipeline:detail", pk=found.opportunity_id)


@login_required
@require_POST
def plan(request, pk):
    def run(o, f):
        data = {k: v for k, v in f.cleaned_data.items() if k != "version"}
        services.save_negotiation_plan(request.user, o.pk, data, version=_version(f))

    return _write_on(request, pk, PlanForm, "plan_form", run, _("Negotiation plan saved."))


# Settings and targets (managers) ----------------------------------------------------------


@login_required
def stage_settings(request):
    require_configure_pipeline(request.user)
    form = StageForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "active")}
        if data.get("order") in (None, ""):
            data.pop("order")
        try:
            services.create_stage(request.user, data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Stage added."))
            return redirect("pipeline:stages")
    stages = list(Stage.objects.annotate(open_count=Count("opportunities")).order_by("order", "id"))
    for stage in stages:
        stage.form = StageForm(
            initial={
                "custom_name": stage.custom_name,
                "order": stage.order,
                "probability": stage.probability,
                "required_fields": stage.required_fields,
                "active": stage.active,
                "version": stage.version,
            },
            prefix=f"s{stage.pk}",
        )
    return render(request, "pipeline/stages.html", {"form": form, "stages": stages})


@login_required
@require_POST
def stage_update(request, pk):
    require_configure_pipeline(request.user)
    form = StageForm(request.POST, prefix=f"s{pk}")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_stage(request.user, pk, data, version=_version(form))
        except (ValidationError, StaleEdit) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Stage saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("pipeline:stages")


@login_required
def targets(request):
    require_configure_pipeline(request.user)
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_sales_target(request.user, dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Target saved."))
            return redirect("pipeline:targets")
    rows = SalesTarget.objects.select_related("user__profile", "department").order_by(
        "-month", "department__name", "user__username"
    )[:300]
    return render(request, "pipeline/targets.html", {"form": form, "targets": rows})


@login_required
@require_POST
def target_delete(request, pk):
    services.delete_sales_target(request.user, pk)
    messages.success(request, _("Target removed."))
    return redirect("pipeline:targets")


@login_required
@require_GET
def report(request):
    form = FilterForm(request.GET or None, user=request.user)
    values = form.values() if request.GET else {"owner": None, "team": None, "close_month": None}
    data = reports.figures(request.user, **values)
    charts = [
        {"id": f"pipeline-chart-{i}", "spec": spec} for i, spec in enumerate(reports.charts(data))
    ]
    context = {
        "form": form,
        "data": data,
        "charts": charts,
        "may_configure": may_configure_pipeline(request.user),
    }
    return render(request, "pipeline/reports.html", context)
