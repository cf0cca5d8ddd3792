"""Reads on customers: search, filters, sorting. Always within the data scope."""

import json
import re
import time as time_module
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Count, Exists, F, Lookup, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Reverse
from django.db.models.lookups import StartsWith
from django.utils import timezone

from guanxi.accounts.scope import sees_all, visible_customers
from guanxi.validation import half_width

from .models import Contact, Customer
from .normalize import (
    WORD_CHARS,
    has_cjk,
    looks_like_phone,
    normalize_email,
    phone_or_none,
    search_key,
)

# Every sort ends on the id, so equal values keep one order from page to page.
SORTS = {
    "newest": ("-id",),
    "oldest": ("id",),
    "name": ("name_pinyin", "id"),
    "-name": ("-name_pinyin", "-id"),
    "level": ("level", "-id"),
    "-level": ("-level", "id"),
    "city": ("city", "-id"),
    "-city": ("-city", "id"),
    "source": ("source", "-id"),
    "-source": ("-source", "id"),
    "updated": ("-updated_at", "-id"),
    # by a score (the score table joined only for these; unscored customers last either way)
    "clv_predicted": (F("score__clv_predicted").asc(nulls_last=True), "id"),
    "-clv_predicted": (F("score__clv_predicted").desc(nulls_last=True), "-id"),
    "p_alive": (F("score__p_alive").asc(nulls_last=True), "id"),
    "-p_alive": (F("score__p_alive").desc(nulls_last=True), "-id"),
    "loyalty_index": (F("score__loyalty_index").asc(nulls_last=True), "id"),
    "-loyalty_index": (F("score__loyalty_index").desc(nulls_last=True), "-id"),
    "churn_risk_score": (F("score__churn_risk_score").asc(nulls_last=True), "id"),
    "-churn_risk_score": (F("score__churn_risk_score").desc(nulls_last=True), "-id"),
    "monetary": (F("score__monetary").asc(nulls_last=True), "id"),
    "-monetary": (F("score__monetary").desc(nulls_last=True), "-id"),
}

# Score filters: GET parameter -> lookup on the customer's score (customers sits below scoring,
# so the table is reached through the reverse relation `score`, as orders are).
SCORE_CODE_FILTERS = {
    "rfm_segment": "score__rfm_segment",
    "abc_tier": "score__abc_tier",
    "pyramid_level": "score__pyramid_level",
    "lifecycle_stage": "score__lifecycle_stage",
    "customer_status": "score__customer_status",
    "loyalty_step": "score__loyalty_step",
    "value_loyalty_quadrant": "score__value_loyalty_quadrant",
    "churn_risk": "score__churn_risk",
    "quality": "score__quality",
    "r": "score__r",
    "f": "score__f",
    "m": "score__m",
}
SCORE_RANGE_FILTERS = {
    "p_alive_min": "score__p_alive__gte",
    "p_alive_max": "score__p_alive__lte",
    "clv_min": "score__clv_predicted__gte",
    "clv_max": "score__clv_predicted__lte",
}
SCORE_FILTERS = (
    *SCORE_CODE_FILTERS,
    *SCORE_RANGE_FILTERS,
    "loyalty_type",
    "lost_reason",
    "lost",
    "lost_from",
    "lost_to",
)


def score_q(filters: dict) -> Q:
    """The filter on the customers' scores and loyalty and churn fields for the given values
    (empty and None values are no filter); an empty Q when none is given, so the default
    list never joins the score table."""
    q = Q()
    for name, lookup in {**SCORE_CODE_FILTERS, **SCORE_RANGE_FILTERS}.items():
        value = filters.get(name)
        if value not in (None, ""):
            q &= Q(**{lookup: value})
    loyalty_type = filters.get("loyalty_type")
    if loyalty_type:
        # the rep's choice, or the suggested type where the rep made none
        q &= Q(loyalty_type=loyalty_type) | Q(
            loyalty_type="", score__loyalty_type_suggested=loyalty_type
        )
    if filters.get("lost_reason"):
        q &= Q(lost_reason=filters["lost_reason"])
    lost = filters.get("lost")
    if lost in (True, False):
        q &= Q(lost_at__isnull=not lost)
    # the date a rep marked the customer lost, inclusive (the churn dashboard's month bars)
    if filters.get("lost_from"):
        q &= Q(lost_at__gte=day_start(filters["lost_from"]))
    if filters.get("lost_to"):
        q &= Q(lost_at__lt=day_start(filters["lost_to"] + timedelta(days=1)))
    return q


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


