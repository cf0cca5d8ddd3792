"""Complaints and service cases (客户抱怨 / 服务工单, DOMAIN.md §5).

A case belongs to a customer and inherits its data scope (guanxi.accounts.scope): whoever may
see the customer sees its cases, whoever may change it works on them. Each case carries the
textbook's classification of the dissatisfaction (explicit or implicit, good-faith or
malicious, and its cause), a service-level timer (sla_due_at, from the priority), the
escalation when the timer runs out, the resolution with any compensation or added value given,
and the follow-up satisfaction check.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Customer


class CaseChannel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("E-mail")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other")


class Dissatisfaction(models.TextChoices):
    """显性 (voiced: refunds, telling others, media) or 隐性 (silent, leads to churn)."""

    EXPLICIT = "explicit", _("Explicit")
    IMPLICIT = "implicit", _("Implicit")


class Intent(models.TextChoices):
    GOOD_FAITH = "good_faith", _("Good-faith")
    MALICIOUS = "malicious", _("Malicious")


class Cause(models.TextChoices):
    PRODUCT_PRICE = "product_price", _("Product: price")
    PRODUCT_QUALITY = "product_quality", _("Product: quality")
    PRODUCT_PACKAGING = "product_packaging", _("Product: packaging")
    SERVICE_ATTITUDE = "service_attitude", _("Service: attitude")
    SERVICE_AFTER_SALES = "service_after_sales", _("Service: after-sales")
    SERVICE_FEEDBACK_CHANNEL = "service_feedback_channel", _("Service: feedback channel")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")  # not the tasks' 待办
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The statuses in which the service-level timer runs (and the case can be escalated).
ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Compensation(models.TextChoices):
    NONE = "", _("None")
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    REPAIR = "repair", _("Repair")
    DISCOUNT = "discount", _("Discount or voucher")
    GIFT = "gift", _("Gift or added value")
    APOLOGY = "apology", _("Apology")
    OTHER = "other", _("Other")


class Case(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="cases", verbose_name=_("customer")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=CaseChannel.choices)
    dissatisfaction = models.CharField(
        _("dissatisfaction"),
        max_length=10,
        choices=Dissatisfaction.choices,
        default=Dissatisfaction.EXPLICIT,
    )
    intent = models.CharField(
        _("intent"), max_length=12, choices=Intent.choices, default=Intent.GOOD_FAITH
    )
    cause = models.CharField(_("cause"), max_length=30, choices=Cause.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    opened_at = models.DateTimeField(_("opened at"))
    sla_due_at = models.DateTimeField(_("due by"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalated to"),
    )
    # Empty with escalated_at set: the service-level job escalated it, not a person.
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalated by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    compensation_kind = models.CharField(
        _("compensation or added value"),
        max_length=12,
        choices=Compensation.choices,
        blank=True,
        default="",
    )
    compensation_amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True
    )
    satisfaction_note = models.TextField(_("follow-up note"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    # Raised by one on every saved change: an edit based on an older version is refused (409).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="case_sla"),
            models.Index(fields=["customer", "-opened_at"], name="case_customer"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES
