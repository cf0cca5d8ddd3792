"""Customer pages: the list with live search, create/edit, contacts, 查重, merging.

The 360 page, which composes customers with activities, sales, privacy and the audit trail,
is guanxi.workspace.views.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.models import Department
from guanxi.accounts.scope import (
    can_manage,
    can_write,
    covered_department_ids,
    covered_user_ids,
    is_manager,
    manageable_customers,
    may_save_segments,
    may_share_segment,
    merge_survivor,
    mergeable_pair,
    visible_customers,
    writable_customer,
    writable_duplicate,
    writable_related,
)
from guanxi.fast_templates import csrf_input, options_html, render_fragment
from guanxi.prepared import PreparedRows
from guanxi.services_common import TooManyRequests

from . import merging, queries, scores, services
from .forms import (
    DUPLICATE_CHECK_FIELDS,
    PAGE_SIZE,
    CollaboratorForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
)
from .models import Contact, Customer, CustomerKind, CustomerLevel, CustomerSource
from .rows import rows_html as list_rows_html
from .sensitive import SENSITIVE_FIELDS, mask_value


def _page(qs, form: CustomerFilterForm, sort: str):
    """(rows as LIST_VALUES dicts, the next page's query or None, the list's total or None).

    A first page whose total PostgreSQL expects to be small (a search) takes its ids and
    total from one scan (queries.small_first_page) and then its rows by id. Otherwise newest
    first pages by keyset (no COUNT, fast at any depth), other sorts by offset; the total is
    then PostgreSQL's estimate already asked for (a first page with a next one), or counted
    or estimated apart (_count)."""
    data = form.valid_data()
    params = form.data.copy() if form.is_bound else QueryDict(mutable=True)
    params.pop("after", None)
    params.pop("page", None)
    number = data.get("page") or 1
    estimate = None  # a large first page's total, when PostgreSQL gave its estimate
    if not data.get("after") and number == 1:
        small = queries.small_first_page(qs, size=PAGE_SIZE)
        if isinstance(small, queries.ListCount):
            estimate = small
        elif small is not None:
            ids, found = small
            by_id = {row[0]: dict(zip(LIST_VALUES, row, strict=True)) for row in _ROWS.rows(ids)}
            rows = [by_id[pk] for pk in ids if pk in by_id]  # in the list's order
            next_query = None
            if found > PAGE_SIZE:
                if sort == "newest":
                    params["after"] = str(ids[-1])
                else:
                    params["page"] = "2"
                next_query = params.urlencode()
            return rows, next_query, queries.found_count(found)
    qs = qs.values(*LIST_VALUES)
    if sort == "newest":
        rows, next_after = queries.keyset_page(qs, after=data.get("after"), size=PAGE_SIZE)
        if next_after:
            params["after"] = str(next_after)
        return rows, params.urlencode() if next_after else None, estimate if next_after else None
    start = (number - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    if len(rows) > PAGE_SIZE:
        params["page"] = str(number + 1)
        return rows[:PAGE_SIZE], params.urlencode(), estimate
    return rows, None, None


def _count(qs, form: CustomerFilterForm, rows: list, next_query: str | None):
    """The list's total: on a first page with no next page it is the rows shown (no second
    query: a search reads every match's row at 1,000,000 customers, and a COUNT would read
    them again); else queries.list_count."""
    data = form.valid_data()
    if next_query is None and not data.get("after") and (data.get("page") or 1) == 1:
        return queries.ListCount(len(rows), "exact")
    return queries.list_count(qs)


# What a list row shows, fetched as plain values: no model instances (a customer, its owner
# and the owner's profile per row) and no tag managers; the rows become ListRow objects.
# Measured in process at 1,000,000 customers: model rows with prefetched tags cost ~4 ms of
# CPU a page more than these values and one query for the page's tag names.
LIST_VALUES = (
    "id",
    "name",
    "kind",
    "do_not_contact",
    "level",
    "mobile",
    "city",
    "province",
    "source",
    "created_at",
    "lost_at",
    "return_due",
    "owner_id",
    "owner__username",
    "owner__profile__display_name",
)


class ListRow:
    """One row of the customer list: the LIST_VALUES of a customer as attributes (`pk` is its
    id), and what the view adds for the row template (labels, badges, tag names)."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.pk = values["id"]


