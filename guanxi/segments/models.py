"""Segments (客户细分): saved, named, live queries over the customer list.

A segment's definition is the customer list's own filter parameters (`params`, validated by
guanxi.customers.forms.CustomerFilterForm and run by guanxi.customers.queries.customer_list):
there is one query builder, and every filter the list gains (scores included) is a segment
criterion too. A segment is always evaluated in the scope of whoever looks at it.

Snapshots measure each segment over the whole customer base after every scoring run and at
least daily: its size and value, and who entered and left (SegmentMembership, one row per
stay: entered_at .. left_at). Pages show memberships only within the viewer's scope.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer
from guanxi.scoring.models import ScoringRun


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    # The customer list's GET parameters, {name: value} as text (q, tag, level, rfm_segment...)
    params = models.JSONField(_("criteria"), default=dict, blank=True)
    shared = models.BooleanField(
        _("shared with the team"),
        default=False,
        help_text=_("Everyone sees a shared segment, each with the customers of their own scope."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class SnapshotTrigger(models.TextChoices):
    SCORING = "scoring", _("After a scoring run")
    DAILY = "daily", _("Daily")
    MANUAL = "manual", _("On demand")


class SegmentSnapshot(models.Model):
    """The segment measured over the whole customer base at one moment."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    taken_at = models.DateTimeField(_("taken at"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=SnapshotTrigger.choices)
    run = models.ForeignKey(
        ScoringRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    size = models.PositiveIntegerField(_("customers"), default=0)
    # Sums over the members' current scores (guanxi.scoring CustomerScore)
    revenue = models.DecimalField(_("net revenue"), max_digits=18, decimal_places=2, default=0)
    clv_predicted = models.DecimalField(
        _("predicted CLV"), max_digits=18, decimal_places=2, default=0
    )
    entered = models.PositiveIntegerField(_("entered"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["segment", "-taken_at"])]
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")

    def __str__(self) -> str:
        return f"{self.segment_id} {self.taken_at:%Y-%m-%d %H:%M} {self.size}"


class SegmentMembership(models.Model):
    """One stay of a customer in a segment: from the snapshot that found it in, until the one
    that found it out (left_at empty: still a member)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        indexes = [
            models.Index(fields=["segment", "left_at", "customer"]),
            models.Index(fields=["customer", "-entered_at"]),
        ]
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")

    def __str__(self) -> str:
        return f"{self.segment_id} {self.customer_id} {self.entered_at:%Y-%m-%d}"
