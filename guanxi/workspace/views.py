"""The customer 360 page and what changes it in place: the timeline forms (interaction, note,
task), marking a task done from the timeline, and sharing the customer (协作人).

It composes the domain apps (customers, activities, sales, privacy, audit); none of them
imports it. Every access decision is guanxi.accounts.scope's; every write is a domain service.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget

from guanxi.accounts.scope import (
    can_manage,
    can_reveal,
    can_see_surveys,
    customer_access,
    customer_names,
    get_customer_or_404,
    get_task_or_404,
    is_manager,
    manageable_customer,
    visible_customers,
    writable_customer,
)
from guanxi.activities import services as activities
from guanxi.activities.forms import InteractionForm, NoteForm, TaskForm
from guanxi.activities.views import inbox_context
from guanxi.customers import merging
from guanxi.customers import services as customers
from guanxi.customers.forms import CollaboratorForm
from guanxi.customers.models import Collaborator, Customer, CustomerKind
from guanxi.customers.sensitive import SENSITIVE_FIELDS, mask_value
from guanxi.customers.views import collaborators_context
from guanxi.fast_templates import csrf_input, render_fragment
from guanxi.joined import Joined, split
from guanxi.pool.services import days_until_return
from guanxi.pool.views import customer_panel as pool_panel
from guanxi.prepared import OneRowFlags
from guanxi.privacy.models import ConsentPurpose
from guanxi.privacy.services import decision_in_force
from guanxi.privacy.views import consent_context
from guanxi.validation import add_service_errors

from .scores import scores_context
from .timeline import source_flags, timeline

# kind -> (form class, fragment template, its name in the 360 page's context, confirmation)
TIMELINE_FORMS = {
    "interaction": (
        InteractionForm,
        "activities/_interaction_form.html",
        "interaction_form",
        gettext_lazy("Interaction saved."),
    ),
    "note": (NoteForm, "activities/_note_form.html", "note_form", gettext_lazy("Note saved.")),
    "task": (TaskForm, "activities/_task_form.html", "task_form", gettext_lazy("Task saved.")),
}
# Folded on every screen, so the 360 page leaves them out (widgets are a quarter of its cost)
# and renders them when they are opened: htmx fetches the form from its own URL (GET), and
# without JavaScript the link in their place opens the page with the form in it. The
# interaction form, open on wide screens, stays in the page.
FORMS_ON_DEMAND = ("note", "task")


# A person's, not an organisation's (a review found "Health information" and "Minor" on a
# company's page). A firm's card leaves out the minor flag always: shown only when set, the
# row itself would tell what the mask hides (a hostile review); health notes when none are
# stored (a text field's card says whether one is, as a person's does).
PEOPLE_ONLY = frozenset({"health_notes", "is_minor"})


def sensitive_rows(user, customer: Customer, may_reveal: bool | None = None) -> list[dict]:
    """Masked values for the 360 page; the real value only ever arrives through a reveal.
    `may_reveal`: scope.can_reveal, when the caller has asked it already."""
    if may_reveal is None:
        may_reveal = can_reveal(user, customer)
    organisation = customer.kind == CustomerKind.ORGANISATION
    rows = []
    for field, label in SENSITIVE_FIELDS.items():
        value = getattr(customer, field)
        if organisation and field in PEOPLE_ONLY and (field == "is_minor" or not value):
            continue
        present = field == "is_minor" or value not in ("", None)
        rows.append(
            {
                "field": field,
                "label": label,
                "masked": (mask_value(field, value) or "••••") if present else "",
                "present": present,
                "may_reveal": may_reveal and present,
            }
        )
    return rows


def _presence_query(pk: int):
    from django.db.models import Exists, Subquery

    from guanxi.contracts.models import Contract
    from guanxi.surveys.models import Response

    def some(qs):
        return Exists(qs.order_by())

    return Customer.objects.filter(pk=pk).values(
        any_surveys=some(Response.objects.filter(customer_id=pk)),
        any_contracts=some(Contract.objects.filter(customer_id=pk)),
        any_referred=some(Customer.objects.filter(referred_by_id=pk)),
        any_collaborators=some(Collaborator.objects.filter(customer_id=pk)),
        any_merges=some(merging.merges_of(Customer(pk=pk))),
        **{f"any_timeline_{kind}": flag for kind, flag in source_flags(pk).items()},
        # the consent card's decisions in force, one per purpose (None: never asked)
        **{f"consent_{purpose}": decision_in_force(pk, purpose) for purpose in ConsentPurpose},
        # the header's tags, joined (guanxi/joined.py): a query of their own was a round trip
        tag_names=Subquery(
            Customer.tags.through.objects.filter(customer_id=pk)
            .order_by()
            .values("customer_id")
            .annotate(names=Joined("tag__name"))
            .values("names")
        ),
    )


_PRESENCE = OneRowFlags(_presence_query)  # compiled once per process (guanxi/prepared.py)


def card_presence(customer: Customer) -> dict[str, bool]:
    """Whether the 360 page's optional cards and its timeline's sources have anything to
    show, in one query of EXISTS flags: most customers have no survey answers, contracts,
    referrals, collaborators, merges, notes, tasks or losses, and asking each card's own query
    (~0.5 ms of ORM work apiece, the survey one with two subqueries) cost a fifth of the page's
    CPU at 1,000,000 customers. The timeline's flags are keyed "timeline_<kind>"."""
    row = _PRESENCE.values(customer.pk)
    flags = {
        name.removeprefix("any_"): bool(v) for name, v in row.items() if name.startswith("any_")
    }
    # the consent decisions ride along (SQLite answers 0/1 for a boolean subquery)
    flags["consents"] = {
        name.removeprefix("consent_"): None if v is None else bool(v)
        for name, v in row.items()
        if name.startswith("consent_")
    }
    flags["tag_names"] = sorted(split(row["tag_names"]))  # as Tag's Meta.ordering, by name
    return flags


