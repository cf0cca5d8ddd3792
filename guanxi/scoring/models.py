"""Scoring runs, the current scores of every customer, and the analysis settings.

Codes, not words, are stored (``rfm_segment="champions"``, ``churn_risk="high"``); the pages
and the API turn them into the user's language with the engine's label tables
(:data:`guanxi.analytics.segments.SEGMENTS`, ``abc.PYRAMID_TIERS``, ``lifecycle.LIFECYCLE_STAGES``,
``loyalty.LOYALTY_LADDER`` / ``VALUE_LOYALTY_QUADRANTS``, ``churn.RECOVERY_ACTIONS``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer

# Bumped whenever what a score means changes (new inputs, new rules): stored on every score.
MODEL_VERSION = "2026.11-1"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Nightly schedule")
    PAGE = "page", _("On demand (page)")
    COMMAND = "command", _("Command line")
    DEMO = "demo", _("Demo start")
    API = "api", _("API")


class RunStage(models.TextChoices):
    """What a running run is doing now: the steps of compute.STEPS, then the write."""

    CUSTOMERS = "customers", _("Reading the customers")
    ORDERS = "orders", _("Reading the orders")
    RFM_ABC_COHORTS = "rfm_abc_cohorts", _("RFM, ABC and cohorts")
    PYRAMID_LIFECYCLE = "pyramid_lifecycle", _("Pyramid and lifecycle stages")
    LOYALTY = "loyalty", _("Loyalty index")
    CLV = "clv", _("Lifetime value and P(alive)")
    CHURN = "churn", _("Churn risk")
    COMBINE = "combine", _("Combining the scores")
    WRITE = "write", _("Saving the scores")


class ScoringRun(models.Model):
    """One computation of every customer's scores. Only a succeeded run's scores are current."""

    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    trigger = models.CharField(_("trigger"), max_length=12, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=32, default=MODEL_VERSION)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers scored"), default=0)
    orders = models.PositiveIntegerField(_("orders read"), default=0)
    # The analysis settings the run used (a snapshot of AnalysisSettings.values()).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Whatever the dashboards need that is not per customer and too costly per request:
    # fitted model parameters, the cohort retention matrix, churn per month... keyed by name.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # A failure's message for the page (never personal data, never a traceback).
    error = models.TextField(_("error"), blank=True)
    # While running: how far it is (0-100, by steps done) and the step under way, written by
    # services.run_scoring at each step for the scoring page's progress bar.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=24, choices=RunStage.choices, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")

    def __str__(self) -> str:
        return f"{self.pk} {self.status} {self.as_of}"

    @property
    def duration_seconds(self) -> int | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds())


class CustomerScore(models.Model):
    """The current scores of one customer, from the last succeeded run (swapped atomically)."""

    customer = models.OneToOneField(
        Customer,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="score",
        verbose_name=_("customer"),
    )
    run = models.ForeignKey(ScoringRun, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("as of"))
    model_version = models.CharField(_("model version"), max_length=32)

    # Orders behind the scores (cancelled excluded, refunds and returns netted)
    first_order_on = models.DateField(_("first order"), null=True, blank=True)
    last_order_on = models.DateField(_("last order"), null=True, blank=True)
    recency_days = models.IntegerField(_("days since last order"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("orders"), default=0)
    monetary = models.DecimalField(_("net revenue"), max_digits=16, decimal_places=2, default=0)

    # RFM: scores 1-5 (0 = no orders) and the segment code (analytics.segments.SEGMENTS)
    r = models.PositiveSmallIntegerField("R", default=0)
    f = models.PositiveSmallIntegerField("F", default=0)
    m = models.PositiveSmallIntegerField("M", default=0)
    rfm_segment = models.CharField(_("RFM segment"), max_length=32, blank=True, db_index=True)

    # Tiering: ABC class "A" / "B" / "C" ("" without revenue) and the pyramid level
    abc_tier = models.CharField(_("ABC tier"), max_length=1, blank=True, db_index=True)
    pyramid_level = models.CharField(_("pyramid level"), max_length=16, blank=True)

    # Lifecycle: exploration / formation / stability / decline; and potential / new / old
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=16, blank=True, db_index=True
    )
    customer_status = models.CharField(_("customer status"), max_length=16, blank=True)

    # Loyalty: index 0-100, ladder step, value x loyalty quadrant, the loyalty type the data
    # suggests (the rep's own choice lives on the customer)
    loyalty_index = models.FloatField(_("loyalty index"), null=True, blank=True)
    loyalty_step = models.CharField(_("loyalty ladder step"), max_length=16, blank=True)
    value_loyalty_quadrant = models.CharField(
        _("value x loyalty quadrant"), max_length=16, blank=True, db_index=True
    )
    loyalty_type_suggested = models.CharField(
        _("suggested loyalty type"), max_length=16, blank=True
    )

    # Value: historical CLV (net revenue to date) and predicted (BG/NBD + Gamma-Gamma)
    clv_historical = models.DecimalField(
        _("historical CLV"), max_digits=16, decimal_places=2, default=0
    )
    clv_predicted = models.DecimalField(
        _("predicted CLV"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    p_alive = models.FloatField(_("P(alive)"), null=True, blank=True)
    expected_purchases_90d = models.FloatField(
        _("expected purchases, next 90 days"), null=True, blank=True
    )

    # Churn warning: low / medium / high, the score behind it, the reason code(s) and the
    # recovery priority (1 = recover at all costs ... 5 = no recovery) with its action code
    churn_risk = models.CharField(_("churn risk"), max_length=8, blank=True, db_index=True)
    churn_risk_score = models.FloatField(_("churn risk score"), null=True, blank=True)
    churn_reason = models.CharField(_("churn warning reason"), max_length=32, blank=True)
    recovery_priority = models.PositiveSmallIntegerField(
        _("recovery priority"), null=True, blank=True
    )
    recovery_action = models.CharField(_("recovery action"), max_length=32, blank=True)

    # Good / poor customer (DOMAIN.md §3): 0-100, its label and the criteria codes that drove it
    quality_score = models.PositiveSmallIntegerField(_("quality score"), null=True, blank=True)
    quality = models.CharField(_("customer quality"), max_length=8, blank=True)
    quality_criteria = models.JSONField(_("quality criteria"), default=list, blank=True)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            # The at-risk customers in the order the churn-warning list shows them (most urgent
            # recovery first, then the most revenue): its first pages are an index walk instead
            # of sorting every at-risk row of a million (2 s each, cold).
            models.Index(
                "churn_risk",
                "recovery_priority",
                models.F("monetary").desc(),
                "customer",
                name="score_warning_order",
                condition=models.Q(churn_risk__in=["high", "medium"]),
            ),
            # A rep's at-risk customers on the home page (recovery priority, then the risk
            # score): the first ten and the capped count read the rep's rows of this index.
            models.Index(
                "recovery_priority",
                models.F("churn_risk_score").desc(),
                "customer",
                name="score_home_at_risk",
                condition=models.Q(churn_risk="high"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.rfm_segment} {self.abc_tier}"


class AnalysisSettings(models.Model):
    """The analysis parameters a manager sets (one row; `current()` creates it with defaults)."""

    # RFM and ABC
    rfm_bins = models.PositiveSmallIntegerField(_("RFM score bins"), default=5)
    abc_a_share = models.FloatField(_("ABC: revenue share of class A"), default=0.7)
    abc_b_share = models.FloatField(_("ABC: revenue share of class B"), default=0.2)
    # Loyalty index weights (A1 duration, A2 spending, A3 emotion) and the high-loyalty line
    loyalty_weights = models.JSONField(_("loyalty index weights"), default=dict, blank=True)
    high_loyalty = models.FloatField(_("high loyalty from index"), default=50.0)
    # CLV
    clv_horizon_months = models.PositiveSmallIntegerField(_("CLV horizon (months)"), default=12)
    clv_discount_rate = models.FloatField(_("CLV discount rate per month"), default=0.01)
    clv_margin = models.FloatField(_("profit margin"), default=1.0)
    # Churn and lifecycle
    churn_high_p_alive = models.FloatField(_("high churn risk below P(alive)"), default=0.3)
    decline_after_days = models.PositiveIntegerField(
        _("decline after days without order"), default=180
    )
    stability_after_days = models.PositiveIntegerField(
        _("stable after days as customer"), default=365
    )
    new_within_days = models.PositiveIntegerField(_("new customer within days"), default=90)
    # When the nightly run starts (local time)
    nightly_hour = models.PositiveSmallIntegerField(_("nightly scoring hour"), default=2)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("analysis settings")
        verbose_name_plural = _("analysis settings")

    def __str__(self) -> str:
        return str(_("analysis settings"))

    @classmethod
    def current(cls) -> "AnalysisSettings":
        """The settings in force: the stored row, or the defaults (unsaved: reading writes
        nothing; the settings page's audited save stores the row)."""
        return cls.objects.order_by("pk").first() or cls()
