"""Grounded-theory coding (扎根理论, DOMAIN.md §5): research projects whose sources (interview
notes, complaints, reviews, customer notes) are coded in three steps.

- open coding (开放性编码): a fragment of a source's text is given one or more codes;
- axial coding (主轴性编码): codes are grouped into categories, each with properties and
  their dimensions, and categories are related (cause, context, intervening condition,
  action/strategy, process, consequence, sequence);
- selective coding (选择性编码): one core category and the story line (故事线).

A pulled source keeps a copy of its text (the analysis must not change when the case is
edited) and a link to its origin and customer, so erasing the customer blanks the copy.
Who sees and changes a project is decided in guanxi.accounts.scope.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.customers.models import Customer


class CodingProject(models.Model):
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("research question"), blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    shared = models.BooleanField(
        _("shared with the company"),
        default=False,
        help_text=_("Every colleague may read it, and those who write may code in it."),
    )
    core_category = models.ForeignKey(
        "AxialCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("core category"),
    )
    story_line = models.TextField(_("story line"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")

    def __str__(self) -> str:
        return self.title


class SourceKind(models.TextChoices):
    INTERVIEW = "interview", _("Interview note")
    CASE = "case", _("Complaint")
    REVIEW = "review", pgettext_lazy("a customer's review", "Review")
    NOTE = "note", _("Customer note")


class SourceDocument(models.Model):
    project = models.ForeignKey(
        CodingProject,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("research project"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SourceKind.choices, default=SourceKind.INTERVIEW
    )
    title = models.CharField(_("title"), max_length=200)
    interviewee = models.CharField(
        _("interviewee"),
        max_length=100,
        blank=True,
        help_text=_("A label such as “Customer A, 35, Shanghai”: no name or contact needed."),
    )
    date = models.DateField(_("date"), null=True, blank=True)
    text = models.TextField(_("text"))
    # where a pulled source came from: the case, review or note (its id), and its customer
    origin_id = models.BigIntegerField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "origin_id"])]
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")

    def __str__(self) -> str:
        return self.title


class AxialCategory(models.Model):
    project = models.ForeignKey(
        CodingProject,
        on_delete=models.CASCADE,
        related_name="categories",
        verbose_name=_("research project"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_key = models.CharField(max_length=100, editable=False)  # trimmed, lower case
    memo = models.TextField(_("memo"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name_key"], name="coding_category_unique_name"
            )
        ]
        verbose_name = pgettext_lazy("grounded theory", "category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class OpenCode(models.Model):
    project = models.ForeignKey(
        CodingProject,
        on_delete=models.CASCADE,
        related_name="codes",
        verbose_name=_("research project"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_key = models.CharField(max_length=100, editable=False)  # trimmed, lower case
    memo = models.TextField(_("memo"), blank=True)
    category = models.ForeignKey(
        AxialCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="codes",
        verbose_name=pgettext_lazy("grounded theory", "category"),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name_key"], name="coding_code_unique_name")
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codes")

    def __str__(self) -> str:
        return self.name


class CodedFragment(models.Model):
    document = models.ForeignKey(
        SourceDocument,
        on_delete=models.CASCADE,
        related_name="fragments",
        verbose_name=_("source document"),
    )
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    quote = models.TextField(_("quote"))
    codes = models.ManyToManyField(OpenCode, related_name="fragments", verbose_name=_("codes"))
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["document_id", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="coding_fragment_span")
        ]
        verbose_name = _("fragment")
        verbose_name_plural = _("fragments")

    def __str__(self) -> str:
        return self.quote[:50]


class CategoryProperty(models.Model):
    """A property of a category and its dimension, e.g. response speed: fast … slow."""

    category = models.ForeignKey(
        AxialCategory,
        on_delete=models.CASCADE,
        related_name="properties",
        verbose_name=pgettext_lazy("grounded theory", "category"),
    )
    name = models.CharField(_("property"), max_length=100)
    dimension_from = models.CharField(_("dimension from"), max_length=100, blank=True)
    dimension_to = models.CharField(_("dimension to"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("property")
        verbose_name_plural = _("properties")

    def __str__(self) -> str:
        return self.name


class RelationKind(models.TextChoices):
    CAUSE = "cause", _("Causal condition")
    CONTEXT = "context", _("Context")
    INTERVENING = "intervening", _("Intervening condition")
    STRATEGY = "strategy", _("Action / strategy")
    PROCESS = "process", _("Process")
    CONSEQUENCE = "consequence", _("Consequence")
    SEQUENCE = "sequence", _("Sequence")


class CategoryRelation(models.Model):
    """`source` stands to `target` as `kind`: e.g. slow response (cause) → lost trust."""

    project = models.ForeignKey(
        CodingProject,
        on_delete=models.CASCADE,
        related_name="relations",
        verbose_name=_("research project"),
    )
    source = models.ForeignKey(
        AxialCategory, on_delete=models.CASCADE, related_name="+", verbose_name=_("from")
    )
    target = models.ForeignKey(
        AxialCategory, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="coding_relation_not_to_itself"
            )
        ]
        verbose_name = _("relation")
        verbose_name_plural = _("relations")

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"