def survey_answers(user, customer: Customer) -> list[dict]:
    """The customer's answered surveys, newest first: the survey, when, the recommend score
    (0-10), the overall rating (1-5) and the gap per attribute (perceived − expected) where it
    asked them, and whether the user may open the
    survey's results (scope.can_see_surveys). The caller has checked that the user sees the
    customer, which is all scope.survey_records asks of a customer's answers: one query."""
    from django.db.models import OuterRef, Subquery

    from guanxi.surveys.models import Answer, Attribute, QuestionKind, Response

    def first_value(kind):
        answers = Answer.objects.filter(
            response=OuterRef("pk"), question__kind=kind, value__isnull=False
        ).order_by("question__order")
        return Subquery(answers.values("value")[:1])

    responses = (
        Response.objects.filter(customer=customer)
        .select_related("survey")
        .annotate(nps=first_value(QuestionKind.NPS), rating=first_value(QuestionKind.RATING))
        .order_by("-submitted_at")[:20]
    )
    results = can_see_surveys(user)
    responses = list(responses)
    # this customer's satisfaction gap per attribute (perceived − expected, DOMAIN.md §5)
    names = dict(Attribute.choices)
    gaps: dict[int, list[tuple[str, int]]] = {}
    for row in (
        Answer.objects.filter(
            response__in=[r.pk for r in responses],
            question__kind=QuestionKind.GAP,
            value__isnull=False,
            value2__isnull=False,
        )
        .order_by("question__order")
        .values("response_id", "question__attribute", "question__text", "value", "value2")
    ):
        label = names.get(row["question__attribute"]) or row["question__text"]
        gaps.setdefault(row["response_id"], []).append((label, row["value2"] - row["value"]))
    return [
        {
            "survey": r.survey,
            "at": r.submitted_at,
            "nps": r.nps,
            "rating": r.rating,
            "gaps": gaps.get(r.pk, []),
            "results": results,
        }
        for r in responses
    ]


