"""People who use the CRM: departments (teams), roles, data scope and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A team or department; departments nest (销售部 → 华东销售组)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent department"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> list[int]:
        """This department and every department below it."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(
                Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids


class DataScope(models.TextChoices):
    """The data scopes Chinese CRM users know (数据权限)."""

    SELF = "self", _("Self only")
    SUBORDINATES = "subordinates", _("Self and subordinates")
    DEPARTMENT = "department", _("Department")
    DEPARTMENT_TREE = "department_tree", _("Department and sub-departments")
    ALL = "all", _("All")


class Role(models.TextChoices):
    MANAGER = "manager", _("Manager")
    REP = "rep", _("Sales rep")
    READ_ONLY = "read_only", _("Read-only")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("department"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
        verbose_name=_("manager"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    data_scope = models.CharField(
        _("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.SELF
    )
    can_view_sensitive = models.BooleanField(
        _("may reveal sensitive personal data"),
        default=False,
        help_text=_("Health, financial account, ID number, precise location, minors."),
    )
    # The interface language the user chose with the 中文 / English switch; blank: the
    # browser's. Texts the system writes for the user (reminder tasks) are in it too.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def can_write(self) -> bool:
        return self.role != Role.READ_ONLY


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the key, shown in the token list so its owner can tell which is
    # which; too short to be of use to anyone else.
    key_prefix = models.CharField(_("starts with"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, ttl_days: int) -> str:
        key = secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            key_hash=cls.hash_key(key),
            key_prefix=key[:6],
            expires_at=timezone.now() + timezone.timedelta(days=ttl_days),
        )
        return key
