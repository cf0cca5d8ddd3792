"""Satisfaction surveys (客户满意度调查, DOMAIN.md §5): a survey's questions, the single-use
invitations that reach customers as links, and the answers they give.

Question kinds and how an Answer holds them:
- rating: ``value`` 1–5;
- nps: ``value`` 0–10 (likelihood to recommend);
- gap: ``value`` the expectation, ``value2`` the perception, both 1–``scale`` (5 or 7), for one
  attribute (quality, function, price, service, other);
- kano: ``value`` the functional answer, ``value2`` the dysfunctional one, 1–5 in the standard
  order (like, must-be, neutral, live-with, dislike), for one feature;
- peak / end: ``choice`` the touchpoint named, ``value`` its rating 1–5 (peak-end rule);
- text: ``text``;
- value (customer delivered value, 客户让渡价值): ``parts`` {part: 1–5} for the four parts
  of total customer value (product, service, personnel, image) and the four of total customer
  cost (money, time, energy, physical effort).

An invitation's link carries a random token (secrets.token_urlsafe(32)); only its SHA-256 is
stored, so the link can be shown when it is made (or made anew) and never read back.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Customer


class SurveyKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction")
    NPS = "nps", _("Net Promoter Score")
    KANO = "kano", _("KANO")
    EXPERIENCE = "experience", _("Experience (peak-end)")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("survey status", "Open")  # not the tasks' 待办
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating 1–5")
    NPS = "nps", _("Likelihood to recommend 0–10")
    GAP = "gap", _("Expectation and perception")
    KANO = "kano", _("KANO pair")
    PEAK = "peak", _("Peak moment")
    END = "end", _("End moment")
    TEXT = "text", _("Free text")
    VALUE = "value", _("Customer delivered value")


#: the parts of total customer value and of total customer cost (DOMAIN.md §5), rated 1–5
VALUE_PARTS = (
    ("product", _("Product value")),
    ("service", _("Service value")),
    ("personnel", _("Personnel value")),
    ("image", _("Image value")),
)
COST_PARTS = (
    ("money", _("Monetary cost")),
    ("time", _("Time cost")),
    ("energy", _("Energy cost")),
    ("physical", _("Physical cost")),
)


class Attribute(models.TextChoices):
    QUALITY = "quality", _("Quality")
    FUNCTION = "function", _("Function")
    PRICE = "price", _("Price")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.CharField(_("introduction"), max_length=1000, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SurveyKind.choices, default=SurveyKind.SATISFACTION
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    attribute = models.CharField(
        _("attribute"), max_length=10, choices=Attribute.choices, blank=True
    )
    scale = models.PositiveSmallIntegerField(_("scale"), default=5)  # gap: 5 or 7
    feature = models.CharField(_("feature"), max_length=200, blank=True)  # kano
    touchpoints = models.JSONField(_("touchpoints"), default=list, blank=True)  # peak / end

    class Meta:
        ordering = ["survey", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "order"], name="survey_question_order")
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("survey")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    token_hash = models.CharField(_("link key (hashed)"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    sent_at = models.DateTimeField(_("invited at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "customer"], name="survey_invitation_once")
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.survey_id} {self.customer_id}"


class Response(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    invitation = models.OneToOneField(
        Invitation,
        on_delete=models.CASCADE,
        related_name="response",
        verbose_name=_("invitation"),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.survey_id} {self.customer_id}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("survey response"),
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    value = models.SmallIntegerField(_("answer value"), null=True, blank=True)
    value2 = models.SmallIntegerField(_("second answer value"), null=True, blank=True)
    choice = models.CharField(_("answer choice"), max_length=100, blank=True)
    text = models.TextField(_("answer text"), blank=True)
    parts = models.JSONField(_("value parts"), default=dict, blank=True)  # customer delivered value

    class Meta:
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"
