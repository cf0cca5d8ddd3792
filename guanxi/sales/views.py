"""Sales pages: products (managers edit them) and orders (within the data scope)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.accounts.scope import (
    can_change,
    can_write,
    get_related_or_404,
    is_manager,
    scoped,
    writable_customer,
    writable_related,
)
from guanxi.customers import queries as customer_queries
from guanxi.customers import views as customer_views
from guanxi.services_common import StaleEdit
from guanxi.validation import add_service_errors

from . import services
from .forms import (
    OrderActionForm,
    OrderEditForm,
    OrderFilterForm,
    OrderForm,
    OrderLineFormSet,
    ProductForm,
    RefundForm,
    create_order,
    edit_order,
)
from .models import Order, OrderStatus, Product

PAGE_SIZE = 50


PRODUCT_SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "sku": ("sku",),
    "-sku": ("-sku",),
    "category": ("category", "name", "id"),
    "-category": ("-category", "-name", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
}
PRODUCT_SORT_COLUMNS = [
    ("sku", "sku", "-sku"),
    ("name", "name", "-name"),
    ("category", "category", "-category"),
    ("price", "price", "-price"),
]


@login_required
def product_list(request):
    """The catalogue (no data scope: products are not customer data), with count and sort."""
    from guanxi.customers.views import sort_links

    sort = request.GET.get("sort", "")
    sort = sort if sort in PRODUCT_SORTS else "name"
    category = request.GET.get("category", "").strip()[:100]
    active = request.GET.get("active", "")
    products = Product.objects.order_by(*PRODUCT_SORTS[sort])
    if category:
        products = products.filter(category=category)
    if active in ("1", "0"):
        products = products.filter(active=active == "1")
    rows, next_query = customer_queries.page_of(products, request.GET, keyset=False, size=100)
    return render(
        request,
        "sales/products.html",
        {
            "products": rows,
            "next_query": next_query,
            "count": customer_queries.list_count(products),
            "sort_links": sort_links(request.GET, sort, PRODUCT_SORT_COLUMNS),
            "categories": Product.objects.exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct(),
            "filters": {"category": category, "active": active},
            "can_edit": is_manager(request.user),
            "current_query": request.GET.urlencode(),
        },
    )


def _product_form(request, product=None):
    if not is_manager(request.user):
        raise PermissionDenied
    form = ProductForm(request.POST or None, product=product)
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(request, _("Product saved."))
        return redirect("sales:products")
    return render(request, "sales/product_form.html", {"form": form, "product": product})


@login_required
def product_create(request):
    return _product_form(request)


@login_required
def product_edit(request, pk):
    if not is_manager(request.user):
        raise PermissionDenied
    # Products are a shared catalogue, not customer data: no data scope applies.
    return _product_form(request, get_object_or_404(Product, pk=pk))


ORDER_SORT_COLUMNS = [
    ("number", "-number", "number"),
    ("ordered", "-ordered", "ordered"),
]


@login_required
def order_list(request):
    """Orders in the data scope: count, filters in the URL, sorting by column header."""
    from datetime import timedelta

    from guanxi.accounts.models import Department
    from guanxi.customers.views import owner_filter_choices, sort_links, team_filter_choices

    form = OrderFilterForm(request.GET or None)
    filters = form.filters()
    qs = scoped(request.user, Order.objects.all(), via="customer")
    if filters["purchases"]:
        qs = qs.purchases()
    if filters["status"]:
        qs = qs.filter(status=filters["status"])
    if filters["owner"]:
        qs = qs.filter(owner_id=filters["owner"])
    if filters["team"]:
        team = Department.objects.filter(pk=filters["team"]).first()
        qs = qs.filter(customer__department_id__in=team.descendant_ids() if team else [])
    if filters["ordered_from"]:
        qs = qs.filter(ordered_at__gte=customer_queries.day_start(filters["ordered_from"]))
    if filters["ordered_to"]:
        end = customer_queries.day_start(filters["ordered_to"] + timedelta(days=1))
        qs = qs.filter(ordered_at__lt=end)
    qs = qs.order_by(*OrderFilterForm.SORTS[filters["sort"]])
    rows, next_query = customer_queries.page_of(
        qs.select_related("customer", "owner__profile").only(*ORDER_COLUMNS),
        request.GET,
        keyset=filters["sort"] == "newest",
        size=PAGE_SIZE,
    )
    return render(
        request,
        "sales/orders.html",
        {
            "form": form,
            "filters": filters,
            # a refused value stays in its box (2026-02-30, an end before the start)
            "refused": form.refused(),
            "orders": rows,
            "next_query": next_query,
            "count": customer_queries.list_count(qs),
            "sort_links": sort_links(request.GET, filters["sort"], ORDER_SORT_COLUMNS),
            "owners": owner_filter_choices(request.user),
            "teams": team_filter_choices(request.user),
            "statuses": OrderStatus.choices,
            # the bulk action moves orders only along the steps an edit may take
            "edit_statuses": [(s, OrderStatus(s).label) for s in services.EDIT_TARGETS],
            "can_write": can_write(request.user),
            "current_query": request.GET.urlencode(),
        },
    )


ORDER_COLUMNS = (
    "id",
    "number",
    "ordered_at",
    "status",
    "total",
    "currency",
    "customer__id",
    "customer__name",
    "owner__username",
    "owner__profile__display_name",
)


@login_required
def order_create(request):
    customer_pk = request.GET.get("customer", "")
    if not customer_pk.isdigit():
        return _choose_customer(request)
    customer = writable_customer(request.user, customer_pk)
    form = OrderForm(request.POST or None)
    lines = OrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        order = create_order(request.user, customer, form, lines)
        if order is not None:
            messages.success(request, _("Order %(number)s created.") % {"number": order.number})
            return redirect("sales:order_detail", pk=order.pk)
    return render(
        request, "sales/order_form.html", {"form": form, "lines": lines, "customer": customer}
    )


def _choose_customer(request):
    return customer_views.choose_customer(request, "sales/order_choose_customer.html")


def _order_qs():
    return Order.objects.select_related("customer", "owner__profile").prefetch_related(
        "lines__product", "refunds__lines__line__product", "refunds__created_by__profile"
    )


def actions_context(user, order: Order, *, form: OrderActionForm | None = None) -> dict:
    """What _order_actions.html needs: the status, the actions it allows (for who may change
    the customer, scope.can_change) and the cancel form with its errors."""
    may_change = can_change(user, order.customer)
    labels = services.action_labels()
    allowed = services.allowed_actions(order) if may_change else []
    return {
        "order": order,
        "may_change": may_change,
        "actions": [(name, labels[name]) for name in allowed if name != "cancel"],
        "may_cancel": "cancel" in allowed,
        "may_edit": may_change and order.status == OrderStatus.PENDING,
        "may_refund": may_change and order.status in services.REFUNDABLE,
        "action_form": form or OrderActionForm(initial={"version": order.version}),
    }


@login_required
def order_detail(request, pk):
    order = get_related_or_404(request.user, _order_qs(), pk)
    return render(request, "sales/order_detail.html", actions_context(request.user, order))


@login_required
@require_POST
def order_action(request, pk, action):
    """Confirm, ship, complete or cancel the order (services.TRANSITIONS decides), from its
    page: htmx swaps the status and actions panel (200 with the errors, as htmx swaps no 4xx);
    a plain post goes back to the order page (400 with the errors)."""
    if action not in services.TRANSITIONS:
        raise Http404
    order = writable_related(request.user, _order_qs(), pk)
    form = OrderActionForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                request.user,
                order,
                action,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"] or order.version,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
    failed = bool(form.errors)
    order = get_related_or_404(request.user, _order_qs(), pk)  # as stored now
    if not failed:
        done = _("Order %(number)s: %(status)s.") % {
            "number": order.number,
            "status": order.get_status_display(),
        }
        messages.success(request, done)
    context = actions_context(request.user, order, form=form if failed else None)
    if request.htmx:
        return render(request, "sales/_order_actions.html", {**context, "oob_messages": True})
    if failed:
        return render(request, "sales/order_detail.html", context, status=400)
    return redirect("sales:order_detail", pk=order.pk)


def _edit_lines(order: Order, data=None):
    """The line formset of an edit: the order's lines first, then empty rows; an inactive
    product already on the order stays choosable."""
    initial = [
        {"product": line.product, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in order.lines.all()
    ]
    lines = OrderLineFormSet(data, prefix="lines", initial=initial)
    products = Product.objects.filter(
        Q(active=True) | Q(pk__in=[line.product_id for line in order.lines.all()])
    )
    for form in lines:
        form.fields["product"].queryset = products
    return lines


@login_required
def order_edit(request, pk):
    """Change a pending order's date, currency and lines (checked as a new order is)."""
    order = writable_related(request.user, _order_qs(), pk)
    if order.status != OrderStatus.PENDING:
        messages.error(request, _("Only a pending order can be edited."))
        return redirect("sales:order_detail", pk=order.pk)
    form = OrderEditForm(
        request.POST or None,
        initial={
            "version": order.version,
            "ordered_at": order.ordered_at,
            "currency": order.currency,
        },
    )
    lines = _edit_lines(order, request.POST or None)
    saved = request.method == "POST" and form.is_valid() and lines.is_valid()
    if saved and edit_order(request.user, order, form, lines):
        messages.success(request, _("Order %(number)s saved.") % {"number": order.number})
        return redirect("sales:order_detail", pk=order.pk)
    return render(request, "sales/order_edit.html", {"form": form, "lines": lines, "order": order})


@login_required
def order_refund(request, pk):
    """Record a refund or return on a paid, shipped or completed order."""
    order = writable_related(request.user, _order_qs(), pk)
    if order.status not in services.REFUNDABLE:
        messages.error(request, _("Only a paid, shipped or completed order can be refunded."))
        return redirect("sales:order_detail", pk=order.pk)
    form = RefundForm(request.POST or None, order=order, returnable=services.returnable(order))
    if request.method == "POST" and form.is_valid() and form.save(request.user):
        messages.success(
            request, _("Refund recorded on order %(number)s.") % {"number": order.number}
        )
        return redirect("sales:order_detail", pk=order.pk)
    return render(request, "sales/order_refund.html", {"form": form, "order": order})


@login_required
def order_print(request, pk):
    """The order on one clean page to print (or save as PDF), in the user's language."""
    order = get_related_or_404(request.user, _order_qs(), pk)
    return render(
        request,
        "sales/order_print.html",
        {"order": order, "company": services.company_name()},
    )