# A page's rows by id (LIST_VALUES tuples), compiled once per page size (guanxi/prepared.py)
_ROWS = PreparedRows(lambda ids: Customer.objects.filter(pk__in=ids).values_list(*LIST_VALUES))

# A page's tags, by name: compiled once per page size (guanxi/prepared.py; ~0.3 ms a page)
_PAGE_TAGS = PreparedRows(
    lambda ids: (
        Customer.tags.through.objects.filter(customer_id__in=ids)
        .order_by("tag__name")
        .values_list("customer_id", "tag__name")
    )
)


def list_rows(rows: list[dict]) -> list[ListRow]:
    """ListRows for a page of LIST_VALUES dicts, each with `tag_names` (sorted) from one query."""
    rows = [ListRow(r) for r in rows]
    names: dict[int, list[str]] = {r.pk: [] for r in rows}
    for customer_id, tag in _PAGE_TAGS.rows(names):
        names[customer_id].append(tag)
    for row in rows:
        row.tag_names = names[row.pk]
    return rows


# Column headers that sort: (column, first click, second click) sort keys. The "Created on"
# column is none: the default order (newest, oldest) is by id, the order customers were added,
# which imported or back-dated created_at dates do not follow; a header marked as sorted would
# show dates in no apparent order. ADDED_SORT_COLUMNS are the links that name that order.
SORT_COLUMNS = [
    ("name", "name", "-name"),
    ("level", "level", "-level"),
    ("city", "city", "-city"),
    ("source", "source", "-source"),
]
ADDED_SORT_COLUMNS = [("newest", "newest", "newest"), ("oldest", "oldest", "oldest")]
DESCENDING = {"-name", "-level", "-city", "-source", "newest", "updated"}
# The scores group's sort links: highest first on the first click.
SCORE_SORT_COLUMNS = [
    ("clv_predicted", "-clv_predicted", "clv_predicted"),
    ("p_alive", "p_alive", "-p_alive"),
    ("loyalty_index", "-loyalty_index", "loyalty_index"),
    ("churn_risk_score", "-churn_risk_score", "churn_risk_score"),
    ("monetary", "-monetary", "monetary"),
]

SCORE_SORT_LABELS = {
    "clv_predicted": lambda: _("predicted CLV"),
    "p_alive": lambda: _("P(alive)"),
    "loyalty_index": lambda: _("loyalty index"),
    "churn_risk_score": lambda: _("churn risk score"),
    "monetary": lambda: _("net revenue"),
}


def sort_links(params: QueryDict, current: str, columns=SORT_COLUMNS) -> dict:
    """Per sortable column: the URL query that sorts by it (toggling), and aria-sort.

    `columns` are (column, first click, second click) sort keys; a key starting with "-",
    or "newest", sorts descending.
    """
    links = {}
    query = params.copy()  # one copy (a deep copy) for every column, not one each
    for key in ("after", "page"):
        query.pop(key, None)
    for column, first, second in columns:
        query["sort"] = second if current == first else first
        state = ""
        if current in (first, second):
            state = (
                "descending" if current in DESCENDING or current.startswith("-") else "ascending"
            )
        links[column] = {"query": query.urlencode(), "aria_sort": state}
    return links


def score_selects(form: CustomerFilterForm, filters: dict) -> list[dict]:
    """The scores group's menus (full page only): label, options in the user's language and
    the value chosen."""
    return [
        {
            "name": name,
            "label": form.fields[name].label,
            "any": any_label,
            "options_html": options_html(scores.options(name), filters.get(name, "")),
        }
        for name, any_label in scores.ANY.items()
    ]


FILTER_OPTIONS_KEY = "customers:filter-options"


