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

from .forms import OrderForm, OrderLineFormSet, ProductForm, create_order
from .models import Order, Product

PAGE_SIZE = 50


@login_required
def product_list(request):
    products = Product.objects.all()
    return render(
        request, "sales/products.html", {"products": products, "can_edit": is_manager(request.user)}
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


@login_required
def order_list(request):
    qs = scoped(request.user, Order.objects.all(), via="customer")
    qs = qs.select_related("customer", "owner__profile").order_by("-id")
    after = request.GET.get("after", "")
    rows, next_after = customer_queries.keyset_page(
        qs, after=int(after) if after.isdigit() else None, size=PAGE_SIZE
    )
    return render(
        request,
        "sales/orders.html",
        {"orders": rows, "next_after": next_after, "can_write": can_write(request.user)},
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
