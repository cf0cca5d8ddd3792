"""The audit trail: who changed (or revealed) what of which customer's records, and when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        MERGE = "merge", _("Merged")
        UNMERGE = "unmerge", _("Merge undone")
        ERASE = "erase", _("Erased")
        ASSIGN = "assign", _("Reassigned")
        REVEAL = "reveal", _("Revealed")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=50)
    object_id = models.CharField(max_length=40)
    # Kept as a plain id, not a foreign key: the trail must outlive a deleted customer.
    customer_id = models.BigIntegerField(null=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} {self.model} #{self.object_id}"
