"""The customer profile (客户档案): persons and organisations, contacts, tags, custom fields."""

from django.conf import settings
from django.db import models
from django.db.models.functions import ExtractDay, ExtractMonth, Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.accounts.models import Department


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class CustomerCategory(models.TextChoices):
    """客户包括: the five kinds of customer the textbook names."""

    CONSUMER = "consumer", _("Consumer")
    CHANNEL = "channel", _("Channel member")
    COMPANY = "company", _("Company")
    INTERNAL = "internal", _("Internal customer")
    SPECIAL = "special", _("Special-interest party")


class CustomerLevel(models.TextChoices):
    A = "A", _("A key customer")
    B = "B", _("B ordinary customer")
    C = "C", _("C non-priority customer")


class CustomerSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    COLD_VISIT = "cold_visit", _("Cold visit")
    ONLINE_INQUIRY = "online_inquiry", _("Online inquiry")
    PHONE_INQUIRY = "phone_inquiry", _("Phone inquiry")
    EXHIBITION = "exhibition", _("Exhibition or event")
    ADVERTISING = "advertising", _("Advertising")
    WALK_IN = "walk_in", _("Walk-in")
    PARTNER = "partner", _("Partner")
    IMPORT = "import", _("Imported")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class MaritalStatus(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    OTHER = "other", _("Other")


class LoyaltyType(models.TextChoices):
    """Kinds of loyalty (DOMAIN.md §6, 第五章): the rep's choice, or the one the data suggests."""

    MONOPOLY = "monopoly", _("Monopoly loyalty")
    INERTIA = "inertia", _("Inertia loyalty")
    CONVENIENCE = "convenience", _("Convenience loyalty")
    PRICE = "price", _("Price loyalty")
    INCENTIVE = "incentive", _("Incentive loyalty")
    SUPER_VALUE = "super_value", _("Super-value loyalty")
    LATENT = "latent", _("Latent loyalty")


class LostReason(models.TextChoices):
    """The textbook's ten common reasons a customer is lost (DOMAIN.md §8, 第七章 客户流失的常见原因),
    and staff leaving with the customer (员工跳槽), which it names too."""

    PRODUCT = "product", _("Product problems")
    PRICE = "price", _("Price")
    SERVICE = "service", _("Unhappy with our staff's service")
    COMPANY_TURMOIL = "company_turmoil", _("Turmoil or failure at our company")
    STAFF_LEAVING = "staff_leaving", _("Our staff member left and took the customer")
    LOW_SWITCHING_COST = "low_switching_cost", _("Low switching cost")
    WEAK_TRUST = "weak_trust", _("Too little trust or feeling for us")
    CHANGED_NEEDS = "changed_needs", _("Needs changed (habits changed)")
    TRYING_NEW = "trying_new", _("Wants to try something new")
    OWN_CIRCUMSTANCES = "own_circumstances", _("Own circumstances (moved, died, politics)")
    COMPETITOR = "competitor", _("Taken by a competitor")


# Who caused each loss, as the textbook sorts its ten reasons (第七章 客户流失的常见原因): 1-4
# lie with the company (with staff leaving and taking the customer, 员工跳槽, which the textbook
# names too), 5-8 with the customer, 10 with a competitor, and 9 (moving, death) is
# natural churn. The reason picker groups them so: what the company can fix comes first. (The
# churn kind the recovery model takes is analytics.rules.LOST_REASON_KINDS.)
LOST_REASON_CAUSES: tuple[tuple[object, tuple[LostReason, ...]], ...] = (
    (
        _("Caused by our company"),
        (
            LostReason.PRODUCT,
            LostReason.PRICE,
            LostReason.SERVICE,
            LostReason.COMPANY_TURMOIL,
            LostReason.STAFF_LEAVING,
        ),
    ),
    (
        _("Caused by the customer"),
        (
            LostReason.LOW_SWITCHING_COST,
            LostReason.WEAK_TRUST,
            LostReason.CHANGED_NEEDS,
            LostReason.TRYING_NEW,
        ),
    ),
    (_("Caused by a competitor"), (LostReason.COMPETITOR,)),
    (_("Natural churn"), (LostReason.OWN_CIRCUMSTANCES,)),
)


def grouped_lost_reasons() -> list[tuple[object, list[tuple[str, object]]]]:
    """The reasons as grouped choices (Django renders each group as an <optgroup>)."""
    return [
        (cause, [(reason.value, reason.label) for reason in reasons])
        for cause, reasons in LOST_REASON_CAUSES
    ]


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes/no")


class CustomField(models.Model):
    """A company-defined field; values live in Customer.custom_fields, validated against this."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomFieldKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label


class Customer(models.Model):
    """One customer, person or organisation, with the six groups of basic information."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CustomerCategory.choices,
        default=CustomerCategory.CONSUMER,
    )
    external_id = models.CharField(_("external ID"), max_length=64, blank=True, db_index=True)

    # 人口属性 demographic
    name = models.CharField(_("name"), max_length=200)
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)
    # where a pinyin search may start: normalize.name_words (邓波 → "dengbo bo")
    name_words = models.TextField(blank=True, default="", editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)

    # 平台属性 platform
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    member_type = models.CharField(_("member type"), max_length=50, blank=True)
    member_level = models.CharField(_("member level"), max_length=50, blank=True)
    points = models.IntegerField(_("points"), default=0)

    # 联系信息 contact
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("landline"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    qq = models.CharField("QQ", max_length=20, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    weibo = models.CharField(_("Weibo"), max_length=64, blank=True)

    # 收货信息 delivery
    delivery_address = models.CharField(_("default delivery address"), max_length=300, blank=True)
    other_addresses = models.JSONField(_("other addresses"), default=list, blank=True)

    # 卡与支付信息 card and payment (bank_account is sensitive)
    payment_method = models.CharField(_("payment method"), max_length=50, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=64, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    # 认证信息 certification (id_number is sensitive)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    verified = models.BooleanField(_("verified"), default=False)

    # Sensitive personal information (DOMAIN.md §1): hidden by default, every reveal logged.
    health_notes = models.TextField(_("health information"), blank=True)
    precise_location = models.CharField(_("precise location"), max_length=100, blank=True)
    is_minor = models.BooleanField(_("minor"), default=False)

    # Relationship details (seed 002)
    company_name = models.CharField(_("work unit"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    education = models.CharField(_("education"), max_length=100, blank=True)
    family = models.CharField(_("family"), max_length=200, blank=True)
    interests = models.CharField(_("interests"), max_length=200, blank=True)
    anniversary = models.DateField(_("anniversary"), null=True, blank=True)

    # Loyalty type as the rep judges it ("" = take the one the scores suggest)
    loyalty_type = models.CharField(
        _("loyalty type"), max_length=16, choices=LoyaltyType.choices, blank=True
    )
    # Marked lost by a rep or manager, always with one of the textbook's reasons
    lost_at = models.DateTimeField(_("lost on"), null=True, blank=True, db_index=True)
    lost_reason = models.CharField(
        _("reason lost"), max_length=24, choices=LostReason.choices, blank=True
    )
    lost_note = models.TextField(_("note on the loss"), blank=True)

    level = models.CharField(
        _("customer level"), max_length=1, choices=CustomerLevel.choices, default=CustomerLevel.B
    )
    source = models.CharField(
        _("source"), max_length=20, choices=CustomerSource.choices, default=CustomerSource.OTHER
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("referred by"),
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("owner"),
    )
    # The owner's department when the customer was assigned: data scope filters on it with an
    # index instead of joining through the owner's profile.
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("team"),
    )

    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    # Raised by one on every saved edit: an edit based on an older version is refused (409).
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    # 合并: a duplicate merged into another customer is kept (hidden) so the merge can be undone.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_duplicates",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)

    # 公海 (guanxi.pool): the home pool the customer returns to (it is *in* the pool while it has
    # no owner), when it went there, whose it was, the owner's lock, the owner's last follow-up,
    # since when the owner has it, and the day it returns, computed by the pool's rules so
    # the list shows "days until return" without a query per row.
    pool = models.ForeignKey(
        "pool.Pool",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("public pool"),
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous owner"),
    )
    locked = models.BooleanField(_("locked"), default=False, db_default=False)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    return_due = models.DateField(_("returns to the pool on"), null=True, blank=True)
    # the return_due a reminder was sent for: one reminder per customer per cycle
    return_reminded_for = models.DateField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-id"]
        verbose_name = pgettext_lazy("model", "customer")
        verbose_name_plural = pgettext_lazy("model", "customers")
        indexes = [
            models.Index(fields=["owner", "-id"], name="customer_owner_id"),
            models.Index(fields=["department", "-id"], name="customer_dept_id"),
            models.Index(fields=["name_initials"], name="customer_initials"),
            models.Index(fields=["name_pinyin"], name="customer_pinyin"),
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["level", "-id"], name="customer_level_id"),
            # The list filters and sorts by these at a million rows (issue 8).
            models.Index(fields=["city", "-id"], name="customer_city_id"),
            models.Index(fields=["source", "-id"], name="customer_source_id"),
            # A rep's birthdays and anniversaries of the next 14 days (home page): the rep's
            # customers on those (month, day) pairs, instead of reading all of them (180,000).
            models.Index(
                "owner",
                ExtractMonth("birthday"),
                ExtractDay("birthday"),
                name="customer_owner_birthday",
                condition=models.Q(birthday__isnull=False),
            ),
            # 公海: a pool's customers, newest first; the rules job's owned customers by due day
            models.Index(
                fields=["pool", "-id"],
                name="customer_pooled",
                condition=models.Q(owner__isnull=True, pool__isnull=False),
            ),
            models.Index(
                fields=["return_due"],
                name="customer_return_due",
                condition=models.Q(owner__isnull=False, return_due__isnull=False),
            ),
            models.Index(
                "owner",
                ExtractMonth("anniversary"),
                ExtractDay("anniversary"),
                name="customer_owner_anniversary",
                condition=models.Q(anniversary__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return "".join(p for p in [self.province, self.city, self.district, self.street] if p)


class Contact(models.Model):
    """A person at an organisation customer (联系人)."""

    class Style(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        THINKER = "thinker", _("Thinker")
        COOPERATOR = "cooperator", _("Cooperator")
        EXTROVERT = "extrovert", _("Extrovert")
        AUTHORITARIAN = "authoritarian", _("Authoritarian")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    interpersonal_style = models.CharField(
        _("interpersonal style"), max_length=20, choices=Style.choices, blank=True
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class Collaborator(models.Model):
    """Per-record sharing (协作人): read or read-write access, optionally until a date."""

    class Access(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborations"
    )
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.READ)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="one_collaboration_per_user")
        ]
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id} ({self.access})"


class MergeRecord(models.Model):
    """One merge (合并) of a duplicate into a surviving customer, with what it moved.

    Kept so the merge can be undone: the duplicate is only hidden (Customer.merged_into), the
    moved records are listed by id, and the survivor's values before the merge are stored.
    """

    survivor = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges", verbose_name=_("survivor")
    )
    merged = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="merged_by",
        verbose_name=_("merged duplicate"),
    )
    # {field: value} of the survivor before and after taking the duplicate's values.
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    # {"contact": [ids], "order": [ids], ..., "tag": [ids added to the survivor]}
    moved = models.JSONField(default=dict)
    merged_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
