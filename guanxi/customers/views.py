"""Customer pages: the list with live search, the 360 page, create/edit, contacts, 查重."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from guanxi.accounts.models import Department
from guanxi.accounts.scope import (
    can_view_sensitive,
    can_write,
    get_customer_or_404,
    get_related_or_404,
    is_manager,
    visible_customers,
)
from guanxi.dataio.exports import csv_chunks, customer_rows
from guanxi.privacy.sensitive import SENSITIVE_FIELDS, mask_value
from guanxi.privacy.services import consent_state

from . import bulk, queries, services
from .forms import PAGE_SIZE, ContactForm, CustomerFilterForm, CustomerForm
from .models import Contact, Customer, CustomerKind, CustomerLevel, CustomerSource, Tag


def _page(qs, form: CustomerFilterForm, sort: str):
    """Newest first pages by keyset (no COUNT, fast at any depth); other sorts by offset."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    params = form.data.copy() if form.is_bound else QueryDict(mutable=True)
    params.pop("after", None)
    params.pop("page", None)
    if sort == "newest":
        rows, next_after = queries.keyset_page(qs, after=data.get("after"), size=PAGE_SIZE)
        if next_after:
            params["after"] = str(next_after)
        return rows, params.urlencode() if next_after else None
    number = data.get("page") or 1
    start = (number - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    if len(rows) > PAGE_SIZE:
        params["page"] = str(number + 1)
        return rows[:PAGE_SIZE], params.urlencode()
    return rows, None


# What a list row shows: loading only these skips ~50 columns (two of them JSON) per row.
LIST_COLUMNS = (
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
    "owner__username",
    "owner__profile__display_name",
)

# Column headers that sort: (column, first click, second click) sort keys.
SORT_COLUMNS = [
    ("name", "name", "-name"),
    ("level", "level", "-level"),
    ("city", "city", "-city"),
    ("source", "source", "-source"),
    ("created", "newest", "oldest"),
]
DESCENDING = {"-name", "-level", "-city", "-source", "newest", "updated"}


def sort_links(params: QueryDict, current: str, columns=SORT_COLUMNS) -> dict:
    """Per sortable column: the URL query that sorts by it (toggling), and aria-sort.

    `columns` are (column, first click, second click) sort keys; a key starting with "-",
    or "newest", sorts descending.
    """
    links = {}
    for column, first, second in columns:
        query = params.copy()
        for key in ("after", "page"):
            query.pop(key, None)
        query["sort"] = second if current == first else first
        state = ""
        if current in (first, second):
            state = (
                "descending" if current in DESCENDING or current.startswith("-") else "ascending"
            )
        links[column] = {"query": query.urlencode(), "aria_sort": state}
    return links


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
            "tags": list(Tag.objects.values_list("name", flat=True)[:200]),
        }
        cache.set(FILTER_OPTIONS_KEY, options, 30)
    return options


def forget_filter_options(**kwargs) -> None:
    cache.delete(FILTER_OPTIONS_KEY)


