"""Sales pages: products (managers edit them) and orders (within the data scope)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from guanxi.accounts.scope import (
    can_write,
    get_related_or_404,
    is_manager,
    scoped,
    writable_customer,
)
from guanxi.customers import queries as customer_queries

from .forms import OrderFilterForm, OrderForm, OrderLineFormSet, ProductForm, create_order
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
    from guanxi.customers.views import filter_options, sort_links

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
    options = filter_options()
    return render(
        request,
        "sales/orders.html",
        {
            "form": form,
            "filters": filters,
            "orders": rows,
            "next_query": next_query,
            "count": customer_queries.list_count(qs),
            "sort_links": sort_links(request.GET, filters["sort"], ORDER_SORT_COLUMNS),
            "owners": options["owners"],
            "teams": options["teams"],
            "statuses": OrderStatus.choices,
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
    """An order starts from a customer: find one the user may write to."""
    if not can_write(request.user):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:100]
    customers = []
    if q:
        customers = list(
            customer_queries.customer_list(request.user, q=q).filter(
                pk__in=customer_queries.visible_customers(request.user, write=True).values("pk")
            )[:20]
        )
    return render(request, "sales/order_choose_customer.html", {"q": q, "customers": customers})


@login_required
def order_detail(request, pk):
    qs = Order.objects.select_related("customer", "owner__profile").prefetch_related(
        "lines__product"
    )
    order = get_related_or_404(request.user, qs, pk)
    return render(request, "sales/order_detail.html", {"order": order})
