"""Lead pages (/leads/): the list and the pool, entering and editing a lead with 查重 while
typing, a lead with its score's reasons and actions (claim, release, assign, status, convert,
erase), import, the public forms (managers), the look-alike model page; and the public form
itself (/l/<slug>/, no login)."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.scope import (
    can_assign_leads,
    can_change_lead,
    can_claim_leads,
    can_see_lead_model,
    can_write,
    covered_users,
    get_customer_or_404,
    get_lead_or_404,
    lead_owners,
    require_assign_leads,
    visible_customers,
    writable_lead,
)
from guanxi.audit.services import trail_for
from guanxi.services_common import StaleEdit, TooManyRequests
from guanxi.validation import add_service_errors

from . import importing, lookalike, masking, queries, services, webforms
from .features import describe
from .forms import (
    ConvertForm,
    FilterForm,
    ImportForm,
    LeadFormForm,
    PublicForm,
    StatusForm,
)
from .forms import LeadForm as LeadEntryForm
from .matching import find_matches
from .models import Lead, LeadForm, LeadStatus

PAGE_SIZE = 25


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = queries.changeable_ids(request.user, page.object_list)
    for lead in page.object_list:
        lead.shown = masking.shown(lead, lead.pk in mine)
        lead.revealed = lead.pk in mine  # the mobile as a tel: link, as people read it
        lead.reasons = queries.reasons_in_words(lead)
    return page


@login_required
@require_GET
def lead_list(request, pool: bool = False):
    """The leads of the user's scope and the pool, filtered and sorted (by score first)."""
    # a manager or lead filters by the colleagues their scope covers
    colleagues = covered_users(request.user).exclude(pk=request.user.pk).select_related("profile")
    form = FilterForm(request.GET or None, owners=colleagues)
    params = form.cleaned_data if form.is_valid() else {}
    try:
        qs = queries.lead_list(
            request.user,
            status=params.get("status") or "",
            source=params.get("source") or "",
            owner="pool" if pool else params.get("owner") or "",
            min_score=params.get("min_score"),
            sort=params.get("sort") or "-score",
        )
    except ValidationError:
        qs = queries.lead_list(request.user, pool=pool)
    if pool:
        qs = qs.filter(status__in=(LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": _page(request, qs),
        "pool": pool,
        "query": query.urlencode(),
        "may_claim": can_claim_leads(request.user),
        "may_write": can_write(request.user),
        "may_manage": can_assign_leads(request.user),
    }
    template = "leads/_results.html" if request.htmx else "leads/list.html"
    return render(request, template, context)


@login_required
@require_GET
def lead_pool(request):
    return lead_list(request, pool=True)


@login_required
def lead_create(request):
    if not can_write(request.user):
        raise PermissionDenied(_("You may not change this record."))
    form = LeadEntryForm(request.POST or None, initial={"source": "other", "kind": "person"})
    if request.method == "POST" and form.is_valid():
        owner = None if form.cleaned_data["to_pool"] else request.user
        try:
            lead = services.create_lead(request.user, form.data_for_service(), owner=owner)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _say_saved(request, lead)
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": None})


@login_required
def lead_edit(request, pk):
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    initial = {f: getattr(lead, f) for f in services.EDITABLE} | {
        "version": lead.version,
        "referred_by": lead.referred_by_id,
    }
    form = LeadEntryForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_lead(
                request.user, lead, form.data_for_service(), version=form.cleaned_data["version"]
            )
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _say_saved(request, lead)
            return redirect("leads:detail", pk=lead.pk)
    return render(request, "leads/form.html", {"form": form, "lead": lead})


@login_required
@require_GET
def duplicate_check(request):
    """查重 while typing: customers and leads with the same mobile, e-mail or company."""
    try:
        matches = find_matches(
            request.user,
            mobile=request.GET.get("mobile", "")[:40],
            email=request.GET.get("email", "")[:254],
            company=request.GET.get("company", "")[:200],
            exclude_pk=_int(request.GET.get("exclude")),
        )
    except TooManyRequests as exc:
        response = HttpResponse(str(exc), status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return render(request, "leads/_matches.html", {"matches": matches})


def _saved_matches(user, lead, revealed: bool):
    """查重 after saving, for the lead's page: the same check as the form's hint
    (find_matches, so owners are named and records linked exactly as there), on the values the
    reader sees in full: the mobile and e-mail only when they are not masked to them. None when
    the check is over the user's 查重 limit; [] for a converted lead."""
    if lead.status == LeadStatus.CONVERTED:
        return []
    try:
        return find_matches(
            user,
            mobile=lead.mobile if revealed else "",
            email=lead.email if revealed else "",
            company=lead.company,
            exclude_pk=lead.pk,
            stored=True,
        )
    except TooManyRequests:
        return None


def _say_saved(request, lead):
    """ "Saved", and that possible duplicates were found (a lead is saved even so)."""
    if _saved_matches(request.user, lead, revealed=can_change_lead(request.user, lead)):
        messages.warning(
            request,
            _("Lead “%(name)s” saved. Possible duplicates were found: see the list on its page.")
            % {"name": lead.name},
        )
    else:
        messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead.name})