@login_required
def customer_list(request):
    form = CustomerFilterForm(request.GET or None)
    filters = form.filters()
    qs = queries.customer_list(request.user, **filters)
    rows, next_query = _page(qs.only(*LIST_COLUMNS).prefetch_related("tags"), form, filters["sort"])
    # Labels translated once per request, not through get_FOO_display() on every row.
    level_labels = {value: str(label) for value, label in CustomerLevel.choices}
    source_labels = {value: str(label) for value, label in CustomerSource.choices}
    for row in rows:
        row.level_label = level_labels.get(row.level, row.level)
        row.source_label = source_labels.get(row.source, row.source)
    params = request.GET.copy()
    context = {
        "level_labels": level_labels,
        "source_labels": source_labels,
        "form": form,
        "customers": rows,
        "next_query": next_query,
        "filters": filters,
        "count": queries.list_count(qs),
        "sort_links": sort_links(params, filters["sort"]),
        "can_write": can_write(request.user),
        "is_manager": is_manager(request.user),
        "current_query": params.urlencode(),
        "list_url": reverse("customers:list"),  # + "<id>/" is a customer's page, no reverse per row
        "filtered": any(v for k, v in filters.items() if k != "sort"),
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "customers/_results.html", context)
    else:
        context.update(filter_options())
        response = render(request, "customers/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _back_to_list(query: str):
    # Only a query string is kept from the form (parsed and re-encoded): never a URL elsewhere.
    query = QueryDict(query.lstrip("?")[:2000]).urlencode()
    return redirect(reverse("customers:list") + (f"?{query}" if query else ""))


@login_required
@require_POST
def bulk_action(request):
    """Assign owner, add or remove a tag, or export, on the customers ticked in the list."""
    action = request.POST.get("action", "")
    back = request.POST.get("query", "")
    try:
        ids = bulk.clean_ids(request.POST.getlist("ids"))
        if action == "export":
            bulk.selection(request.user, ids, write=False)
            headers, rows = customer_rows(request.user, ids=ids)
            response = StreamingHttpResponse(
                csv_chunks(headers, rows), content_type="text/csv; charset=utf-8"
            )
            name = f"customers-selection-{timezone.localdate():%Y%m%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if action == "assign":
            owner_id = request.POST.get("owner", "")
            owner = (
                get_user_model().objects.filter(pk=owner_id, is_active=True).first()
                if owner_id.isdigit()
                else None
            )
            n = bulk.assign_owner(request.user, ids, owner)
            messages.success(
                request,
                ngettext(
                    "%(n)d customer transferred to %(owner)s.",
                    "%(n)d customers transferred to %(owner)s.",
                    n,
                )
                % {"n": n, "owner": owner.get_username()},
            )
        elif action in ("add_tag", "remove_tag"):
            tag = request.POST.get("tag", "")
            if action == "add_tag":
                n = bulk.add_tag(request.user, ids, tag)
                text = ngettext(
                    "Tag “%(tag)s” added to %(n)d customer.",
                    "Tag “%(tag)s” added to %(n)d customers.",
                    n,
                )
            else:
                n = bulk.remove_tag(request.user, ids, tag)
                text = ngettext(
                    "Tag “%(tag)s” removed from %(n)d customer.",
                    "Tag “%(tag)s” removed from %(n)d customers.",
                    n,
                )
            messages.success(request, text % {"n": n, "tag": tag.strip()})
        else:
            messages.error(request, _("Choose what to do with the selected customers."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    return _back_to_list(back)


def sensitive_rows(user, customer: Customer) -> list[dict]:
    """Masked values for the 360 page; the real value only ever arrives through a reveal."""
    may_reveal = can_view_sensitive(user)
    rows = []
    for field, label in SENSITIVE_FIELDS.items():
        value = getattr(customer, field)
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


def timeline_context(user, customer: Customer) -> dict:
    """What the timeline fragment needs; the activity views re-render it after a write."""
    return {
        "customer": customer,
        "timeline": queries.timeline(customer, include_audit=is_manager(user)),
        "writable": visible_customers(user, write=True).filter(pk=customer.pk).exists(),
    }


def consent_context(customer: Customer) -> dict:
    from guanxi.privacy.models import ConsentPurpose

    state = consent_state(customer)
    return {
        "customer": customer,
        "consents": [
            {"purpose": value, "label": label, "granted": state[value]}
            for value, label in ConsentPurpose.choices
        ],
    }


def detail_context(request, customer: Customer, **forms) -> dict:
    from guanxi.activities.forms import InteractionForm, NoteForm, TaskForm

    context = timeline_context(request.user, customer)
    context.update(consent_context(customer))
    context.update(
        {
            "sensitive": sensitive_rows(request.user, customer),
            "contacts": customer.contacts.all()
            if customer.kind == CustomerKind.ORGANISATION
            else [],
            "is_organisation": customer.kind == CustomerKind.ORGANISATION,
            "tags": customer.tags.all(),
            "custom_values": customer.custom_fields or {},
            "interaction_form": forms.get("interaction_form") or InteractionForm(customer=customer),
            "note_form": forms.get("note_form") or NoteForm(),
            "task_form": forms.get("task_form") or TaskForm(),
            "show_audit": is_manager(request.user),
        }
    )
    return context


@login_required
def customer_detail(request, pk):
    customer = get_customer_or_404(request.user, pk, related=("owner__profile", "department"))
    return render(request, "customers/detail.html", detail_context(request, customer))


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
    customer = get_customer_or_404(request.user, pk, write=True)
    form = CustomerForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer})
        return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@require_GET
def duplicate_check(request):
    """查重 while typing: who owns a matching customer, linked only if the user may see it."""
    exclude = request.GET.get("exclude") or None
    matches = services.find_duplicates(
        request.user,
        mobile=request.GET.get("mobile", "")[:40],
        email=request.GET.get("email", "")[:254],
        name=request.GET.get("name", "")[:200],
        exclude_pk=int(exclude) if exclude and exclude.isdigit() else None,
    )
    return render(request, "customers/_duplicates.html", {"matches": matches})


@login_required
def contact_create(request, pk):
    customer = get_customer_or_404(request.user, pk, write=True)
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
    contact = get_related_or_404(
        request.user, Contact.objects.filter(customer_id=pk), contact_pk, write=True
    )
    form = ContactForm(request.POST or None, contact=contact)
    if request.method == "POST" and form.is_valid() and form.save(request.user, contact.customer):
        messages.success(request, _("Contact saved."))
        return redirect("customers:detail", pk=contact.customer_id)
    context = {"form": form, "customer": contact.customer, "contact": contact}
    return render(request, "customers/contact_form.html", context)