def timeline_context(
    user, customer: Customer, writable: bool | None = None, present: dict | None = None
) -> dict:
    """What the timeline fragment needs; re-rendered after each write from the 360 page.
    `writable`: whether the user may change the customer, when the caller knows already;
    `present`: card_presence's flags, when the caller has asked them (empty sources are not
    read)."""
    if writable is None:
        writable = visible_customers(user, write=True).filter(pk=customer.pk).exists()
    sources = None
    if present is not None:
        sources = {
            kind.removeprefix("timeline_")
            for kind, found in present.items()
            if found and kind.startswith("timeline_")
        }
    return {
        "customer": customer,
        "timeline": timeline(customer, include_audit=is_manager(user), sources=sources),
        "writable": writable,
    }


def customer_contracts(customer: Customer) -> list:
    """The customer's latest contracts with received against the amount. A contract is visible
    exactly when its customer is (scope.contract_records), and the caller has checked that the
    user sees the customer: one query."""
    return list(customer.contracts.order_by("-created_at", "-id")[:10])


def referrals(user, customer: Customer, *, any_referred: bool = True) -> dict:
    """Who referred the customer and whom it referred (customers.referred_by), named only
    within the viewer's scope (scope.customer_names); the others are only counted. One query,
    and one more for the names when there are any; none when the caller knows the customer
    referred nobody (`any_referred`) and was referred by nobody."""
    from django.db.models import Q

    if not any_referred and not customer.referred_by_id:
        return {
            "by": None,
            "by_hidden": False,
            "referred": [],
            "hidden": 0,
            "hidden_text": "",
            "any": False,
        }

    found = Q(referred_by=customer, merged_into__isnull=True, erased_at__isnull=True)
    if customer.referred_by_id:
        found |= Q(pk=customer.referred_by_id)
    ids = list(Customer.objects.filter(found).values_list("pk", flat=True)[:500])
    by = customer.referred_by_id
    referred = [pk for pk in ids if pk != by]
    names = customer_names(user, ids) if ids else {}
    hidden = sum(1 for pk in referred if pk not in names)
    return {
        "by": {"pk": by, "name": names[by]} if by in names else None,
        "by_hidden": by is not None and by not in names,
        "referred": [{"pk": pk, "name": names[pk]} for pk in referred if pk in names],
        "hidden": hidden,
        # translated here: the page is a Jinja2 fragment, and makemessages reads plural forms
        # from Python only
        "hidden_text": ngettext(
            "and %(n)s customer outside your data scope",
            "and %(n)s customers outside your data scope",
            hidden,
        )
        % {"n": hidden},
        "any": bool(by or referred),
    }


