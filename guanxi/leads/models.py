"""Leads (线索): prospects not yet customers, the public web forms that collect them, and the
look-alike model that scores them (DOMAIN.md §3, §4)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.accounts.models import Department
from guanxi.customers.models import CustomerCategory, CustomerKind, CustomerSource


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


#: A lead still being worked on (claimable, scorable, convertible).
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


def new_slug() -> str:
    """An unguessable public address for a lead form (128 bits)."""
    return secrets.token_urlsafe(16)


class LeadForm(models.Model):
    """A public web form (/l/<slug>/) that anyone may fill in to become a lead."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.CharField(max_length=40, unique=True, default=new_slug, editable=False)
    title = models.CharField(_("title shown"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=CustomerSource.choices,
        default=CustomerSource.ONLINE_INQUIRY,
    )
    consent_purpose = models.CharField(
        _("purpose of the consent"),
        max_length=300,
        help_text=_("What the visitor agrees to, e.g. “to be contacted about our products”."),
    )
    # Leads of the form go to this rep; none: to the lead pool.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner of new leads"),
    )
    active = models.BooleanField(_("accepting entries"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())

    class Meta:
        ordering = ["-id"]
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    """A prospect (线索): who, how we reached them, where the work stands, and its score."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CustomerCategory.choices,
        default=CustomerCategory.CONSUMER,
    )
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    # personal data: masked outside the owner's side, never logged, erased on request
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=CustomerSource.choices, default=CustomerSource.OTHER
    )
    interest = models.TextField(_("interest"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    disqualified_reason = models.CharField(_("reason disqualified"), max_length=300, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("owner"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("team"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    form = models.ForeignKey(
        LeadForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    # 转介绍: the customer who brought this lead; the customer it becomes keeps it (referred_by)
    referred_by = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_leads",
        verbose_name=_("referred by"),
    )
    consent_purpose = models.CharField(_("consent given for"), max_length=300, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)

    converted_customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("converted into"),
    )
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    # the look-alike score (0-1), its top reasons [{feature, contribution}] and model version
    score = models.FloatField(_("look-alike score"), null=True, blank=True)
    score_reasons = models.JSONField(_("score reasons"), default=list, blank=True)
    score_model_version = models.CharField(_("model version"), max_length=32, blank=True)

    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-id"]
        verbose_name = pgettext_lazy("model", "lead")
        verbose_name_plural = pgettext_lazy("model", "leads")
        indexes = [
            models.Index(fields=["owner", "-id"], name="lead_owner_id"),
            models.Index(fields=["department", "-id"], name="lead_dept_id"),
            models.Index(fields=["status", "-id"], name="lead_status_id"),
            models.Index(fields=["-score", "-id"], name="lead_score_id"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class ModelStatus(models.TextChoices):
    READY = "ready", _("Ready")
    TOO_FEW = "too_few", _("Too few positives to train")


class LookalikeModel(models.Model):
    """One training of the look-alike model: the fitted logistic regression (intercept and a
    coefficient per one-hot feature), how well it did on the held-back quarter, and on what."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=ModelStatus.choices)
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.CharField(_("positive customers"), max_length=200)
    positives = models.PositiveIntegerField(_("positives"), default=0)
    negatives = models.PositiveIntegerField(_("negatives"), default=0)
    train_size = models.PositiveIntegerField(_("training sample"), default=0)
    test_size = models.PositiveIntegerField(_("held-back sample"), default=0)
    auc = models.FloatField("AUC", null=True, blank=True)
    intercept = models.FloatField(default=0.0)
    coefficients = models.JSONField(default=dict)  # {feature: coefficient}
    leads_scored = models.PositiveIntegerField(_("leads scored"), default=0)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("look-alike model")
        verbose_name_plural = _("look-alike models")

    def __str__(self) -> str:
        return self.version
