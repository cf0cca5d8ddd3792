"""Products (with FAB text) and orders with lines: the transactions analytics works on."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    price = models.DecimalField(
        _("price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    features = models.TextField(_("features"), blank=True)
    advantages = models.TextField(_("advantages"), blank=True)
    benefits = models.TextField(_("benefits"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every change; an edit based on an older one is refused (StaleEdit, 409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


# An order's net_total in a query (revenue net of partial refunds and returns).
NET_TOTAL = models.F("total") - models.F("refunded_total")

# Orders that are no purchase: never counted as revenue, activity or repeat purchase.
NOT_PURCHASES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


class OrderQuerySet(models.QuerySet):
    def purchases(self) -> models.QuerySet:
        """The orders that are purchases (neither cancelled nor refunded): the one definition
        the home figures (active, repeat, revenue) and the customer list's order-date filters
        share. The customer list reaches it through the `orders` relation (customers sits
        below sales and imports none of it)."""
        return self.exclude(status__in=NOT_PURCHASES)


class Order(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    number = models.CharField(_("order number"), max_length=64, unique=True)
    ordered_at = models.DateTimeField(_("ordered at"))
    status = models.CharField(
        _("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.COMPLETED
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal("0"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("sales rep"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every change; an edit based on an older one is refused (StaleEdit, 409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The sum of the order's refunds (services.refund_order keeps it); net_total = total − it.
    # A database default, so rows written without it (the demo, bulk inserts) start at zero.
    refunded_total = models.DecimalField(
        _("refunded"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        db_default=Decimal("0"),
        editable=False,
    )
    cancel_reason = models.CharField(
        _("reason cancelled"), max_length=500, blank=True, default="", db_default=""
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-ordered_at"], name="order_timeline"),
            # The order list sorts by order date at two million orders (issue 8).
            models.Index(fields=["-ordered_at", "-id"], name="order_ordered_id"),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number

    @property
    def net_total(self) -> Decimal:
        """What the customer paid and kept: the total less every refund (the amount the
        analytics count, see guanxi.scoring.compute)."""
        return self.total - self.refunded_total


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Refund(models.Model):
    """Money given back on an order, with the goods returned if any (RefundLine): in part
    (the order keeps its status, its net total goes down) or in full (status refunded).
    Written only by services.refund_order."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="refunds", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount refunded"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    refunded_on = models.DateField(_("refunded on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["refunded_on", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.amount}"

    @property
    def customer_id(self) -> int:
        """The order's customer (the audit trail files the refund under it)."""
        return self.order.customer_id


class RefundLine(models.Model):
    """Pieces of an order line sent back with a refund."""

    refund = models.ForeignKey(
        Refund, on_delete=models.CASCADE, related_name="lines", verbose_name=_("refund")
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="returns", verbose_name=_("order line")
    )
    quantity = models.PositiveIntegerField(_("quantity returned"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("returned line")
        verbose_name_plural = _("returned lines")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line_id}"
