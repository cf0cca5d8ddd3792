"""Opportunities on the 5As pipeline (DOMAIN.md §4, 开发客户): stages, opportunities and their
stage history, SPIN notes, the question log, objections, the negotiation plan, sales targets.

An opportunity belongs to a customer and inherits its data scope (guanxi.accounts.scope): whoever
may see the customer sees its opportunities, whoever may change it works on them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Contact, Customer
from guanxi.sales.models import Product

# The textbook's 5As (five stages of the sales process), the default pipeline: key -> name.
DEFAULT_STAGES = [
    ("opening", pgettext_lazy("sales stage", "Opening"), 10, []),
    ("needs", pgettext_lazy("sales stage", "Needs exploration"), 25, []),
    ("fab", pgettext_lazy("sales stage", "Core message (FAB)"), 45, []),
    ("objections", pgettext_lazy("sales stage", "Objections and negotiation"), 65, ["amount"]),
    ("closing", pgettext_lazy("sales stage", "Closing"), 85, ["amount", "expected_close"]),
]
DEFAULT_NAMES = {key: name for key, name, _p, _r in DEFAULT_STAGES}

# Fields a stage may require before an opportunity enters it.
REQUIRABLE = {
    "amount": _("amount"),
    "expected_close": _("expected close date"),
    "contact": _("contact"),
    "products": _("products discussed"),
    "negotiation_plan": _("negotiation plan"),
}


class Stage(models.Model):
    # The default stages carry a key (their name follows the user's language); a custom stage
    # has only its free name.
    key = models.CharField(_("key"), max_length=20, blank=True, default="")
    custom_name = models.CharField(_("name"), max_length=60, blank=True, default="")
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort order", "order"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability (per cent)"), default=0)
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    @property
    def required_labels(self) -> list[str]:
        """The names of the fields this stage requires, in the user's language."""
        return [str(REQUIRABLE[f]) for f in self.required_fields or [] if f in REQUIRABLE]

    @property
    def name(self) -> str:
        if self.custom_name:
            return self.custom_name
        return str(DEFAULT_NAMES.get(self.key, self.key))


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("opportunity status", "Open")
    WON = "won", pgettext_lazy("opportunity status", "Won")
    LOST = "lost", pgettext_lazy("opportunity status", "Lost")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price too high")
    COMPETITOR = "competitor", _("Went to a competitor")
    NO_BUDGET = "no_budget", _("No budget")
    NO_NEED = "no_need", _("No real need")
    NO_DECISION = "no_decision", _("No decision made")
    TIMING = "timing", _("Bad timing")
    PRODUCT_FIT = "product_fit", _("Product does not fit")
    OTHER = "other", _("Other")


class Opportunity(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="opportunities",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        verbose_name=_("contact"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("stage")
    )
    probability = models.PositiveSmallIntegerField(_("probability (per cent)"), default=0)
    status = models.CharField(
        _("status"), max_length=5, choices=Status.choices, default=Status.OPEN
    )
    lost_reason = models.CharField(
        _("lost reason"), max_length=20, choices=LostReason.choices, blank=True, default=""
    )
    lost_note = models.TextField(_("lost note"), blank=True, default="")
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("products discussed")
    )
    # First-meeting preparation: TAP (time, agenda, purpose; seed 002)
    meeting_time = models.CharField(_("time"), max_length=200, blank=True, default="")
    meeting_agenda = models.TextField(_("agenda"), blank=True, default="")
    meeting_purpose = models.TextField(_("purpose"), blank=True, default="")
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the board's newest cards per stage (ORDER BY updated_at DESC LIMIT 20)
            models.Index(
                fields=["status", "stage", "-updated_at", "-id"], name="opportunity_board"
            ),
            models.Index(fields=["customer", "-created_at"], name="opportunity_customer"),
            models.Index(fields=["owner", "status"], name="opportunity_owner"),
        ]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")

    def __str__(self) -> str:
        return self.name

    @property
    def weighted(self):
        if self.amount is None:
            return None
        return (self.amount * self.probability / 100).quantize(self.amount)