PHONE_FIELDS = ("mobile", "phone")
_DIGITS = re.compile(r"^\+?[\d\s\-]{3,}$")
MIN_PHONE_DIGITS = 3


def _partial_phone_q(term: str) -> Q | None:
    """尾号 and prefix search: a run of digits that is not a whole number.

    `8000` finds every mobile or landline ending in 8000 (the last four digits, 尾号) and
    `138001` every number starting with 138001 (numbers are stored in E.164, so the prefix is
    matched after the country code; a landline's trunk 0, as in 010, is dropped the same way).
    Both sides are index range scans on PostgreSQL: the prefix on `(mobile varchar_pattern_ops)`
    and the ending on the expression index `(reverse(mobile) text_pattern_ops)` (migration
    0004); SQLite evaluates the same expressions row by row, which is correct at its sizes.
    """
    if not _DIGITS.match(term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    if term.startswith("+"):
        prefixes = ["+" + digits]
    else:
        code = str(phonenumbers.country_code_for_region(settings.PHONENUMBER_DEFAULT_REGION))
        national = digits[1:] if digits.startswith("0") else digits
        prefixes = [f"+{code}{national}"]
        if digits.startswith(code) and len(digits) > len(code) + 2:
            prefixes.append("+" + digits)  # 86138…: the country code typed without "+"
    tail = digits[::-1]
    q = Q(external_id=term)
    for field in PHONE_FIELDS:
        q |= Q(StartsWith(Reverse(F(field)), tail))
        for prefix in prefixes:
            q |= Q(**{f"{field}__startswith": prefix})
    return q


def search_q(term: str) -> Q:
    """Name, pinyin (zhangsan), initials (zs), phone in any format or part of one, e-mail.

    Terms of one or two Latin letters use the initials column (a btree prefix); longer ones
    the start of a syllable or word (name_words, from a GIN index on PostgreSQL). `icontains`
    is never used: it compiles to UPPER(col) LIKE and scans the table.
    """
    term = half_width(term).strip()  # a review searched １３４１１２３ and found nothing
    if not term:
        return Q()
    if "@" in term:
        email = normalize_email(term)
        if _EMAIL.match(email):
            return _exact_matches(Q(email=email), email=email)
        # the start of an address (guojing0@, guojing0@q): a btree prefix, as below
        return Q(email__startswith=email) if not email.startswith("@") else Q(pk__in=[])
    if looks_like_phone(term):
        e164 = phone_or_none(term)
        if e164:
            return _exact_matches(Q(mobile=e164) | Q(phone=e164), mobile=e164)
    partial = _partial_phone_q(term)
    if partial is not None:
        return partial
    if _EMAIL_START.match(term):
        # guojing0, li.na: no name has digits or dots, an address's start does (the search
        # box names 邮箱); a prefix, which PostgreSQL reads from the e-mail's pattern index
        return name_search_q(term) | Q(email__startswith=normalize_email(term))
    return name_search_q(term)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_START = re.compile(r"^(?=[^\s]*[\d._\-])[a-z0-9][a-z0-9._+\-]*$", re.IGNORECASE)


def name_search_q(term: str, *, external_id: bool = True) -> Q:
    """The name part of search_q: characters (陈彬, also typed 陈 彬), pinyin, initials, and
    the external ID typed whole; the public pool searches by the name alone
    (`external_id=False`: its members see neither phones, e-mails nor the ID)."""
    term = term.strip()
    if has_cjk(term):
        joined = "".join(term.split())  # a review typed 陈 彬 and found nothing
        if joined != term:
            return Q(name__contains=term) | Q(name__contains=joined)
        return Q(name__contains=term)
    # ü is v in typed pinyin (lv: 吕), and u in a Latin name (Müller: muller)
    keys = dict.fromkeys((search_key(term), search_key(term, umlaut="u")))
    q = Q(external_id=term) if external_id and term else Q(pk__in=[])
    for key in filter(None, keys):
        if len(key) < 3:
            # two letters: the name's start, its initials, or a whole syllable at the end of
            # it (bo: 邓波, na: 李娜, not every name with a syllable starting bo or na)
            q |= Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key)
            q |= Q(name_words__word_is=key)
            continue
        # from the start of a syllable or word (dengb, bo: 邓波), not from inside one (engbo)
        words = Q(name_words__word_starts=key[:WORD_CHARS])
        if len(key) > WORD_CHARS:  # a word keeps its first WORD_CHARS letters
            words &= Q(name_pinyin__contains=key)
        q |= words | Q(name_initials__startswith=key)
    return q