def detail_context(request, customer: Customer, *, open_form: str = "", **forms) -> dict:
    """The whole 360 page; `forms` carries a bound form with its errors (e.g. note_form), and
    `open_form` names a form on demand to show open (the page without JavaScript)."""
    access = customer_access(request.user, customer)  # one scope question, not four
    present = card_presence(customer)
    context = timeline_context(request.user, customer, writable=access.write, present=present)
    consents = present.pop("consents")
    tag_names = present.pop("tag_names")
    context.update(
        consent_context(customer, request.user, manageable=access.manage, state=consents)
    )
    context.update(
        collaborators_context(
            request.user, customer, forms.get("collaborator_form"), may_manage=access.manage
        )
    )
    organisation = customer.kind == CustomerKind.ORGANISATION
    # a firm's contacts: the contacts card and the interaction form's select, one query
    contacts = list(customer.contacts.all()) if organisation else []
    if customer.merged_into_id:
        # the survivor is named only within the viewer's scope (a hostile review: a rep saw
        # the name of another team's customer their duplicate was merged into)
        names = customer_names(request.user, [customer.merged_into_id])
        context["merged_into_name"] = names.get(customer.merged_into_id, "")
    if not present["collaborators"]:
        context["collaborators"] = []  # the card's list: no query for nobody
    context.update(
        {
            "sensitive": sensitive_rows(request.user, customer, may_reveal=access.reveal),
            "contacts": contacts,
            "is_organisation": organisation,
            "tag_names": tag_names,
            "custom_values": customer.custom_fields or {},
            "show_audit": is_manager(request.user),
            # "Merge a duplicate" and "Undo merge": manage rights (scope.mergeable_pair)
            "may_merge": access.manage,
            # what the card shows (a merge record keeps both customers' values: ~100 columns)
            "merges": merging.merges_of(customer)
            .select_related(None)
            .select_related("merged")
            .only("id", "merged_at", "merged__name")
            if present["merges"]
            else [],
            "survey_answers": survey_answers(request.user, customer) if present["surveys"] else [],
            "referrals": referrals(request.user, customer, any_referred=present["referred"]),
            "contracts": customer_contracts(customer) if present["contracts"] else [],
        }
    )
    for kind, (form_class, _template, name, _saved) in TIMELINE_FORMS.items():
        form = forms.get(name)
        if form is None and access.write and (kind not in FORMS_ON_DEMAND or kind == open_form):
            listed = {"contacts": contacts} if kind == "interaction" and organisation else {}
            form = form_class(customer=customer, **listed)
        context[name] = form  # None: on demand (detail.html puts its link in its place)
    context.update(pool_panel(request.user, customer, may_manage=access.manage))
    score_forms = ("loyalty_form", "lost_form", "win_back_form")
    context.update(
        scores_context(
            request.user,
            customer,
            writable=access.write,
            may_manage=access.manage,  # scope.can_mark_lost is scope.can_manage
            **{name: forms[name] for name in score_forms if name in forms},
        )
    )
    return context


@login_required
@require_safe  # reading only: a POST here answers 405 (a hostile review saw the page)
def customer_detail(request, pk):
    customer = get_customer_or_404(
        request.user, pk, related=("owner__profile", "department", "score")
    )
    return render(request, "workspace/detail.html", detail_context(request, customer))


@login_required
@require_http_methods(["GET", "POST"])
def timeline_entry_create(request, customer_pk, kind: str):
    """One view for the three timeline forms (interaction, note, task; `kind` comes from the
    URL). GET: the empty form, alone for htmx (opened on the 360 page), else the 360 page with
    it open. POST saved: a confirmation, and for htmx the timeline and a fresh form out of band
    (a plain post is redirected to the 360 page). Invalid: the errors next to the fields, in
    place (htmx) or on the full 360 page with status 400."""
    customer = writable_customer(request.user, customer_pk)
    form_class, template, name, saved = TIMELINE_FORMS[kind]
    if request.method == "GET":
        if request.htmx:
            return render(
                request, template, {"form": form_class(customer=customer), "customer": customer}
            )
        context = detail_context(request, customer, open_form=kind)
        return render(request, "workspace/detail.html", context)
    form = form_class(request.POST, customer=customer)
    returning_in = days_until_return(customer)
    if form.is_valid() and form.save(request.user):
        messages.success(request, saved)
        panel = (
            _pool_clock_restarted(request, customer, returning_in)
            if kind == "interaction"
            else None
        )
        if not request.htmx:
            return redirect("customers:detail", pk=customer.pk)
        context = timeline_context(request.user, customer)
        context.update({"form_template": template, "fresh_form": form_class(customer=customer)})
        if panel is not None:
            context["pool_panel_html"] = panel
        return render(request, "workspace/_created.html", context)
    if request.htmx:
        response = render(request, template, {"form": form, "customer": customer})
        return reswap(retarget(response, f"#{kind}-form"), "outerHTML")
    context = detail_context(request, customer, **{name: form})
    return render(request, "workspace/detail.html", context, status=400)