def filter_options() -> dict:
    """Owners, teams and tags for the filter menus (full page only; live updates skip them).

    Kept 30 s in the cache and dropped whenever a user, profile, team or tag is saved or
    deleted (apps.CustomersConfig.ready); writes that send no signal (bulk_create) show up
    within the 30 s.
    """
    options = cache.get(FILTER_OPTIONS_KEY)
    if options is None:
        users = get_user_model().objects.filter(is_active=True).select_related("profile")
        options = {
            "owners": [
                (u.pk, getattr(getattr(u, "profile", None), "display_name", "") or u.username)
                for u in users.order_by("username")
            ],
            "teams": list(Department.objects.order_by("name").values_list("pk", "name")),
        }
        cache.set(FILTER_OPTIONS_KEY, options, 30)
    return options


def owner_filter_choices(user, options: dict | None = None) -> list[tuple[int, str]]:
    """The owner filter's menu: only the colleagues whose work the user's scope covers (every
    list page's; a rep's order list named every team's staff: hostile review). `options`:
    filter_options(), when the caller has them."""
    named = covered_user_ids(user)
    return [(pk, name) for pk, name in (options or filter_options())["owners"] if pk in named]


def team_filter_choices(user, options: dict | None = None) -> list[tuple[int, str]]:
    """The team filter's menu: the teams of the colleagues the user's scope covers (all for a
    manager); a rep's menu named every team (a review)."""
    teams = (options or filter_options())["teams"]
    named = covered_department_ids(user)
    return teams if named is None else [(pk, name) for pk, name in teams if pk in named]


def forget_filter_options(**kwargs) -> None:
    cache.delete(FILTER_OPTIONS_KEY)


def choose_customer(request, template: str):
    """The first step of making something that belongs to a customer (an order, a case, an
    opportunity, a quote): search the customers the user may change, up to 20. `template`
    extends customers/choose_customer.html and names what is made."""
    if not can_write(request.user):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:100]
    customers = []
    if q:
        customers = list(
            queries.customer_list(request.user, q=q).filter(
                pk__in=visible_customers(request.user, write=True).values("pk")
            )[:20]
        )
    return render(request, template, {"q": q, "customers": customers})


def count_text(count: queries.ListCount) -> str:
    """The list's "N customers" line in the user's language (plural forms are chosen here:
    makemessages reads ngettext from Python, not from the Jinja2 fragment)."""
    n = intcomma(count.n)
    if count.kind == "estimate":
        text = ngettext(
            "about %(n)s customer (estimate)", "about %(n)s customers (estimate)", count.n
        )
    elif count.kind == "at_least":
        text = _("more than %(n)s customers")
    else:
        text = ngettext("%(n)s customer", "%(n)s customers", count.n)
    return text % {"n": n}


def rows_html(rows: list, can_write_: bool, list_url: str, sort_score_label: str) -> str:
    """The list's table rows (customers/rows.py: written by Python, ~0.5 ms of CPU a page less
    than the Jinja2 fragment they were), labels translated once per page."""
    labels = {
        "level": _("Customer level"),
        "mobile": _("Mobile"),
        "city": _("City"),
        "source": _("Source"),
        "tags": _("Tags"),
        "owner": _("Owner"),
        "created": _("Created on"),
        "organisation": _("Organisation"),
        "dnc": _("Do not contact"),
        "pool": _("Public pool"),
        "lost": _("Lost"),
        "scores": _("Scores"),
        "churn_risk": _("Churn risk: %(risk)s"),
        "return": _("Back to pool in"),
        "days": _("%(n)s d"),
        "due_now": _("Due now"),
    }
    # "Net revenue: " / "净收入：" before each row's value of the score sorted by
    prefix = _("%(label)s: ") % {"label": sort_score_label} if sort_score_label else ""
    return list_rows_html(rows, labels, can_write=can_write_, list_url=list_url, sort_prefix=prefix)