def _int(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 19 else None


def _detail_context(request, lead, **extra) -> dict:
    user = request.user
    may_change = can_change_lead(user, lead)
    matches = _saved_matches(user, lead, revealed=may_change)
    context = {
        "matches": matches or [],
        "matches_skipped": matches is None,
        "lead": lead,
        "shown": masking.shown(lead, may_change),
        "revealed": may_change,  # the mobile as a tel: link, as people read it
        # the scoring model named by when it was trained (local time), not its version string
        "model_trained_at": lookalike.trained_at(lead.score_model_version),
        "reasons": [
            (describe(r["feature"]), r["contribution"]) for r in (lead.score_reasons or [])
        ],
        "may_change": may_change and lead.is_open,
        "may_claim": can_claim_leads(user) and lead.in_pool and lead.is_open,
        "may_assign": can_assign_leads(user) and lead.is_open,
        "owners": lead_owners(user).select_related("profile") if can_assign_leads(user) else [],
        "status_form": StatusForm(initial={"version": lead.version}),
        "trail": trail_for(lead)[:20] if may_change else [],
        # named only when the reader may see that customer
        "referrer": visible_customers(user).filter(pk=lead.referred_by_id).first()
        if lead.referred_by_id
        else None,
    }
    context.update(extra)
    return context


@login_required
@require_GET
def lead_detail(request, pk):
    lead = get_lead_or_404(
        request.user, Lead.objects.select_related("owner__profile", "converted_customer"), pk
    )
    return render(request, "leads/detail.html", _detail_context(request, lead))


def _refused(request, pk, exc):
    messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("leads:detail", pk=pk)


@login_required
@require_POST
def lead_status(request, pk):
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, ValidationError(_("Choose a status.")))
    try:
        services.set_lead_status(
            request.user,
            lead,
            form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except (ValidationError, StaleEdit) as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("Status changed."))
    return redirect("leads:detail", pk=pk)


@login_required
@require_POST
def lead_claim(request, pk):
    lead = get_lead_or_404(request.user, Lead.objects.all(), pk)
    try:
        services.claim_lead(request.user, lead)
    except services.LeadTaken as exc:
        messages.error(request, str(exc))
        return redirect("leads:pool")
    messages.success(request, _("The lead is yours now."))
    return redirect("leads:detail", pk=pk)


@login_required
@require_POST
def lead_release(request, pk):
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    try:
        services.release_lead(request.user, lead, version=_int(request.POST.get("version")))
    except (ValidationError, StaleEdit) as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("The lead is back in the pool."))
    return redirect("leads:pool")


@login_required
@require_POST
def lead_assign(request, pk):
    require_assign_leads(request.user)
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    owner = lead_owners(request.user).filter(pk=_int(request.POST.get("owner")) or 0).first()
    try:
        services.assign_lead(request.user, lead, owner, version=_int(request.POST.get("version")))
    except (ValidationError, StaleEdit) as exc:
        return _refused(request, pk, exc)
    messages.success(request, _("Lead assigned."))
    return redirect("leads:detail", pk=pk)


@login_required
@require_POST
def lead_erase(request, pk):
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    services.erase_lead(request.user, lead)
    messages.success(request, _("The lead's personal data was erased."))
    return redirect("leads:list")


@login_required
def lead_convert(request, pk):
    """Convert into a customer; a customer with the same mobile is offered to attach to."""
    lead = writable_lead(request.user, Lead.objects.all(), pk)
    if not lead.is_open:
        return _refused(request, pk, ValidationError(_("This lead can no longer change.")))
    form = ConvertForm(request.POST or None, initial={"version": lead.version})
    try:
        matches = [
            m
            for m in find_matches(request.user, mobile=lead.mobile, email=lead.email, stored=True)
            if m["kind"] == "customer"
        ]
    except TooManyRequests:
        matches = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        attach = get_customer_or_404(request.user, data["attach_to"]) if data["attach_to"] else None
        try:
            customer, _contact = services.convert_lead(
                request.user,
                lead,
                attach_to=attach,
                opportunity={
                    "name": data["opportunity_name"],
                    "amount": data["opportunity_amount"],
                    "expected_close": data["opportunity_close"],
                },
                version=data["version"],
            )
        except (StaleEdit, TooManyRequests) as exc:  # TooManyRequests: the 查重 budget
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Lead converted into customer “%(name)s”.") % {"name": customer.name}
            )
            return redirect("customers:detail", pk=customer.pk)
    context = {"lead": lead, "form": form, "matches": matches}
    return render(request, "leads/convert.html", context)


