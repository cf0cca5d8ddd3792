"""Reads on customers: search, filters, sorting. Always within the data scope."""

from itertools import islice

from django.db.models import Q, QuerySet

from guanxi.accounts.scope import visible_customers

from .models import Contact, Customer
from .normalize import has_cjk, looks_like_phone, normalize_email, phone_or_none, search_key

SORTS = {
    "newest": ("-id",),
    "oldest": ("id",),
    "name": ("name_pinyin", "id"),
    "-name": ("-name_pinyin", "-id"),
    "level": ("level", "-id"),
    "updated": ("-updated_at", "-id"),
}


EXACT_MATCH_LIMIT = 1000
COUNT_CAP = 10_000


def _exact_matches(customer_q: Q, **contact_lookup) -> Q:
    """Customers matching an exact value, on their own record or on one of their contacts.

    The ids are looked up first (index lookups returning a handful of rows) and handed to the
    list query as a literal set: combined with the data-scope OR, a join or a subquery here
    made PostgreSQL expect 300,000 rows and scan the whole table (1.2 s at 1M customers).
    """
    ids = set(Customer.objects.filter(customer_q).values_list("pk", flat=True)[:EXACT_MATCH_LIMIT])
    ids.update(
        Contact.objects.filter(**contact_lookup).values_list("customer_id", flat=True)[
            :EXACT_MATCH_LIMIT
        ]
    )
    return Q(pk__in=sorted(ids))


def search_q(term: str) -> Q:
    """Name, pinyin (zhangsan), initials (zs), phone in any format, e-mail.

    Terms of one or two Latin letters use the initials column (a btree prefix); longer ones
    the pinyin column, which PostgreSQL serves from a trigram index. `icontains` is never
    used: it compiles to UPPER(col) LIKE and scans the table.
    """
    term = term.strip()
    if not term:
        return Q()
    if "@" in term:
        email = normalize_email(term)
        return _exact_matches(Q(email=email), email=email)
    if looks_like_phone(term):
        e164 = phone_or_none(term)
        if e164:
            return _exact_matches(Q(mobile=e164) | Q(phone=e164), mobile=e164)
    if has_cjk(term):
        return Q(name__contains=term)
    key = search_key(term)
    if not key:
        return Q(pk__in=[])
    if len(key) < 3:
        return Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
    return Q(name_pinyin__contains=key) | Q(name_initials__startswith=key) | Q(external_id=term)


def customer_list(
    user,
    *,
    q: str = "",
    tag: str = "",
    level: str = "",
    source: str = "",
    owner_id: int | None = None,
    sort: str = "newest",
) -> QuerySet:
    qs = visible_customers(user).filter(merged_into__isnull=True)  # a merged duplicate hides
    if q:
        qs = qs.filter(search_q(q))
    if tag:
        qs = qs.filter(tags__name=tag)
    if level:
        qs = qs.filter(level=level)
    if source:
        qs = qs.filter(source=source)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.order_by(*SORTS.get(sort, SORTS["newest"])).select_related("owner__profile")


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): exact up to `cap`; beyond it, `cap` as a lower bound.

    An exact COUNT(*) over a rep's 180,000 customers costs 400 ms at 1M customers; nobody
    pages that far, and "10,000+" is what the list shows.
    """
    n = qs.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


def keyset_page(qs: QuerySet, *, after: int | None, size: int = 25) -> tuple[list, int | None]:
    """A page after a given id for the newest-first list: fast at any depth, no COUNT(*)."""
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(islice(qs[: size + 1], size + 1))
    next_after = rows[size - 1].pk if len(rows) > size else None
    return rows[:size], next_after


def visible_tags(user) -> QuerySet:
    """Names of the tags on at least one customer in the user's scope, by name: another team's
    tags (which can name its customers or deals) stay out of lists and filters."""
    from django.db.models import Exists, OuterRef

    from .models import Tag

    links = Customer.tags.through.objects.filter(
        tag_id=OuterRef("pk"), customer__in=visible_customers(user)
    )
    return Tag.objects.filter(Exists(links)).order_by("name").values_list("name", flat=True)