@login_required
def customer_list(request):
    form = CustomerFilterForm(request.GET or None)
    filters = form.filters()
    qs = queries.customer_list(request.user, **filters)
    rows, next_query, count = _page(qs, form, filters["sort"])
    rows = list_rows(rows)
    # Labels translated once per request, not through get_FOO_display() on every row.
    level_labels = {value: str(label) for value, label in CustomerLevel.choices}
    source_labels = {value: str(label) for value, label in CustomerSource.choices}
    today = timezone.localdate()
    for row in rows:
        row.level_label = level_labels.get(row.level, row.level)
        row.source_label = source_labels.get(row.source, row.source)
        # what the owner and created cells show, without template lookups on every row
        row.owner_label = row.owner__profile__display_name or row.owner__username
        row.created_on = timezone.localtime(row.created_at).strftime("%Y-%m-%d")
        # 公海: days until the customer returns to its pool (stored date, no query per row)
        row.return_days = (row.return_due - today).days if row.return_due else None
    sort_score = filters["sort"].lstrip("-")
    sort_score = sort_score if sort_score in scores.SORT_VALUE_FORMATS else ""
    scores.attach_badges(rows, sort_score)
    params = request.GET.copy()
    first_query = None  # past the first page: a way back to it (a review found only "Next")
    if params.get("after") or params.get("page") not in (None, "", "1"):
        first = params.copy()
        first.pop("after", None)
        first.pop("page", None)
        first_query = first.urlencode()
    can_write_ = can_write(request.user)
    list_url = reverse("customers:list")  # + "<id>/" is a customer's page, no reverse per row
    sort_score_label = SCORE_SORT_LABELS[sort_score]() if sort_score else ""
    context = {
        "rows_html": rows_html(rows, can_write_, list_url, sort_score_label),
        "level_labels": level_labels,
        "source_labels": source_labels,
        "form": form,
        "customers": rows,
        "next_query": next_query,
        "first_query": first_query,
        "filters": filters,
        "count": count or _count(qs, form, rows, next_query),
        "sort_links": sort_links(params, filters["sort"]),
        "can_write": can_write_,
        "is_manager": is_manager(request.user),
        "current_query": params.urlencode(),
        "list_url": list_url,
        "filtered": any(v not in (None, "") for k, v in filters.items() if k != "sort"),
        "score_filtered": any(k in queries.SCORE_FILTERS for k in filters),
        "score_sort_links": sort_links(params, filters["sort"], SCORE_SORT_COLUMNS),
        "added_sort_links": sort_links(params, filters["sort"], ADDED_SORT_COLUMNS),
        # the score the list is sorted by, shown in each row under this label
        "sort_score_label": sort_score_label,
    }
    # a refused value stays in its box (full page; a live update leaves the boxes as typed),
    # and the group holding it opens
    refused = form.refused()
    context["refused"] = refused
    context["more_refused"] = any(name in refused for name in form.MORE_FILTERS)
    context["score_filtered"] |= any(name in refused for name in queries.SCORE_FILTERS)
    term = (filters.get("q") or "").strip()
    if not rows and term and not filters.get("tag") and term in queries.tag_menu(request.user):
        # the search box finds names, phones and e-mails; a tag is a filter (a review typed
        # one and found nothing): point there rather than to an empty result
        context["tag_hint"] = term
    context["count_text"] = count_text(context["count"])
    if request.htmx and not request.htmx.history_restore_request:
        response = HttpResponse(render_fragment("customers/_results.html", context))
    else:
        options = filter_options()
        tags = queries.tag_menu(request.user)
        context["tag_options"] = options_html(((name, name) for name in tags), filters["tag"])
        context["level_options"] = options_html(level_labels.items(), filters["level"])
        context["source_options"] = options_html(source_labels.items(), filters["source"])
        kinds = ((value, str(label)) for value, label in CustomerKind.choices)
        context["kind_options"] = options_html(kinds, filters["kind"])
        owners = owner_filter_choices(request.user, options)
        context["owner_options"] = options_html(owners, filters["owner_id"])
        context["team_options"] = options_html(
            team_filter_choices(request.user, options), filters["department_id"]
        )
        context["new_owner_options"] = options_html(options["owners"])
        context["score_selects"] = score_selects(form, filters)
        context["may_save_segment"] = may_save_segments(request.user)  # the save form
        context["may_share_segment"] = may_share_segment(request.user)  # its "share" box
        context["create_url"] = reverse("customers:create")
        context["bulk_url"] = reverse("customers:bulk")
        context["segment_create_url"] = reverse("segments:create")
        # The page's one CSRF token (masked once): the body's forms and base.html's
        # {% csrf_token %} share it (a view's value overrides the context processor's).
        context["csrf_token"] = get_token(request)
        context["csrf_input"] = csrf_input(context)
        # The page's body by Jinja2: ~0.65 ms of CPU a page less than Django's templates.
        context["body_html"] = render_fragment("customers/_list_body.html", context)
        response = render(request, "customers/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def collaborators_context(
    user,
    customer: Customer,
    form: CollaboratorForm | None = None,
    *,
    may_manage: bool | None = None,
) -> dict:
    """The 协作人 card: everyone who may read the customer sees who shares it; only the owner's
    side (scope.can_manage, or `may_manage` when the caller already asked scope) gets the
    share form and the remove buttons. The share form is in the card when given (with its
    errors, or asked for); else the card fetches it when it is opened (collaborator_share)."""

    if may_manage is None:
        may_manage = can_manage(user, customer)
    if not may_manage:
        form = None
    return {
        "customer": customer,
        "collaborators": customer.collaborators.select_related("user__profile"),
        "may_manage": may_manage,
        "collaborator_form": form,
        "now": timezone.now(),
    }