@login_required
def lead_import(request):
    if not can_write(request.user):
        raise PermissionDenied(_("You may not change this record."))
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = importing.import_leads(
                request.user, upload.read(), upload.name, to_pool=form.cleaned_data["to_pool"]
            )
        except importing.ImportErrors as exc:
            problems = exc.problems[:200]
        else:
            messages.success(request, _("%(n)d leads imported.") % {"n": count})
            return redirect("leads:list")
    context = {"form": form, "problems": problems, "columns": importing.LEAD_COLUMNS}
    return render(request, "leads/import.html", context, status=422 if problems else 200)


# Public lead forms (managers) ---------------------------------------------------------------


@login_required
def form_list(request):
    require_assign_leads(request.user)
    owners = lead_owners(request.user).select_related("profile")
    form = LeadFormForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            created = webforms.create_lead_form(request.user, data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Form “%(name)s” created.") % {"name": created.name})
            return redirect("leads:forms")
    forms_ = LeadForm.objects.select_related("owner__profile")
    for f in forms_:
        f.url = request.build_absolute_uri(reverse("lead_public:form", args=[f.slug]))
    return render(request, "leads/forms.html", {"form": form, "lead_forms": forms_})


@login_required
def form_edit(request, pk):
    require_assign_leads(request.user)
    lead_form = LeadForm.objects.filter(pk=pk).first()
    if lead_form is None:
        raise Http404
    owners = lead_owners(request.user).select_related("profile")
    initial = {
        "name": lead_form.name,
        "title": lead_form.title,
        "intro": lead_form.intro,
        "source": lead_form.source,
        "consent_purpose": lead_form.consent_purpose,
        "owner_id": str(lead_form.owner_id or ""),
        "active": lead_form.active,
        "version": lead_form.version,
    }
    form = LeadFormForm(request.POST or None, initial=initial, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            webforms.update_lead_form(
                request.user, lead_form, data, version=form.cleaned_data["version"]
            )
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Form saved."))
            return redirect("leads:forms")
    return render(request, "leads/form_edit.html", {"form": form, "lead_form": lead_form})


# The look-alike model -----------------------------------------------------------------------


@login_required
@require_GET
def model_page(request):
    if not can_see_lead_model(request.user):
        raise PermissionDenied
    model = lookalike.current_model()
    context = {
        "model": model,
        "features": [(describe(n), w) for n, w in lookalike.top_features(model)] if model else [],
        "min_positives": lookalike.MIN_POSITIVES,
        "rule": lookalike.POSITIVE_RULE,
        "may_retrain": can_assign_leads(request.user),
    }
    return render(request, "leads/model.html", context)


@login_required
@require_POST
def model_retrain(request):
    model = services.retrain_model(request.user)
    if model.status == "ready":
        messages.success(request, _("Model retrained; open leads rescored."))
    else:
        messages.warning(request, _("Too few loyal, high-value customers to train the model."))
    return redirect("leads:model")


# The public form (/l/<slug>/, no login) -----------------------------------------------------


@never_cache
def public_form(request, slug):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    lead_form = LeadForm.objects.filter(slug=slug, active=True).first()
    if lead_form is None or len(slug) > 40:
        return render(
            request,
            "leads/public_message.html",
            {"message": _("This form is not available.")},
            status=404,
        )
    form = PublicForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            webforms.submit_public_form(
                lead_form, form.cleaned_data, ip=get_client_ip_address(request) or ""
            )
        except webforms.Honeypot:
            return redirect("lead_public:thanks")
        except TooManyRequests as exc:
            response = render(
                request, "leads/public_message.html", {"message": str(exc)}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("lead_public:thanks")
    if request.method == "POST":
        status = 422
    return render(
        request, "leads/public_form.html", {"form": form, "lead_form": lead_form}, status=status
    )


@require_GET
def public_thanks(request):
    return render(
        request,
        "leads/public_message.html",
        {"message": _("Thank you! We will contact you soon."), "thanks": True},
    )