class WordStarts(Lookup):
    """`name_words__word_starts="dengb"`: one of the name's words (normalize.name_words)
    starts with the typed letters (only a-z and 0-9: search_key).

    PostgreSQL reads it from the GIN index of the words as a text-search vector
    (migration 0014; its expression is this one), prefix-matched (`'dengb':*`); the words
    are put in the vector as they are, not parsed, so "12e5x" stays one word. Elsewhere
    (SQLite) a LIKE over the space-separated words, with the same answer.
    """

    lookup_name = "word_starts"
    prepare_rhs = False
    prefix = True

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        key = search_key(str(self.rhs))
        if connection.vendor == "postgresql":
            sql = f"array_to_tsvector(string_to_array({lhs}, ' ')) @@ %s::tsquery"
            return sql, [*lhs_params, f"'{key}':*" if self.prefix else f"'{key}'"]
        if self.prefix:
            return f"(' ' || {lhs}) LIKE %s", [*lhs_params, f"% {key}%"]
        return f"(' ' || {lhs} || ' ') LIKE %s", [*lhs_params, f"% {key} %"]


class WordIs(WordStarts):
    """`name_words__word_is="na"`: one of the name's words is exactly this (李娜: "lina na")."""

    lookup_name = "word_is"
    prefix = False


Customer._meta.get_field("name_words").register_lookup(WordStarts)
Customer._meta.get_field("name_words").register_lookup(WordIs)


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone (an index-friendly bound)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def customer_list(
    user,
    *,
    q: str = "",
    tag: str = "",
    level: str = "",
    source: str = "",
    kind: str = "",
    owner_id: int | None = None,
    department_id: int | None = None,
    city: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
    last_order_from: date | None = None,
    last_order_to: date | None = None,
    min_purchases: int | None = None,
    sort: str = "newest",
    **score_filters,
) -> QuerySet:
    """The customers `user` may see, searched, filtered and sorted (date ranges inclusive).

    `last_order_from` / `last_order_to` bound the date of the customer's last purchase and
    `min_purchases` asks for at least that many purchases within those dates (all of them
    when none is given); a purchase is what the home figures count (sales' `purchases()`:
    cancelled and refunded orders are none). `score_filters` are those of SCORE_FILTERS
    (rfm_segment="at_risk", p_alive_max=0.5, lost=True...): they only narrow the user's
    scope, never widen it.
    """
    unknown = set(score_filters) - set(SCORE_FILTERS)
    if unknown:
        raise TypeError(f"unknown customer list filters: {sorted(unknown)}")
    from guanxi.accounts.models import Department

    qs = visible_customers(user).filter(merged_into__isnull=True)  # a merged duplicate hides
    if q:
        qs = qs.filter(search_q(q))
    if tag:
        qs = qs.filter(tags__name=tag)
    if level:
        qs = qs.filter(level=level)
    if source:
        qs = qs.filter(source=source)
    if kind:
        qs = qs.filter(kind=kind)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if department_id:
        team = Department.objects.filter(pk=department_id).first()
        qs = qs.filter(department_id__in=team.descendant_ids() if team else [])
    if city:
        # 上海 finds 上海市: cities are stored as written, mostly with the 市.
        qs = qs.filter(city__in=[city] if city.endswith("市") else [city, city + "市"])
    if created_from:
        qs = qs.filter(created_at__gte=day_start(created_from))
    if created_to:
        qs = qs.filter(created_at__lt=day_start(created_to + timedelta(days=1)))
    if last_order_from or last_order_to or min_purchases:
        qs = _purchase_filter(qs, last_order_from, last_order_to, min_purchases)
    scores = score_q(score_filters)
    if scores:
        qs = qs.filter(scores)
    return qs.order_by(*SORTS.get(sort, SORTS["newest"])).select_related("owner__profile")