@login_required
def customer_create(request):
    if not can_write(request.user):
        raise PermissionDenied
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = form.save(request.user)
        if customer is not None:
            messages.success(request, _("Customer “%(name)s” created.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
def customer_edit(request, pk):
    customer = writable_customer(request.user, pk)
    form = CustomerForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer})
        if form.rebased:
            messages.info(request, form.rebased)
        return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@require_GET
def duplicate_check(request):
    """查重 while typing: who owns a matching customer, linked only if the user may see it."""
    exclude = request.GET.get("exclude") or None
    exclude_pk = int(exclude) if exclude and exclude.isdigit() and len(exclude) < 19 else None
    try:
        matches = services.find_duplicates(
            request.user,
            mobile=request.GET.get("mobile", "")[:40],
            email=request.GET.get("email", "")[:254],
            name=request.GET.get("name", "")[:200],
            exclude_pk=exclude_pk,
        )
    except TooManyRequests as exc:  # shown in place of the matches (app.js swaps a 429)
        # under the field being typed in, like a match (out of band; see _duplicates.html)
        field = request.headers.get("HX-Trigger-Name", "")
        field = field if field in ("name", "mobile", "email") else "name"
        response = HttpResponse(
            format_html(
                '<div id="duplicates-{}" class="dupes-slot" aria-live="polite" '
                'hx-swap-oob="true"><p class="error" role="alert">{}</p></div>',
                field,
                exc,
            ),
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    # Offer "merge" only for the customer being edited, when the user may merge into it (manage
    # it: see scope.mergeable_pair) ...
    editing = (
        exclude_pk
        if exclude_pk and manageable_customers(request.user).filter(pk=exclude_pk).exists()
        else None
    )
    # ... and only for matches the user may merge away (see scope.mergeable_pair).
    mergeable = (
        set(
            manageable_customers(request.user)
            .filter(pk__in=[m.customer_id for m in matches if m.customer_id])
            .values_list("pk", flat=True)
        )
        if editing
        else set()
    )
    panels = [(f, [m for m in matches if m.field == f]) for f in DUPLICATE_CHECK_FIELDS]
    context = {"panels": panels, "editing": editing, "mergeable": mergeable}
    return render(request, "customers/_duplicates.html", context)


# Merging duplicates (合并) ------------------------------------------------------------------


def _merge_candidates(user, customer: Customer):
    """Customers the user may merge away (manage) that look like duplicates of this one."""
    from django.db.models import Q

    lookup = Q(name=customer.name)
    if customer.name_pinyin:
        lookup |= Q(name_pinyin=customer.name_pinyin)
    for field in ("mobile", "phone", "email", "uscc"):
        if getattr(customer, field):
            lookup |= Q(**{field: getattr(customer, field)})
    qs = manageable_customers(user).filter(lookup)
    return qs.filter(merged_into__isnull=True).exclude(pk=customer.pk)[:20]


def _shown_value(customer: Customer, field: str) -> str:
    from .templatetags.guanxi_ui import _display, phone

    value = getattr(customer, field)
    if field in SENSITIVE_FIELDS:
        return (mask_value(field, value) or "••••") if value not in ("", None) else "—"
    if field in ("mobile", "phone"):
        return phone(value) or "—"
    if field == "custom_fields":
        return "；".join(f"{k}: {v}" for k, v in (value or {}).items()) or "—"
    shown = _display(customer, field)
    return "—" if shown in ("", None, []) else shown


@login_required
def customer_merge(request, pk):
    """Side by side: per differing field, whose value the surviving customer keeps."""
    other_id = request.POST.get("other") or request.GET.get("other") or ""
    itself = other_id == str(pk)
    if itself or not (other_id.isdigit() and len(other_id) < 19):
        # the first step: likely duplicates, and a search by name, pinyin, phone or e-mail
        # among the customers the user may merge away (a review typed a phone number into a
        # box that took only the internal id, and got a 404 page)
        customer = merge_survivor(request.user, pk)
        q = request.GET.get("q", "").strip()[:100]
        found = None
        if q:
            found = list(
                queries.customer_list(request.user, q=q)
                .filter(pk__in=manageable_customers(request.user).values("pk"))
                .filter(merged_into__isnull=True)
                .exclude(pk=customer.pk)[:20]
            )
        if found == [] and queries.customer_list(request.user, q=q).filter(pk=customer.pk).exists():
            itself = True  # the search found only the customer itself: say so (a review)
        context = {
            "customer": customer,
            "candidates": _merge_candidates(request.user, customer),
            "other": None,
            "q": q,
            "found": None if itself and not found else found,
            # ?other= this very customer: said at once, not after pressing Merge
            "error": _("This is the customer you are merging into: choose another one.")
            if itself
            else "",
        }
        return render(request, "customers/merge.html", context)
    customer, other = mergeable_pair(request.user, pk, int(other_id))
    defaults = merging.default_choices(customer, other)
    fields = merging.differing_fields(customer, other)
    errors = []
    if request.method == "POST":
        take = {f: request.POST.get(f"take_{f}", defaults[f]) for f in fields}
        try:
            merging.merge_customers(request.user, customer, other, take)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("“%(other)s” was merged into this customer. You can undo it below.")
                % {"other": other.name},
            )
            return redirect("customers:detail", pk=customer.pk)
    rows = [
        {
            "field": f,
            "label": Customer._meta.get_field(f).verbose_name,
            "mine": _shown_value(customer, f),
            "theirs": _shown_value(other, f),
            "take_other": request.POST.get(f"take_{f}", defaults[f]) == merging.OTHER,
        }
        for f in fields
    ]
    context = {"customer": customer, "other": other, "rows": rows, "errors": errors}
    return render(request, "customers/merge.html", context)


@login_required
@require_POST
def merge_undo(request, pk, merge_pk):
    customer = merge_survivor(request.user, pk)
    record = merging.merges_of(customer).filter(pk=merge_pk).first()
    if record is None:
        raise Http404
    writable_duplicate(request.user, record.merged_id)
    try:
        merging.undo_merge(request.user, record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Merge undone: “%(other)s” is back.") % {"other": record.merged.name}
        )
    return redirect("customers:detail", pk=customer.pk)


@login_required
def contact_create(request, pk):
    customer = writable_customer(request.user, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.save(request.user, customer):
        messages.success(request, _("Contact added."))
        return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
    )


@login_required
def contact_edit(request, pk, contact_pk):
    contact = writable_related(request.user, Contact.objects.filter(customer_id=pk), contact_pk)
    form = ContactForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid() and form.save(request.user, contact.customer):
        messages.success(request, _("Contact saved."))
        if form.rebased:
            messages.info(request, form.rebased)
        return redirect("customers:detail", pk=contact.customer_id)
    context = {"form": form, "customer": contact.customer, "contact": contact}
    return render(request, "customers/contact_form.html", context)
