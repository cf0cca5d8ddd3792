"""Everything that happens with a customer: interactions (客户沟通), tasks and reminders, notes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Contact, Customer


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    QQ = "qq", "QQ"
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    WEB = "web", _("Web")
    EVENT = "event", _("Event")


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("Company to customer")
    INBOUND = "inbound", _("Customer to company")


class ContentKind(models.TextChoices):
    """信息/情感/意见/政策/理念沟通."""

    INFORMATION = "information", _("Information")
    EMOTION = "emotion", _("Emotion")
    OPINION = "opinion", _("Opinion")
    POLICY = "policy", _("Policy")
    IDEA = "idea", _("Idea")


class Interaction(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name=_("contact"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    content_kind = models.CharField(
        _("content kind"),
        max_length=12,
        choices=ContentKind.choices,
        default=ContentKind.INFORMATION,
    )
    subject = models.CharField(_("subject"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Keys of guanxi.activities.body_language.SIGNALS read on a visit (only a visit has them).
    body_language = models.JSONField(_("body language"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every change; an edit based on an older one is refused (StaleEdit, 409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="interaction_timeline")]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return self.subject


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    FOLLOW_UP = "follow_up", _("Follow-up")
    BIRTHDAY = "birthday", _("Birthday reminder")
    ANNIVERSARY = "anniversary", _("Anniversary reminder")


class Task(models.Model):
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name=_("customer"),
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=TaskKind.choices, default=TaskKind.TASK
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due at"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change; an edit based on an older one is refused (StaleEdit, 409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # A task the system wrote (a reminder, an escalation, a collection): the source text of its
    # title and description with their values, {"title": [msgid, {name: value}], ...}, so
    # pages show them in the reader's language (shown_title). title and description keep the
    # text as written, in the assignee's language then; an edit of one drops its source.
    texts = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="task_inbox")]
        constraints = [
            # One birthday reminder per customer per day: the nightly job may run twice.
            models.UniqueConstraint(
                fields=["customer", "kind", "due_at"],
                condition=models.Q(kind__in=["birthday", "anniversary"]),
                name="one_reminder_per_customer_day",
            )
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    def _shown(self, part: str, stored: str) -> str:
        source = (self.texts or {}).get(part)
        if not source:
            return stored
        msgid, values = source
        try:
            return gettext(msgid) % values
        except (KeyError, TypeError, ValueError):  # a source changed since: as written
            return stored

    @property
    def shown_title(self) -> str:
        """The title in the reader's language when the system wrote it (a review's English
        inbox showed "嵇红霞 的生日", written while the rep read Chinese); else as typed."""
        return self._shown("title", self.title)

    @property
    def shown_description(self) -> str:
        return self._shown("description", self.description)


class NoteKind(models.TextChoices):
    GENERAL = "general", _("General")
    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")


class Note(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("customer")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=NoteKind.choices, default=NoteKind.GENERAL
    )
    body = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.body[:50]
