"""Review mining (评论挖掘, DOMAIN.md §5): imported reviews or open survey answers, and what
the engine (guanxi.analytics.reviews) found in them.

Review sets are seen by every signed-in member of staff; a review linked to a customer shows
that customer's name only to whoever may see the customer (guanxi.accounts.scope).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Customer


class SetStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be analysed")
    RUNNING = "running", _("Being analysed")
    DONE = "done", _("Analysed")
    FAILED = "failed", _("Analysis failed")


class SetLanguage(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
    MIXED = "mixed", _("Chinese and English")


class ReviewSet(models.Model):
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("Where the reviews come from.")
    )
    language = models.CharField(
        _("language"), max_length=5, choices=SetLanguage.choices, default=SetLanguage.ZH
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SetStatus.choices, default=SetStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    review_count = models.PositiveIntegerField(_("reviews"), default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("review set")
        verbose_name_plural = _("review sets")

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    review_set = models.ForeignKey(
        ReviewSet, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("review set")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    text = models.TextField(_("review"))
    date = models.DateField(_("date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    external_id = models.CharField(_("review id"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("row"), default=0)  # the row of the imported file
    # The review's distinct keywords as " a b c " (set by the analysis): the filter of the
    # review list is `keywords__contains=" a "`, on SQLite and PostgreSQL alike.
    keywords = models.TextField(_("keywords"), blank=True, default="")

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["review_set", "rating"])]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return self.text[:50]


class ReviewResults(models.Model):
    """What the last analysis of a set found (guanxi.analytics.reviews.analyze), as of when."""

    review_set = models.OneToOneField(
        ReviewSet,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("review set"),
    )
    as_of = models.DateTimeField(_("as of"))
    keywords = models.JSONField(_("keyword frequency"), default=list)
    pairs = models.JSONField(_("co-occurring keywords"), default=list)
    negative_factors = models.JSONField(_("negative factors"), default=list)
    summary = models.JSONField(_("summary"), default=dict)  # counts and parameters

    class Meta:
        verbose_name = _("review analysis")
        verbose_name_plural = _("review analyses")

    def __str__(self) -> str:
        return f"{self.review_set_id} {self.as_of:%Y-%m-%d %H:%M}"