class StageVisit(models.Model):
    """When an opportunity entered (and left) a stage: the funnel and the cycle time."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="visits")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("stage visit")

    def __str__(self) -> str:
        return f"{self.opportunity_id} @ {self.stage_id}"


class SpinNote(models.Model):
    """SPIN questioning (Neil Rackham): situation, problem, implication, need-payoff."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="spin_notes"
    )
    situation = models.TextField(_("situation"), blank=True, default="")
    problem = models.TextField(_("problem"), blank=True, default="")
    implication = models.TextField(_("implication"), blank=True, default="")
    need_payoff = models.TextField(_("need-payoff"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("SPIN note")

    def __str__(self) -> str:
        return f"SPIN #{self.pk}"

    @property
    def customer_id(self):
        return self.opportunity.customer_id


class QuestionKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("question kind", "Open question")
    CLOSED = "closed", _("Closed question")
    CLARIFYING = "clarifying", _("Clarifying question")


class AskedQuestion(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("question")

    def __str__(self) -> str:
        return self.question[:50]

    @property
    def customer_id(self):
        return self.opportunity.customer_id


class ObjectionKind(models.TextChoices):
    NEED = "need", _("Need")
    FINANCIAL = "financial", _("Financial")
    AUTHORITY = "authority", _("Authority")
    PRICE = "price", _("Price")
    PRODUCT = "product", _("Product")
    SALESPERSON = "salesperson", _("Salesperson")


class Outcome(models.TextChoices):
    OPEN = "open", pgettext_lazy("objection outcome", "Open")
    RESOLVED = "resolved", _("Resolved")
    LOST_DEAL = "lost_deal", _("Lost the deal")


class Objection(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="objections"
    )
    # The stage the opportunity was in when the customer raised it: which objections stall
    # which stage.
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=12, choices=ObjectionKind.choices)
    statement = models.TextField(_("what the customer said"))
    response = models.TextField(_("response"), blank=True, default="")
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.kind}: {self.statement[:50]}"

    @property
    def customer_id(self):
        return self.opportunity.customer_id


class NegotiationPlan(models.Model):
    """Principled negotiation (ICON, 原则谈判): interests, criteria, options and the BATNA
    (替代方案), the walk-away value below which no offer is accepted."""

    opportunity = models.OneToOneField(
        Opportunity, on_delete=models.CASCADE, related_name="negotiation_plan"
    )
    interests = models.TextField(pgettext_lazy("negotiation", "interests"), blank=True, default="")
    criteria = models.TextField(_("criteria"), blank=True, default="")
    options = models.TextField(_("options"), blank=True, default="")
    batna = models.TextField(_("alternative (BATNA)"), blank=True, default="")
    walk_away = models.DecimalField(
        _("walk-away value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("negotiation plan")

    def __str__(self) -> str:
        return f"plan #{self.opportunity_id}"

    @property
    def customer_id(self):
        return self.opportunity.customer_id

    def below_walk_away(self, offer) -> bool:
        """True when the offer on the table is under the walk-away value."""
        return self.walk_away is not None and offer is not None and offer < self.walk_away


class SalesTarget(models.Model):
    """业绩目标: a month's sales and collection target of one rep or one department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("rep"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    month = models.DateField(_("month"))  # the first day of the month
    sales_target = models.DecimalField(_("sales target"), max_digits=14, decimal_places=2)
    collection_target = models.DecimalField(
        _("collection target"), max_digits=14, decimal_places=2, default=0
    )
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        ordering = ["-month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, department__isnull=False)
                | models.Q(user__isnull=False, department__isnull=True),
                name="target_rep_or_department",
            ),
            models.UniqueConstraint(
                fields=["user", "month"],
                name="target_user_month",
                condition=models.Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["department", "month"],
                name="target_department_month",
                condition=models.Q(department__isnull=False),
            ),
        ]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.sales_target}"
