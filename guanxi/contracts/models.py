"""Quotes (报价单), contracts (合同) with their approval, payment plans in instalments and the
payments received against them (回款). Money is Decimal; totals are computed by services.py."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Contact, Customer
from guanxi.sales.models import Order, Product

MONEY = {"max_digits": 14, "decimal_places": 2}


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quote", "Draft")
    SENT = "sent", pgettext_lazy("quote", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quote", "Accepted")
    REJECTED = "rejected", pgettext_lazy("quote", "Rejected")
    EXPIRED = "expired", pgettext_lazy("quote", "Expired")


class Quote(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("contact"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("sales rep"),
    )
    # The opportunity it was made for (guanxi.pipeline sits below this app).
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("opportunity"),
    )
    number = models.CharField(_("quote number"), max_length=32, unique=True)
    quoted_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    subtotal = models.DecimalField(_("list value"), default=Decimal("0"), **MONEY)
    total = models.DecimalField(_("total"), default=Decimal("0"), **MONEY)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-quoted_on", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return self.number

    @property
    def discount_total(self) -> Decimal:
        return self.subtotal - self.total


class LineBase(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount = models.DecimalField(
        _("discount (per cent)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class QuoteLine(LineBase):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote")
    )

    class Meta(LineBase.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("contract", "Draft")
    PENDING = "pending", pgettext_lazy("contract", "Pending approval")
    APPROVED = "approved", pgettext_lazy("contract", "Approved")
    REJECTED = "rejected", pgettext_lazy("contract", "Rejected")
    ACTIVE = "active", pgettext_lazy("contract", "Active")
    COMPLETED = "completed", pgettext_lazy("contract", "Completed")
    TERMINATED = "terminated", pgettext_lazy("contract", "Terminated")


#: Contracts still running: they move with their customer in a transfer, and are collected.
OPEN_CONTRACT_STATUSES = (
    ContractStatus.DRAFT,
    ContractStatus.PENDING,
    ContractStatus.APPROVED,
    ContractStatus.REJECTED,
    ContractStatus.ACTIVE,
)
#: Contracts whose money is owed: payments may be recorded against them.
COLLECTING_STATUSES = (ContractStatus.APPROVED, ContractStatus.ACTIVE, ContractStatus.COMPLETED)


class Contract(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
        verbose_name=_("sales rep"),
    )
    quote = models.OneToOneField(
        Quote,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contract",
        verbose_name=_("quote"),
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
        verbose_name=_("opportunity"),
    )
    number = models.CharField(_("contract number"), max_length=32, unique=True)
    title = models.CharField(pgettext_lazy("contract", "title"), max_length=200)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_on = models.DateField(_("starts on"), null=True, blank=True)
    end_on = models.DateField(_("ends on"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), default=Decimal("0"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    reject_reason = models.CharField(_("reason rejected"), max_length=500, blank=True)
    end_reason = models.CharField(_("reason terminated"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Who drafted it and who last submitted it: neither may approve it (the owner is the
    # customer's owner, who need not be either).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order"),
    )
    # Confirmed payments, kept by services.allocate (received vs outstanding without a sum).
    received = models.DecimalField(_("received"), default=Decimal("0"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "status"], name="contract_owner_status")]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


class ContractLine(LineBase):
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="lines", verbose_name=_("contract")
    )

    class Meta(LineBase.Meta):
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("instalment", "Pending")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", pgettext_lazy("instalment", "Paid")
    OVERDUE = "overdue", _("Overdue")
    VOID = "void", pgettext_lazy("instalment", "Void")


class Instalment(models.Model):
    """One due date of a contract's payment plan. `received`, `status`, `paid_on` and
    `days_late` are derived from the confirmed payments (services.allocate)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("contract")
    )
    sequence = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    received = models.DecimalField(_("received"), default=Decimal("0"), **MONEY)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InstalmentStatus.choices,
        default=InstalmentStatus.PENDING,
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    # Days between the due date and the payment that completed it (negative: early); read by
    # the quality score's "pays on time" (guanxi.scoring.compute) in one grouped query.
    days_late = models.IntegerField(_("days late"), null=True, blank=True)
    reminded_due = models.BooleanField(default=False, editable=False)
    reminded_overdue = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["due_date", "sequence"]
        indexes = [models.Index(fields=["status", "due_date"], name="instalment_status_due")]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.sequence}"

    @property
    def customer_id(self) -> int:
        return self.contract.customer_id

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.received


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CARD = "card", _("Card")
    OTHER = "other", pgettext_lazy("payment method", "Other")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment", "Awaiting confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("payment", "Confirmed")
    VOID = "void", pgettext_lazy("payment", "Void")


class Payment(models.Model):
    """Money received against a contract. Recorded by a rep it waits for a manager's
    confirmation; only confirmed payments pay instalments."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="payments", verbose_name=_("contract")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    void_reason = models.CharField(_("reason void"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["status", "received_on"], name="payment_status_on")]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.amount}"