def _pool_clock_restarted(request, customer: Customer, returning_in: int | None) -> str | None:
    """After an interaction: when it moved the customer's return to the public pool (the
    owner's follow-up restarts that clock), say so, and give the 360 page's pool panel anew
    (htmx swaps it out of band); None when the date did not move. A review saw the countdown
    jump without a word."""
    customer.refresh_from_db(fields=["return_due", "last_follow_up_at"])
    days = days_until_return(customer)
    if days is None or days == returning_in:
        return None
    messages.info(
        request,
        ngettext(
            "The follow-up restarted the public pool's clock: the customer returns to the "
            "pool in %(n)s day unless followed up again.",
            "The follow-up restarted the public pool's clock: the customer returns to the "
            "pool in %(n)s days unless followed up again.",
            days,
        )
        % {"n": days},
    )
    context = pool_panel(request.user, customer, may_manage=can_manage(request.user, customer))
    context.update(
        {"customer": customer, "csrf_input": csrf_input({"csrf_token": get_token(request)})}
    )
    return render_fragment("pool/_customer_panel.html", {**context, "oob": True})


@login_required
@require_POST
def task_done(request, pk):
    """Mark a task done (done=1, the default) or open again (done=0, the Undo button), from the
    inbox or from a customer's timeline (view=timeline); the answer re-renders where it came
    from."""
    task = get_task_or_404(request.user, pk, write=True)
    done = request.POST.get("done", "1") == "1"
    activities.complete_task(request.user, task, done=done)
    view = "timeline" if request.POST.get("view") == "timeline" and task.customer_id else "inbox"
    if done:
        # the confirmation carries an Undo button (includes/messages.html reads the tag)
        messages.success(
            request,
            _("Task “%(title)s” marked done.") % {"title": task.shown_title},
            extra_tags=f"undo-task {task.pk} {view}",
        )
    else:
        messages.success(
            request, _("Task “%(title)s” is open again.") % {"title": task.shown_title}
        )
    if request.htmx and view == "timeline":
        context = timeline_context(request.user, task.customer)
        return render(request, "workspace/_task_done.html", {**context, "include": "timeline"})
    if request.htmx:
        # the inbox again with the filters it was showing (the page's URL, sent by htmx)
        shown = urlsplit(request.headers.get("HX-Current-URL", "")).query
        context = inbox_context(request.user, QueryDict(shown[:2000]))
        return render(request, "workspace/_task_done.html", {**context, "include": "inbox"})
    if view == "timeline":
        return redirect("customers:detail", pk=task.customer_id)
    return redirect("activities:inbox")


def _collaborators_answer(request, customer: Customer, form: CollaboratorForm | None, done: str):
    """htmx: the card again, with the errors next to the fields (200: htmx swaps no 4xx, and a
    review saw a refused date ignored without a word); a plain post: back to the 360 page, or
    the page with the errors (400)."""
    failed = form is not None and bool(form.errors)
    if request.htmx:
        context = collaborators_context(request.user, customer, form if failed else None)
        return render(request, "customers/_collaborators.html", context)
    if failed:
        context = detail_context(request, customer, collaborator_form=form)
        return render(request, "workspace/detail.html", context, status=400)
    messages.success(request, done)
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def collaborator_share(request, pk):
    """Share the customer (协作人) or change a share; the owner's side only (403 otherwise).
    GET: the empty share form, alone for htmx (opened in the card), else the 360 page with it."""
    customer = manageable_customer(request.user, pk)
    if request.method == "GET":
        form = CollaboratorForm(customer=customer)
        if request.htmx:
            context = {"customer": customer, "collaborator_form": form}
            return render(request, "customers/_share_form.html", context)
        context = detail_context(request, customer, collaborator_form=form)
        return render(request, "workspace/detail.html", context)
    form = CollaboratorForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            customers.share_customer(
                request.user,
                customer,
                form.cleaned_data["user"],
                access=form.cleaned_data["access"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _collaborators_answer(request, customer, form, _("Shared."))


@login_required
@require_POST
def collaborator_remove(request, pk, user_id):
    """Stop sharing the customer with one collaborator; the owner's side only."""
    customer = manageable_customer(request.user, pk)
    if not customers.unshare_customer(request.user, customer, user_id):
        raise Http404
    return _collaborators_answer(request, customer, None, _("Collaborator removed."))