def _purchase_filter(
    qs: QuerySet, start: date | None, until: date | None, at_least: int | None
) -> QuerySet:
    """Customers whose last purchase falls within start..until (inclusive), with at least
    `at_least` purchases in that range."""
    # The purchases through the reverse relation: customers sits below sales and imports none
    # of it (tests/test_layers.py); `purchases()` is sales' one definition of a purchase.
    order_model = Customer._meta.get_field("orders").related_model
    purchases = order_model.objects.purchases().filter(customer_id=OuterRef("pk"))
    window = purchases
    if start:
        window = window.filter(ordered_at__gte=day_start(start))
    if until:
        end = day_start(until + timedelta(days=1))
        window = window.filter(ordered_at__lt=end)
        qs = qs.exclude(Exists(purchases.filter(ordered_at__gte=end)))
    if (at_least or 1) <= 1:
        return qs.filter(Exists(window))
    counted = window.order_by().values("customer_id").annotate(n=Count("pk")).values("n")
    return qs.alias(purchases_in_range=Subquery(counted)).filter(purchases_in_range__gte=at_least)


@dataclass(frozen=True)
class ListCount:
    """How many rows a list has: `exact`, an `estimate` (约), or `at_least` (a lower bound)."""

    n: int
    kind: str = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"


ESTIMATE_ABOVE = 5_000


# The planner's estimates, by database, SQL and parameters: {key: (moment kept until, rows)}.
_ESTIMATES: dict[tuple, tuple[float, int]] = {}
ESTIMATE_KEPT_SECONDS = 60
_ESTIMATES_KEPT = 1000


def _planner_rows(qs: QuerySet) -> int:
    """PostgreSQL's own estimate of the rows `qs` returns (EXPLAIN, no execution).

    For the whole table it is pg_class.reltuples scaled to the current size; with filters,
    the column statistics ANALYZE keeps. It changes when ANALYZE runs or the table grows, so
    an estimate is kept for a minute per process for the same SQL and parameters: the
    EXPLAIN's round trip and planning cost ~0.35 ms of the web worker's CPU on every list
    page over 5,000 customers, and PostgreSQL's planning besides (bench/bench_web.py).
    """
    sql, params = qs.values("pk").query.sql_with_params()
    return _planner_rows_of(qs.db, sql, params)


