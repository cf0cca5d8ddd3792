"""Public pools (公海): where unassigned customers wait to be claimed, and the rules that send an
owned customer back when its owner neither follows it up nor sells to it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import Department
from guanxi.customers.models import CustomerLevel


class Pool(models.Model):
    """One pool: who may see and claim from it (member departments and their sub-departments),
    and what sends its customers back (PoolRule per customer level, the exemptions, the limits).
    A customer belongs to a pool (Customer.pool, its home pool) while owned too: that is where
    it returns. It is *in* the pool when it has no owner."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    departments = models.ManyToManyField(
        Department, blank=True, related_name="pools", verbose_name=_("member teams")
    )
    exempt_won = models.BooleanField(
        _("won customers never return"),
        default=True,
        help_text=_(
            "A customer with an order within the level's “days without a deal” (else "
            "within the won window below) stays with its owner."
        ),
    )
    won_days = models.PositiveIntegerField(_("won window (days)"), default=90)
    exempt_locked = models.BooleanField(_("locked customers never return"), default=True)
    reclaim_bar_days = models.PositiveIntegerField(
        _("previous owner barred from reclaiming (days)"), default=0
    )
    owned_limit = models.PositiveIntegerField(
        _("most customers of this pool a rep may own"), null=True, blank=True
    )
    locked_limit = models.PositiveIntegerField(
        _("most locked customers per rep"), null=True, blank=True
    )
    remind_days = models.PositiveIntegerField(
        _("remind the owner this many days before the return"), default=3
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")

    def __str__(self) -> str:
        return self.name


class PoolRule(models.Model):
    """When a customer of one level (A/B/C) returns to its pool: after `follow_up_days` without a
    follow-up by its owner and/or `deal_days` without an order (whichever comes first)."""

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="rules")
    level = models.CharField(_("customer level"), max_length=1, choices=CustomerLevel.choices)
    follow_up_days = models.PositiveIntegerField(
        _("days without a follow-up"), null=True, blank=True
    )
    deal_days = models.PositiveIntegerField(_("days without a deal"), null=True, blank=True)

    class Meta:
        ordering = ["pool", "level"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "level"], name="one_rule_per_pool_level")
        ]
        verbose_name = _("return rule")
        verbose_name_plural = _("return rules")

    def __str__(self) -> str:
        return f"{self.pool_id}/{self.level}"


class PoolRun(models.Model):
    """One run of the pool rules (daily, or "Run now" by a manager): what it did."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Scheduled")
        MANUAL = "manual", _("Run now")

    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    assigned = models.PositiveIntegerField(_("given a home pool"), default=0)
    returned = models.PositiveIntegerField(_("returned to a pool"), default=0)
    reminded = models.PositiveIntegerField(_("owners reminded"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("pool run")
        verbose_name_plural = _("pool runs")

    def __str__(self) -> str:
        return f"{self.trigger} {self.started_at:%Y-%m-%d %H:%M}"
