"""查重 for leads: a lead's mobile, e-mail or company against every live customer (pooled and
unowned ones included) and every other lead, and the leads a customer form's values match.

A match names its owner (so the user can talk to that colleague) and links the record only when
the user may read it: another team's customer or lead is never shown. The checks count against
the user's 查重 limit (GUANXI_DUPLICATE_CHECKS_PER_MINUTE), like the customer check; but the
lead's page (and its convert page), which checks the lead's own stored values, spends that
budget only on values the user has not had checked in the last SEEN_SECONDS: viewing or
reloading a lead costs nothing once its values were checked (by the form, on saving, or on a
first view), while leads imported with made-up numbers cannot be opened one by one as free
probes.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.accounts.scope import visible_customers, visible_leads
from guanxi.accounts.services import profile_of
from guanxi.customers.normalize import normalize_email, normalize_phone
from guanxi.customers.services import live_customers, spend_duplicate_checks

from .models import Lead, LeadStatus

LIMIT = 5
# How long a user's check of one set of values stays paid for (a working day).
SEEN_SECONDS = 12 * 3600


def _owner(owner) -> str:
    return str(profile_of(owner)) if owner is not None else _("the public pool")


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw or "")
    except ValidationError:
        return ""


def _lead_matches(user, checks, exclude_pk=None) -> list[dict]:
    found: dict[int, dict] = {}
    live = Lead.objects.filter(erased_at__isnull=True).exclude(status=LeadStatus.CONVERTED)
    for field, lookup in checks:
        qs = live.filter(lookup).select_related("owner__profile")
        if exclude_pk:
            qs = qs.exclude(pk=exclude_pk)
        for lead in qs[:LIMIT]:
            found.setdefault(
                lead.pk, {"kind": "lead", "field": field, "owner": _owner(lead.owner), "id": None}
            )
    if found:
        readable = set(
            visible_leads(user, Lead.objects.filter(pk__in=list(found))).values_list(
                "pk", flat=True
            )
        )
        for pk, match in found.items():
            if pk in readable:
                match["id"] = pk
                match["url"] = reverse("leads:detail", args=[pk])
    return list(found.values())


def _spend_check(user, values: tuple[str, str, str], *, stored: bool) -> None:
    """Count one 查重 against the user's limit (TooManyRequests past it), and remember that
    they had these values checked. A check of `stored` values already remembered is free."""
    digest = hashlib.sha256("\x1f".join(values).encode()).hexdigest()
    seen = f"guanxi:duplicates-seen:{user.pk}:{digest}"
    if stored and cache.get(seen):
        return
    spend_duplicate_checks(user)
    cache.set(seen, 1, timeout=SEEN_SECONDS)


def find_matches(
    user,
    *,
    mobile: str = "",
    email: str = "",
    company: str = "",
    exclude_pk: int | None = None,
    stored: bool = False,
) -> list[dict]:
    """Customers and other leads sharing the lead's mobile, e-mail or company:
    [{"kind": "customer"|"lead", "field", "owner", "id" (None unless readable), "url"}].

    `stored`: the values are a lead's own, checked for its page; they count against the
    user's limit only if the user has not had them checked lately (module docstring). The
    values a user types (the 查重 form, the API's lead-duplicates, a lead entered) always
    count."""
    phone, email, company = _phone(mobile), normalize_email(email), (company or "").strip()
    _spend_check(user, (phone, email, company), stored=stored)
    customer_checks, lead_checks = [], []
    if phone:
        customer_checks += [("mobile", Q(mobile=phone)), ("mobile", Q(contacts__mobile=phone))]
        lead_checks.append(("mobile", Q(mobile=phone)))
    if email:
        customer_checks += [("email", Q(email=email)), ("email", Q(contacts__email=email))]
        lead_checks.append(("email", Q(email=email)))
    if company:
        customer_checks += [("company", Q(name=company)), ("company", Q(company_name=company))]
        lead_checks.append(("company", Q(company=company)))
    customers: dict[int, dict] = {}
    for field, lookup in customer_checks:
        for customer in live_customers().filter(lookup).select_related("owner__profile")[:LIMIT]:
            customers.setdefault(
                customer.pk,
                {"kind": "customer", "field": field, "owner": _owner(customer.owner), "id": None},
            )
    if customers:
        readable = set(
            visible_customers(user).filter(pk__in=list(customers)).values_list("pk", flat=True)
        )
        for pk, match in customers.items():
            if pk in readable:
                match["id"] = pk
                match["url"] = reverse("customers:detail", args=[pk])
    return list(customers.values()) + _lead_matches(user, lead_checks, exclude_pk)


def customer_form_matches(user, *, mobile: str = "", email: str = "", name: str = ""):
    """The leads a customer's values match (the customer 查重's hook, services_common): the
    same mobile or e-mail, or a company named like the customer."""
    checks = []
    phone = _phone(mobile)
    if phone:
        checks.append(("mobile", Q(mobile=phone)))
    if email and email.strip():
        checks.append(("email", Q(email=normalize_email(email))))
    if name and name.strip():
        checks.append(("name", Q(company=name.strip())))
    return _lead_matches(user, checks) if checks else []
