"""Consent records and the log of every reveal of sensitive personal data (DOMAIN.md §1)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Providing the purchased service")
    MARKETING = "marketing", _("Marketing messages")
    ANALYTICS = "analytics", _("Analysis of purchase behaviour")
    SHARING = "sharing", _("Sharing with partners")


class Consent(models.Model):
    """One consent decision; the newest row per customer and purpose is in force."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("obtained through"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.purpose}: {self.granted}"


class RevealLog(models.Model):
    """Who saw which sensitive field of which customer, when, and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    customer = models.ForeignKey(
        Customer, null=True, on_delete=models.SET_NULL, related_name="reveals"
    )
    field = models.CharField(_("field"), max_length=50)
    purpose = models.CharField(_("stated purpose"), max_length=200)
    route = models.CharField(_("route"), max_length=20)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("sensitive data reveal")
        verbose_name_plural = _("sensitive data reveals")

    def __str__(self) -> str:
        return f"{self.field} of {self.customer_id} by {self.user_id}"