def _planner_rows_of(db: str, sql: str, params) -> int:
    """_planner_rows for a query's SQL. Below a LIMIT, the rows of the plan under it: the
    planner's estimate of every matching row, which the limit does not change."""
    now = time_module.monotonic()
    try:
        key = (db, sql, tuple(params))
        kept = _ESTIMATES.get(key)
    except TypeError:  # a parameter that cannot be a key (a JSON value): not kept
        key, kept = None, None
    if kept is not None and kept[0] > now:
        return kept[1]
    with connections[db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    plan = plan[0]["Plan"]
    if plan["Node Type"] == "Limit":
        plan = plan["Plans"][0]
    rows = int(plan["Plan Rows"])
    if key is not None:
        if len(_ESTIMATES) >= _ESTIMATES_KEPT:
            _ESTIMATES.clear()  # many distinct searches: start again rather than grow
        _ESTIMATES[key] = (now + ESTIMATE_KEPT_SECONDS, rows)
    return rows


def _round(n: int) -> int:
    """Three significant digits: 183,488 → 183,000 (an estimate should not look exact)."""
    return n if n < 1000 else round(n, 3 - len(str(n)))


def list_count(qs: QuerySet, *, cap: int = COUNT_CAP) -> ListCount:
    """The total a list shows: exact when that is cheap, else an estimate marked as such.

    On PostgreSQL the planner's estimate is asked first; above ESTIMATE_ABOVE rows it is
    shown (rounded) instead of counting (an exact COUNT over a rep's 180,000 customers costs
    ~200 ms at 1M customers). Below it, the rows are counted up to `cap`. Elsewhere (SQLite)
    rows are counted up to `cap`, and beyond it the list says "more than".
    """
    qs = qs.order_by()
    if connections[qs.db].vendor == "postgresql":
        estimate = _planner_rows(qs)
        if estimate > ESTIMATE_ABOVE:
            return ListCount(_round(estimate), "estimate")
    n, exact = capped_count(qs, cap)
    return ListCount(n, "exact" if exact else "at_least")


def small_first_page(
    qs: QuerySet, *, size: int, cap: int = COUNT_CAP
) -> tuple[list, int] | ListCount | None:
    """A first page's ids and the list's total from one scan, when the total is small.

    A search's page and its count each scanned the matches: for a pinyin search (then matched
    by trigrams), an index scan and a visit of every match's row, ~7 ms of PostgreSQL's CPU
    at 1,000,000 customers, twice a page. When PostgreSQL expects at most ESTIMATE_ABOVE rows (its
    planner's estimate, kept a minute), the ids of up to `cap` + 1 rows are fetched in the
    list's order instead: the first `size` are the page and their number is the total.
    Returns (the page's ids, how many ids were found); when the total is expected to be
    large, the estimate as list_count gives it (the page is then fetched alone, and the
    estimate is its total if a next page exists, without asking again); None where the
    database keeps no estimate (SQLite).
    """
    if connections[qs.db].vendor != "postgresql":
        return None
    # One SQL for both questions (compiling a list's query costs ~0.2 ms of the worker's CPU):
    # the estimate is read below its LIMIT, and the ids come straight from the cursor.
    sql, params = qs.values_list("pk", flat=True)[: cap + 1].query.sql_with_params()
    estimate = _planner_rows_of(qs.db, sql, params)
    if estimate > ESTIMATE_ABOVE:
        return ListCount(_round(estimate), "estimate")
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return ids[:size], len(ids)


def found_count(found: int, cap: int = COUNT_CAP) -> ListCount:
    """The ListCount of `found` rows fetched with a limit of `cap` + 1."""
    return ListCount(found) if found <= cap else ListCount(cap, "at_least")


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
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]  # a model instance, or a dict of values() with its "id"
    next_after = last["id"] if isinstance(last, dict) else last.pk
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


TAG_MENU_GENERATION = "customers:tag-menu-generation"


def forget_tag_menus(**kwargs) -> None:
    try:
        cache.incr(TAG_MENU_GENERATION)
    except ValueError:  # not set yet
        cache.set(TAG_MENU_GENERATION, 1, None)


def tag_menu(user, *, size: int = 200) -> list[str]:
    """visible_tags for the list's filter menu, kept 60 s per user: at 1,000,000 customers the
    query costs about 0.5 s for a rep (measured), which every list request paid. A user who
    sees every customer gets every tag without looking at customers."""
    from .models import Tag

    if sees_all(user):
        return list(Tag.objects.order_by("name").values_list("name", flat=True)[:size])
    # a new or deleted tag moves the generation (forget_tag_menus), so no menu misses it
    key = f"customers:tag-menu:{cache.get(TAG_MENU_GENERATION, 0)}:{user.pk}"
    names = cache.get(key)
    if names is None:
        names = list(visible_tags(user)[:size])
        cache.set(key, names, 60)
    return names


MAX_PAGE = 400


def page_of(qs: QuerySet, params, *, keyset: bool, size: int = 25) -> tuple[list, str | None]:
    """One page of any list and the query string of the next (or None).

    Newest-first lists page by keyset (`after`, fast at any depth, no COUNT); other sorts by
    offset (`page`, up to MAX_PAGE). `params` is the request's GET; every other parameter
    (filters, sort) is kept in the next page's URL.
    """
    params = params.copy()
    after, page = params.pop("after", [""])[-1], params.pop("page", ["1"])[-1]
    if keyset:
        rows, next_after = keyset_page(qs, after=int(after) if after.isdigit() else None, size=size)
        if next_after:
            params["after"] = str(next_after)
        return rows, params.urlencode() if next_after else None
    number = min(int(page), MAX_PAGE) if page.isdigit() and int(page) > 0 else 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    if len(rows) > size and number < MAX_PAGE:
        params["page"] = str(number + 1)
        return rows[:size], params.urlencode()
    return rows[:size], None
