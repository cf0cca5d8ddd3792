"""What each dashboard shows, aggregated in the database over the user's data scope.

Every figure is a GROUP BY over the current scores (one row per customer, written by the last
succeeded scoring run) of the customers `guanxi.accounts.scope.visible_customers(user)`
returns: no second access rule. A dashboard is a dict of plain values (charts for ECharts,
tables for the page and the XLSX download, the method and parameters) cached per
(theme, latest run, scope, language). The score aggregates of nine themes come from one scan
per (run, scope) (`grouped`). After every succeeded run (the scoring_finished signal) the worker
computes every dashboard for every scope in use (tasks.warm_after_run), so at a million
customers the first visit after a run finds them computed; a scope nobody warmed pays one scan.

Chart specs are read by static/insights/dashboards.js; every data item that stands for a set
of customers carries the URL of the customer list filtered to them (the GET parameters of
contract 9: r, f, abc_tier, pyramid_level, ...).
"""

from __future__ import annotations

import contextvars
import hashlib
import math
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanxi.accounts.scope import sees_all, visible_customers
from guanxi.analytics.abc import ABC_GUIDANCE, PYRAMID_TIERS
from guanxi.analytics.churn import RECOVERY_ACTIONS
from guanxi.analytics.lifecycle import CUSTOMER_STATUSES, LIFECYCLE_STAGES
from guanxi.analytics.loyalty import DEFAULT_WEIGHTS, LOYALTY_LADDER, VALUE_LOYALTY_QUADRANTS
from guanxi.analytics.segments import SEGMENTS
from guanxi.customers.models import LostReason
from guanxi.customers.scores import churn_reason_text
from guanxi.formats.money import format_money
from guanxi.sales.models import Order, OrderStatus
from guanxi.scoring.models import AnalysisSettings, CustomerScore, RunStatus, ScoringRun
from guanxi.services_common import customer_set_generation

CACHE_SECONDS = 900  # a dashboard is kept 15 minutes, then computed again on the next view
WARM_MINUTES = 10  # the worker recomputes the wider scopes' (tasks.warm_dashboards) this often
CACHE_VERSION = 2
MONTHS = 12  # months shown on the churn and cohort charts

THEMES = {
    "rfm": gettext_lazy("RFM grid"),
    "abc": gettext_lazy("ABC analysis"),
    "pyramid": gettext_lazy("Customer pyramid"),
    "cohorts": gettext_lazy("Cohort retention"),
    "clv": gettext_lazy("Customer lifetime value"),
    "quadrants": gettext_lazy("Value × loyalty"),
    "loyalty": gettext_lazy("Loyalty ladder"),
    "lifecycle": gettext_lazy("Lifecycle stages"),
    "warnings": gettext_lazy("Churn warnings"),
    "churn": gettext_lazy("Churn and revenue lost"),
    "satisfaction": gettext_lazy("Satisfaction indicators"),
}

THEME_BLURBS = {
    "rfm": gettext_lazy("Customers and revenue on the recency × frequency grid, by segment."),
    "abc": gettext_lazy("How few customers bring most of the revenue (Pareto curve)."),
    "pyramid": gettext_lazy("Top, large, medium, small, inactive customers and prospects."),
    "cohorts": gettext_lazy("Share of each month's new buyers who bought again later."),
    "clv": gettext_lazy("Predicted lifetime value: distribution and the top customers."),
    "quadrants": gettext_lazy(
        "Quadrants of true friends, butterflies, barnacles and strangers (low value, low loyalty)."
    ),
    "loyalty": gettext_lazy("From stranger to advocate: customers on each step."),
    "lifecycle": gettext_lazy("Exploration, formation, stability and decline."),
    "warnings": gettext_lazy("Customers at churn risk, why, what to do and who owns them."),
    "churn": gettext_lazy("Customers lost and their revenue per month, by reason."),
    "satisfaction": gettext_lazy(
        "NPS, reputation, repeat rate, complaint rate and sales power per month, on one page."
    ),
}


# Notes shared by several dashboards.
P_ALIVE_NOTE = gettext_lazy(
    "P(alive) is %(percent)s %% for a customer without a repeat purchase: the BG/NBD model reads "
    "dropping out from the gaps between purchases, and a single purchase shows none, so it "
    "gives P(alive) = 1 by construction, however long ago that purchase was. Read P(alive) "
    "together with the days since the last order: the churn risk of these customers uses "
    "recency instead."
)
ABC_NOT_LEVEL_NOTE = gettext_lazy(
    "The ABC tier (by revenue) is computed from the orders by each scoring run. It is not the "
    "customer level (A key, B ordinary, C non-priority customer) a rep sets on the customer's "
    "record: the two can differ, and the customer list filters by either."
)


def p_alive_note() -> str:
    return str(P_ALIVE_NOTE) % {"percent": 100}


LOYALTY_WEIGHTS_NOTE = gettext_lazy(
    "Each customer's loyalty index uses the indicators with data for that customer; the "
    "weights of those are scaled up to add up to 1."
)


# Helpers ----------------------------------------------------------------------------------


def lang() -> str:
    return "zh-hans" if (get_language() or "en").lower().startswith("zh") else "en"


def text(table: dict, code: str, key: str | None = None) -> str:
    """The label of an engine code in the user's language (the code itself when unknown)."""
    entry = table.get(code)
    if entry is None:
        return code or "—"
    if hasattr(entry, "name"):  # analytics.segments.Segment
        entry = entry.name
    if key:
        entry = entry[key]
    return entry.get(lang(), code) if isinstance(entry, dict) else str(entry)


def customers_url(**filters) -> str:
    """The customer list filtered to the customers behind a cell (contract 9's GET names)."""
    query = {k: v for k, v in filters.items() if v not in (None, "")}
    return f"{reverse('customers:list')}?{urlencode(query)}"


ROTATE_AFTER = 6  # dashboards.js turns the category labels 40° when there are more of them
LABEL_FONT_PX = 12
LABEL_MARGIN_PX = 8


def x_name_gap(categories: list[str]) -> int:
    """The distance (px) from the category axis to its name, below the tick labels: the
    height of the longest label, turned 40° when there are more than ROTATE_AFTER labels (a
    digit is about 0.6 of the font size wide, a CJK character a whole one), plus margins."""
    width = max(
        (sum(LABEL_FONT_PX if ord(c) > 0x2E80 else LABEL_FONT_PX * 0.6 for c in str(label))
         for label in categories),
        default=0,
    )  # fmt: skip
    if len(categories) > ROTATE_AFTER:
        height = width * math.sin(math.radians(40)) + LABEL_FONT_PX * math.cos(math.radians(40))
    else:
        height = LABEL_FONT_PX
    return math.ceil(height + LABEL_MARGIN_PX + LABEL_FONT_PX)


def link(label, url: str) -> dict:
    return {"text": label, "url": url}


def money(value) -> float:
    return round(float(value or 0), 2)


def latest_run() -> ScoringRun | None:
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .only("id", "as_of", "params", "summary", "model_version", "finished_at", "customers")
        .first()
    )


_RUN = contextvars.ContextVar("insights_run", default=0)
# During a refresh (the warm task): the keys already recomputed in this pass, which are
# reused (the one-pass summary serves nine dashboards; the second language reuses the rows).
_REFRESHED = contextvars.ContextVar("insights_refreshed", default=None)


def memo(query_key: str, compute):
    """The result of a query, cached per run under the hash of its SQL and parameters (which
    carry the scope's own filter): language-neutral, so the second language of a dashboard,
    and any user of the same scope, only formats."""
    digest = hashlib.sha256(query_key.encode()).hexdigest()[:40]
    key = f"insights:v{CACHE_VERSION}:rows:{_RUN.get()}:{customer_set_generation()}:{digest}"
    refreshed = _REFRESHED.get()
    value = cache.get(key) if refreshed is None or key in refreshed else None
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
        if refreshed is not None:
            refreshed.add(key)
    return value


def fetch(queryset) -> list:
    sql, params = queryset.query.sql_with_params()
    return memo(f"{sql}|{params!r}", lambda: list(queryset))


def scope_key(user) -> str:
    """Who sees the same customers shares the cache: the hash of the scope's own filter."""
    sql, params = visible_customers(user).values("pk").query.sql_with_params()
    return hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]


def scores_in_scope(user):
    return CustomerScore.objects.filter(customer__in=visible_customers(user))


# One pass over the scope's scores ------------------------------------------------------------
#
# Most dashboards are counts and sums of the scope's score rows grouped by one code (tier,
# level, step, stage...). At a million customers each such GROUP BY is a scan of the scores
# joined to the scope's customers (seconds); `grouped` answers every one of them from a single
# scan and join per (run, scope), cached like any query. The figures are those of the
# separate GROUP BYs.

RFM_SCORED = "r > 0 AND f > 0"
QUADRANT_SET = "loyalty_index IS NOT NULL AND value_loyalty_quadrant <> ''"
# name: the grouping columns of the base rows below (a NULL first key: the row is left out)
GROUPS = {
    "rf": ("rf_r", "rf_f"),
    "rfm_segment": ("rf_segment",),
    "abc_tier": ("abc_tier",),
    "pyramid_level": ("pyramid_level",),
    "clv_bin": ("clv_bin",),
    "quadrant_bin": ("quadrant", "lbin", "vbin"),
    "quadrant": ("quadrant",),
    "loyalty_step": ("loyalty_step",),
    "lifecycle_stage": ("lifecycle_stage",),
    "customer_status": ("customer_status",),
    "risk_owner": ("risk", "owner"),
    "churn_risk": ("churn_risk",),
}
NUMERIC_KEYS = {"rf_r", "rf_f", "clv_bin", "lbin", "vbin", "owner"}


def _base_sql(user) -> tuple[str, list]:
    """The scope's score rows with every grouping column (Django's SQL for the scoped rows
    inside; its values stay parameters)."""
    # From the customer side: the scope's customers joined once to their scores (the same
    # rows as scores_in_scope, without a second join for the owner).
    fields = (
        "r",
        "f",
        "rfm_segment",
        "abc_tier",
        "pyramid_level",
        "loyalty_step",
        "lifecycle_stage",
        "customer_status",
        "churn_risk",
        "value_loyalty_quadrant",
        "loyalty_index",
        "monetary",
        "clv_predicted",
        "clv_historical",
    )
    inner, params = (
        visible_customers(user)
        .filter(score__isnull=False)
        .values("owner_id", **{f"s_{name}": F(f"score__{name}") for name in fields})
        .order_by()
        .query.sql_with_params()
    )
    renamed = ", ".join(f"s_{name} AS {name}" for name in fields)
    # the CLV bins of CLV_EDGES (our own integer constants)
    whens = " ".join(
        f"WHEN clv_predicted < {int(edge)} THEN {i}" for i, edge in enumerate(CLV_EDGES[1:])
    )
    risks = ", ".join(f"'{risk}'" for risk in RISKS)
    sql = (
        "SELECT "  # noqa: S608 - our own expressions around Django's SQL
        f"CASE WHEN {RFM_SCORED} THEN r END AS rf_r, "
        f"CASE WHEN {RFM_SCORED} THEN f END AS rf_f, "
        f"CASE WHEN {RFM_SCORED} THEN rfm_segment END AS rf_segment, "
        "CASE WHEN abc_tier <> '' THEN abc_tier END AS abc_tier, "
        "pyramid_level, loyalty_step, lifecycle_stage, customer_status, churn_risk, "
        f"CASE WHEN clv_predicted IS NULL THEN NULL {whens} ELSE {len(CLV_EDGES) - 1} END "
        "AS clv_bin, "
        f"CASE WHEN {QUADRANT_SET} THEN value_loyalty_quadrant END AS quadrant, "
        f"CASE WHEN {QUADRANT_SET} THEN FLOOR(loyalty_index / 5) END AS lbin, "
        # loyalty in steps of 5, value on a log scale (two bins per factor e); float: the
        # numeric LN costs seconds at a million rows
        f"CASE WHEN {QUADRANT_SET} AND clv_historical > -1 THEN "
        "FLOOR(LN(CAST(clv_historical AS DOUBLE PRECISION) + 1) * 2) END AS vbin, "
        f"CASE WHEN churn_risk IN ({risks}) THEN churn_risk END AS risk, owner, "
        "monetary, clv_predicted, clv_historical "
        f"FROM (SELECT owner_id AS owner, {renamed} FROM ({inner}) AS joined) AS scoped"
    )
    return sql, list(params)


SUMMARY_WORK_MEM = "1GB"
AGGREGATES = "COUNT(*), SUM(monetary), SUM(clv_predicted), SUM(clv_historical)"


COLUMNS = list(dict.fromkeys(c for cols in GROUPS.values() for c in cols))


def _summary_sql(base: str) -> str:
    """Every group of GROUPS in one statement. PostgreSQL: GROUPING SETS, one pass hashing
    every group (see SUMMARY_WORK_MEM); elsewhere (SQLite) a UNION ALL of the groups over the
    rows once materialised. Rows: the group's name, one text key, two number keys, the sums."""
    if connection.vendor == "postgresql":
        sets = ", ".join(f"({', '.join(cols)})" for cols in GROUPS.values())
        return (
            f"SELECT {', '.join(COLUMNS)}, GROUPING({', '.join(COLUMNS)}), {AGGREGATES} "  # noqa: S608
            f"FROM ({base}) AS base GROUP BY GROUPING SETS ({sets})"
        )
    parts = []
    for name, cols in GROUPS.items():
        texts = [c for c in cols if c not in NUMERIC_KEYS]
        numbers = [c for c in cols if c in NUMERIC_KEYS]
        keys = [*(texts or ["NULL"]), *numbers, *(["NULL"] * (2 - len(numbers)))]
        parts.append(
            f"SELECT '{name}', {', '.join(keys)}, {AGGREGATES} FROM base "  # noqa: S608
            f"GROUP BY {', '.join(cols)}"
        )
    return f"WITH base AS ({base}) " + " UNION ALL ".join(parts)


def _grouping_sets_rows(rows):
    """GROUPING SETS rows in the UNION's layout: GROUPING() has a bit set (leftmost column
    highest) for each column a row is not grouped by, which names its group."""
    names = {}
    for name, cols in GROUPS.items():
        bits = sum(1 << (len(COLUMNS) - 1 - i) for i, c in enumerate(COLUMNS) if c not in cols)
        names[bits] = name
    for row in rows:
        name = names[row[len(COLUMNS)]]
        cols = GROUPS[name]
        texts = [row[COLUMNS.index(c)] for c in cols if c not in NUMERIC_KEYS]
        numbers = [row[COLUMNS.index(c)] for c in cols if c in NUMERIC_KEYS]
        yield (name, *(texts or [None]), *numbers, *([None] * (2 - len(numbers))), *row[-4:])


def _summary(user) -> dict[str, list[tuple]]:
    """{group name: [(keys..., count, sum monetary, sum predicted CLV, sum historical CLV)]}
    for the user's scope, from one scan (cached per run and scope like any query)."""
    base, params = _base_sql(user)
    sql = _summary_sql(base)

    def run_sql():
        result: dict[str, list[tuple]] = {name: [] for name in GROUPS}
        with transaction.atomic(), connection.cursor() as cursor:
            postgres = connection.vendor == "postgresql"
            if postgres:
                # Lets the planner hash every group in one pass (it sizes the binned groups
                # at up to a row each; with less it sorts the million rows for them, 20x
                # slower). A cap, not an allocation: the groups take a few MB, the scope's
                # join ~100 MB at a million customers.
                cursor.execute(f"SET LOCAL work_mem = '{SUMMARY_WORK_MEM}'")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for name, text_key, n1, n2, *sums in _grouping_sets_rows(rows) if postgres else rows:
            cols = GROUPS[name]
            numbers = iter((n1, n2))
            keys = [
                (int(v) if (v := next(numbers)) is not None else None)
                if c in NUMERIC_KEYS
                else text_key
                for c in cols
            ]
            if keys[0] is None:  # outside the group's rows (e.g. no R/F scores)
                continue
            result[name].append((*keys, *sums))
        return result

    return memo(f"summary|{sql}|{params!r}", run_sql)


def grouped(user, name: str, *fields: str, total: str = "monetary") -> list[dict]:
    """The rows of one group of the summary as the ORM's .values(*fields).annotate(n=Count,
    revenue=Sum(total)) would return them (`fields` name the group's keys)."""
    index = {"monetary": 0, "clv_predicted": 1, "clv_historical": 2}[total]
    rows = []
    for row in _summary(user)[name]:
        keys, sums = row[: len(fields)], row[len(fields) + 1 :]
        rows.append(
            {**dict(zip(fields, keys, strict=True)), "n": row[len(fields)], "revenue": sums[index]}
        )
    return rows


# The loyalty index's indicators (analytics.loyalty.DEFAULT_WEIGHTS) by group, named as on the
# analysis settings page (its groups A1-A3) and in DOMAIN.md §6.
LOYALTY_GROUPS = {
    "A1": gettext_lazy("Loyalty weight A1 (purchase behaviour)"),
    "A2": gettext_lazy("Loyalty weight A2 (spending)"),
    "A3": gettext_lazy("Loyalty weight A3 (attitude and emotion)"),
}
LOYALTY_INDICATORS = {
    "A11": gettext_lazy("purchase duration"),
    "A12": gettext_lazy("purchase frequency"),
    "A13": gettext_lazy("frequency trend"),
    "A21": gettext_lazy("share of wallet"),
    "A22": gettext_lazy("cross-selling"),
    "A31": gettext_lazy("mention rate"),
    "A32": gettext_lazy("price sensitivity"),
    "A33": gettext_lazy("voluntariness"),
    "A34": gettext_lazy("satisfaction"),
}


def _number(value: float) -> str:
    return f"{round(float(value), 4):g}"


def loyalty_weight_rows(weights) -> list[tuple[str, str]]:
    """The weights a run used (its own over the engine's defaults: an empty setting means the
    defaults), one row per group: its total, then each indicator's name and weight."""
    own = weights if isinstance(weights, dict) else {}
    merged = {code: own.get(code, default) for code, default in DEFAULT_WEIGHTS.items()}
    rows = []
    for group, name in LOYALTY_GROUPS.items():
        members = {code: w for code, w in merged.items() if code.startswith(group)}
        parts = " + ".join(
            f"{code} {LOYALTY_INDICATORS.get(code, code)} {_number(w)}"
            for code, w in members.items()
        )
        rows.append((str(name), f"{_number(sum(members.values()))} = {parts}"))
    return rows


def param_rows(run: ScoringRun, keys: list[str]) -> list[tuple[str, str]]:
    """The run's parameters (its snapshot of the analysis settings) that a method uses."""
    rows = []
    for key in keys:
        if key not in (run.params or {}):
            continue
        if key == "loyalty_weights":
            rows.extend(loyalty_weight_rows(run.params[key]))
            continue
        try:
            name = capfirst(str(AnalysisSettings._meta.get_field(key).verbose_name))
        except Exception:  # a key the settings model no longer has: show it as is
            name = key
        rows.append((name, _param_value(run.params[key])))
    return rows


def _param_value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def dashboard(user, theme: str, run: ScoringRun, *, refresh: bool = False, **extra) -> dict:
    """The theme's dashboard for the user, from the cache when the run and scope are the same."""
    key = ":".join(
        [
            f"insights:v{CACHE_VERSION}",
            theme,
            str(run.pk),
            str(customer_set_generation()),
            scope_key(user),
            lang(),
            *(f"{k}={v}" for k, v in sorted(extra.items())),
        ]
    )
    result = None if refresh else cache.get(key)
    if result is None:
        pass_ = set() if refresh and _REFRESHED.get() is None else _REFRESHED.get()
        tokens = (_RUN.set(run.pk), _REFRESHED.set(pass_))
        try:
            result = BUILDERS[theme](user, run, **extra)
        finally:
            _RUN.reset(tokens[0])
            _REFRESHED.reset(tokens[1])
        result.setdefault("charts", [])
        result.setdefault("tables", [])
        result.setdefault("notes", [])
        result["computed_at"] = timezone.now().isoformat()
        cache.set(key, result, CACHE_SECONDS)
    return result


def table(
    title,
    headers,
    rows,
    *,
    name: str = "",
    money: tuple[int, ...] = (),
    decimals: dict[int, int] | None = None,
) -> dict:
    """A table for the page and the XLSX export. The rows keep plain numbers (the export
    writes them as numbers); `money` names the columns (0-based) the page shows as money.

    A column shows one precision on the page (19.2, 9.0, 10.3; not 19.20, 9, 10.30): a column
    whose header ends in "%" one decimal, and `decimals` gives other columns (0-based) theirs.
    `places` lists them per column (None: as the number comes)."""
    headers = [str(h) for h in headers]
    places = [1 if h.rstrip().endswith("%") else None for h in headers]
    for column, count in (decimals or {}).items():
        places[column] = count
    return {
        "title": str(title),
        "name": name or str(title),
        "headers": headers,
        "rows": rows,
        "money": list(money),
        "places": places,
    }


# RFM ----------------------------------------------------------------------------------------

BANDS = range(1, 6)
TIE_NOTES = {
    "r": gettext_lazy(
        "Empty recency bands: %(bands)s. R is a quintile of the days since the last order, and "
        "quantile cut-offs cannot split equal values: customers with the same number of days "
        "since their last order share one score, so a large tie fills its band beyond a fifth "
        "of the customers and leaves the bands above it empty."
    ),
    "f": gettext_lazy(
        "Empty frequency bands: %(bands)s. F is a quintile of the number of orders, and "
        "quantile cut-offs cannot split equal values: customers with the same number of orders "
        "share one score, so a large tie (e.g. most customers having ordered once) fills its "
        "band beyond a fifth of the customers and leaves the bands above it empty."
    ),
}


def _band_counts(cells: dict) -> dict[str, dict[int, int]]:
    """Customers per R band and per F band from the R × F cells."""
    counts = {"r": dict.fromkeys(BANDS, 0), "f": dict.fromkeys(BANDS, 0)}
    for (r, f), row in cells.items():
        if r in BANDS and f in BANDS:
            counts["r"][r] += row["n"]
            counts["f"][f] += row["n"]
    return counts


def empty_band_notes(user, cells: dict) -> list[str]:
    """Why a row or column of the grid is empty, from the data: a band empty over all the
    customers is left empty by ties (the scores are quintiles over every buyer, and equal
    values always share a score: quintile_score in analytics.common); a band empty only in the
    user's scope holds other customers."""
    scope = _band_counts(cells)
    total = sum(scope["r"].values())
    if not total or all(scope[axis][b] for axis in "rf" for b in BANDS):
        return []
    if sees_all(user):
        company = scope
    else:  # whether a band is empty over every customer (counts never shown: one query a run)
        rows = fetch(
            CustomerScore.objects.filter(r__gt=0, f__gt=0)
            .values("r", "f")
            .annotate(n=Count("pk"))
            .order_by("r", "f")
        )
        company = _band_counts({(row["r"], row["f"]): row for row in rows})
    buyers = sum(company["r"].values())
    notes = []
    for axis in "rf":
        empty = [b for b in BANDS if not scope[axis][b]]
        tied = [b for b in empty if not company[axis][b]]
        elsewhere = [b for b in empty if company[axis][b]]
        names = ", ".join(f"{axis.upper()}{b}" for b in tied)
        if tied and buyers < len(BANDS):
            notes.append(
                _(
                    "Empty bands %(bands)s: fewer customers have orders than there are bands, "
                    "so some bands are necessarily empty."
                )
                % {"bands": names}
            )
        elif tied:
            note = str(TIE_NOTES[axis] % {"bands": names})
            # each tie fills the nearest non-empty band below the empty ones
            # (scores not from a scoring run, e.g. imported, may leave the lowest band empty
            # too: no band below it holds its ties)
            below = [max((c for c in BANDS if c < b and company[axis][c]), default=0) for b in tied]
            holders = sorted(set(below) - {0})
            for band in holders:
                if scope[axis][band]:
                    note += " " + _(
                        "%(band)s holds %(share)s %% of the customers counted here."
                    ) % {
                        "band": f"{axis.upper()}{band}",
                        "share": round(100 * scope[axis][band] / total),
                    }
            notes.append(note)
        if elsewhere:
            notes.append(
                _(
                    "No customer of your data scope is in %(bands)s: the cut-offs are set over "
                    "all the customers, and other customers fill these bands."
                )
                % {"bands": ", ".join(f"{axis.upper()}{b}" for b in elsewhere)}
            )
    return notes


def rfm(user, run):
    cells = {(row["r"], row["f"]): row for row in grouped(user, "rf", "r", "f")}
    data, grid_rows, flat = [], [], []
    for r in range(5, 0, -1):
        line = [f"R{r}"]
        for f in range(1, 6):
            row = cells.get((r, f), {"n": 0, "revenue": 0})
            url = customers_url(r=r, f=f)
            data.append(
                {"value": [f - 1, r - 1, row["n"]], "revenue": money(row["revenue"]), "url": url}
            )
            line.append(link(f"{row['n']:,} · {format_money(money(row['revenue']))}", url))
            flat.append([r, f, row["n"], money(row["revenue"])])
        grid_rows.append(line)
    segments = grouped(user, "rfm_segment", "rfm_segment")
    seg_rows = sorted(
        (
            [
                link(text(SEGMENTS, s["rfm_segment"]), customers_url(rfm_segment=s["rfm_segment"])),
                s["n"],
                money(s["revenue"]),
                SEGMENTS[s["rfm_segment"]].action[lang()] if s["rfm_segment"] in SEGMENTS else "",
            ]
            for s in segments
        ),
        key=lambda row: -row[2],
    )
    return {
        "charts": [
            {
                "kind": "heatmap",
                "title": _("Customers per R × F cell"),
                "x": [f"F{f}" for f in range(1, 6)],
                "y": [f"R{r}" for r in range(1, 6)],
                "xName": _("Frequency score F"),
                "yName": _("Recency score R"),
                "valueName": _("customers"),
                "revenueName": _("revenue"),
                "data": data,
            }
        ],
        "tables": [
            table(
                _("Customers and revenue per cell"),
                ["", *(f"F{f}" for f in range(1, 6))],
                grid_rows,
                name="grid",
            ),
            table(
                _("Segments"),
                [_("Segment"), _("Customers"), _("Revenue"), _("Recommended action")],
                seg_rows,
                name="segments",
                money=(2,),
            ),
        ],
        "xlsx": [
            table(_("Cells"), ["R", "F", _("Customers"), _("Revenue")], flat, name="cells"),
        ],
        "notes": empty_band_notes(user, cells),
        "method": _(
            "Recency (R) and frequency (F) scores 1-5 are quintiles of the days since the last "
            "order and of the number of orders (cancelled orders excluded, refunds netted); each "
            "cell counts the customers with that pair of scores and sums their net revenue. "
            "Customers without orders are left out. The segment of each cell follows the usual "
            "R × F grid."
        ),
        "params": param_rows(run, ["rfm_bins"]),
    }


# ABC and the Pareto curve ---------------------------------------------------------------------


def _pareto(scores) -> list[dict]:
    """Customers by revenue, descending, in 100 equal groups (NTILE): count, revenue and the
    best tier of each group, one pass with a window function over the scoped rows."""
    inner, params = (
        scores.filter(monetary__gt=0).values("monetary", "abc_tier").query.sql_with_params()
    )
    # The inner SQL is Django's own for the scoped queryset; its values stay parameters.
    sql = (
        "SELECT bucket, COUNT(*), SUM(monetary), MIN(abc_tier) FROM ("  # noqa: S608
        "SELECT monetary, abc_tier, NTILE(100) OVER (ORDER BY monetary DESC) AS bucket "
        f"FROM ({inner}) AS scoped) AS ranked GROUP BY bucket ORDER BY bucket"
    )

    def run_sql():
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # the scope's revenues sorted in memory (~40 MB at a million customers), not
                # in a temporary file with the default 4 MB
                cursor.execute(f"SET LOCAL work_mem = '{SUMMARY_WORK_MEM}'")
            cursor.execute(sql, params)
            return [
                {"bucket": b, "n": n, "revenue": float(rev or 0), "tier": tier or ""}
                for b, n, rev, tier in cursor.fetchall()
            ]

    return memo(f"{sql}|{params!r}", run_sql)


def abc(user, run):
    scores = scores_in_scope(user)
    tiers = {row["abc_tier"]: row for row in grouped(user, "abc_tier", "abc_tier")}
    buckets = _pareto(scores)
    total_n = sum(b["n"] for b in buckets) or 1
    total_rev = sum(b["revenue"] for b in buckets) or 1
    points, cum_n, cum_rev = [{"value": [0, 0], "url": customers_url(abc_tier="A")}], 0, 0.0
    for b in buckets:
        cum_n += b["n"]
        cum_rev += b["revenue"]
        points.append(
            {
                "value": [round(100 * cum_n / total_n, 2), round(100 * cum_rev / total_rev, 2)],
                "tier": b["tier"],
                "url": customers_url(abc_tier=b["tier"]) if b["tier"] else customers_url(),
            }
        )
    all_rev = sum(float(t["revenue"] or 0) for t in tiers.values()) or 1
    all_n = sum(t["n"] for t in tiers.values()) or 1
    rows, bars = [], []
    for tier in ("A", "B", "C"):
        row = tiers.get(tier, {"n": 0, "revenue": 0})
        url = customers_url(abc_tier=tier)
        rows.append(
            [
                link(tier, url),
                row["n"],
                round(100 * row["n"] / all_n, 1),
                money(row["revenue"]),
                round(100 * float(row["revenue"] or 0) / all_rev, 1),
                ABC_GUIDANCE[tier][lang()],
            ]
        )
        bars.append({"value": row["n"], "url": url})
    return {
        "charts": [
            {
                "kind": "pareto",
                "title": _("Cumulative share of revenue by share of customers"),
                "xName": _("Share of customers (by revenue, descending)") + " %",
                "yName": _("Share of revenue") + " %",
                "data": points,
            },
            {
                "kind": "bar",
                "title": _("Customers per ABC tier"),
                "categories": ["A", "B", "C"],
                "series": [{"name": str(_("Customers")), "data": bars}],
            },
        ],
        "tables": [
            table(
                _("ABC tiers"),
                [
                    _("ABC tier (by revenue)"),
                    _("Customers"),
                    _("Share of customers") + " %",
                    _("Revenue"),
                    _("Share of revenue") + " %",
                    _("Guidance"),
                ],
                rows,
                name="tiers",
                money=(3,),
            )
        ],
        "xlsx": [
            table(
                _("Pareto curve"),
                [_("Share of customers") + " %", _("Share of revenue") + " %", _("Tier")],
                [[p["value"][0], p["value"][1], p.get("tier", "")] for p in points],
                name="pareto",
            )
        ],
        "method": _(
            "Customers are ranked by net revenue to date; class A are the customers who together "
            "bring the first share of revenue, B the next, C the rest. The curve groups the "
            "ranked buyers into 100 equal groups and plots the cumulative share of customers "
            "against the cumulative share of revenue."
        ),
        "params": param_rows(run, ["abc_a_share", "abc_b_share"]),
        "notes": [str(ABC_NOT_LEVEL_NOTE)],
    }


PYRAMID_INACTIVE_DAYS = 365  # scoring.compute.PYRAMID_INACTIVE_DAYS (a test keeps them equal)
NO_ORDER_NAMES_NOTE = gettext_lazy(
    "Customers without orders appear under each model's own name: the pyramid's prospects and "
    "suspects are the loyalty ladder's prospect and stranger steps (with and without a "
    'recorded interaction). The value × loyalty quadrant "Strangers" is another thing: '
    "buyers of low value and low loyalty."
)

# Pyramid --------------------------------------------------------------------------------------


def pyramid(user, run):
    levels = {row["pyramid_level"]: row for row in grouped(user, "pyramid_level", "pyramid_level")}
    order = list(PYRAMID_TIERS)
    rows, bars = [], []
    for code in order:
        row = levels.get(code, {"n": 0, "revenue": 0})
        url = customers_url(pyramid_level=code)
        rows.append([link(text(PYRAMID_TIERS, code), url), row["n"], money(row["revenue"])])
        bars.append({"value": row["n"], "url": url, "revenue": money(row["revenue"])})
    return {
        "charts": [
            {
                "kind": "hbar",
                "title": _("Customers per pyramid level"),
                "categories": [text(PYRAMID_TIERS, c) for c in reversed(order)],
                "series": [{"name": str(_("Customers")), "data": list(reversed(bars))}],
            }
        ],
        "tables": [
            table(
                _("Pyramid levels"),
                [_("Pyramid level (by revenue)"), _("Customers"), _("Revenue")],
                rows,
                name="levels",
                money=(2,),
            )
        ],
        "method": _(
            "The customer pyramid ranks the active buyers by their net revenue from all their "
            "orders up to the as-of date: top 1%%, the next 4%% (large), the next 15%% "
            "(medium), the rest (small). Inactive: buyers whose last order is more than "
            "%(days)s days before the as-of date; they keep the revenue of their past orders. "
            "Prospects: customers without orders with a recorded interaction; suspects: "
            "customers without orders and without interactions."
        )
        % {"days": PYRAMID_INACTIVE_DAYS},
        "notes": [str(NO_ORDER_NAMES_NOTE)],
        "params": param_rows(run, ["abc_a_share", "abc_b_share"]),
    }


# Cohorts --------------------------------------------------------------------------------------


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _cohorts_in_scope(user, run) -> dict:
    """Monthly cohorts (month of the first order) of the scope's customers and the share of
    each that ordered again k months later, counted from the orders in one GROUP BY."""
    as_of = run.as_of or timezone.localdate()
    start_index = _month_index(as_of) - (MONTHS - 1)
    start = date(start_index // 12, start_index % 12 + 1, 1)
    customers = visible_customers(user)
    sizes = {
        row["cohort"]: row["n"]
        for row in fetch(
            CustomerScore.objects.filter(
                customer__in=customers, first_order_on__gte=start, first_order_on__lte=as_of
            )
            .annotate(cohort=TruncMonth("first_order_on"))
            .values("cohort")
            .annotate(n=Count("pk"))
        )
    }
    active = (
        Order.objects.filter(
            customer__in=customers,
            customer__score__first_order_on__gte=start,
            customer__score__first_order_on__lte=as_of,
        )
        .exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.REFUNDED])
        .annotate(
            cohort=TruncMonth("customer__score__first_order_on"), month=TruncMonth("ordered_at")
        )
        .values("cohort", "month")
        .annotate(n=Count("customer_id", distinct=True))
    )
    labels = [f"{(start_index + i) // 12}-{(start_index + i) % 12 + 1:02d}" for i in range(MONTHS)]
    retention = [[None] * (MONTHS - i) for i in range(MONTHS)]
    for row in fetch(active):
        cohort, month = row["cohort"], row["month"]
        if cohort is None or month is None:
            continue
        c = _month_index(cohort) - start_index
        k = _month_index(month.date() if hasattr(month, "date") else month) - _month_index(cohort)
        size = sizes.get(cohort)
        if 0 <= c < MONTHS and 0 <= k < MONTHS - c and size:
            retention[c][k] = round(row["n"] / size, 4)
    for c, label in enumerate(labels):
        if any(_same_month(d, label) for d in sizes):
            retention[c][0] = 1.0 if retention[c][0] is None else retention[c][0]
    return {
        "cohorts": labels,
        "periods": list(range(MONTHS)),
        "retention": retention,
        "sizes": [next((n for d, n in sizes.items() if _same_month(d, lab)), 0) for lab in labels],
    }


def _same_month(day, label: str) -> bool:
    return day is not None and f"{day.year}-{day.month:02d}" == label


def _valid_cohorts(summary) -> dict | None:
    data = (summary or {}).get("cohorts")
    if not isinstance(data, dict):
        return None
    labels, periods, matrix = data.get("cohorts"), data.get("periods"), data.get("retention")
    if not (isinstance(labels, list) and isinstance(periods, list) and isinstance(matrix, list)):
        return None
    if len(matrix) != len(labels) or not all(isinstance(row, list) for row in matrix):
        return None
    return data


def cohorts(user, run):
    summary = _valid_cohorts(run.summary) if sees_all(user) else None
    if summary is not None:
        source = _(
            "From the scoring run's summary over every customer: cohorts by month of first "
            "order, computed by the analytics engine."
        )
        data = summary
    else:
        source = _(
            "From the orders of the customers in your data scope: cohorts by month of first "
            "order (cancelled and refunded orders excluded), the last 12 months."
        )
        data = _cohorts_in_scope(user, run)
    labels, periods = [str(x) for x in data["cohorts"]], list(data["periods"])
    cells, rows = [], []
    for c, row in enumerate(data["retention"]):
        line = [labels[c]]
        for k, share in enumerate(row[: len(periods)]):
            if share is None:
                line.append("")
                continue
            pct = round(100 * float(share), 1)
            cells.append({"value": [k, c, pct]})
            line.append(pct)
        rows.append(line)
    return {
        "charts": [
            {
                "kind": "heatmap",
                "title": _("Customers still buying, share of the cohort") + " %",
                "x": [str(p) for p in periods],
                "y": labels,
                "xName": _("Months after the first order"),
                "yName": _("Cohort (month of first order)"),
                "valueName": "%",
                "percent": True,
                "data": cells,
            }
        ],
        "tables": [
            table(
                _("Retention, share of the cohort") + " %",
                [_("Cohort"), *(str(p) for p in periods)],
                rows,
                name="retention",
                decimals={k + 1: 1 for k in range(len(periods))},  # shares, per cent
            )
        ],
        "notes": [
            _(
                "The customer list cannot filter by the month of the first order, so the cells "
                "of this chart link nowhere."
            )
        ],
        "method": _(
            "A cohort is the customers whose first order fell in the same month; each cell is "
            "the share of the cohort who ordered in the k-th month after it."
        )
        + " "
        + str(source),
        "params": [],
    }


# CLV ------------------------------------------------------------------------------------------

# The fine bins the one-pass summary counts: 0, 1, 2, 5, 10, 20, 50, ... ¥ (1-2-5 steps, our
# own integer constants, compared exactly). The chart merges them into at most CLV_BARS bars
# over the range the data covers, so no bar is empty by construction (`clv_bars`).
CLV_EDGES = [0, *(m * 10**d for d in range(10) for m in (1, 2, 5))]
CLV_BARS = 10


def clv_bars(counts: dict[int, tuple[int, float]]) -> list[tuple[int, int | None, int, float]]:
    """[(low, high or None, customers, total CLV)] from the fine bins' {index: (n, sum)}:
    the bars run from the lowest to the highest non-empty fine bin, each bar holding whole
    fine bins and at least one customer (an empty fine bin joins the bar after it); more than
    CLV_BARS non-empty fine bins are merged by count quantiles (equal-count bars)."""
    filled = sorted(i for i, (n, _sum) in counts.items() if n)
    if not filled:
        return []
    total = sum(counts[i][0] for i in filled)
    bars = min(len(filled), CLV_BARS)
    groups: list[list[int]] = []
    seen = 0
    for i in filled:
        slot = min(bars - 1, seen * bars // total)
        if not groups or slot > len(groups) - 1:
            groups.append([])
        groups[-1].append(i)
        seen += counts[i][0]
    out = []
    low_index = filled[0]
    for group in groups:
        high_index = group[-1] + 1
        low = CLV_EDGES[low_index]
        high = CLV_EDGES[high_index] if high_index < len(CLV_EDGES) else None
        n = sum(counts[i][0] for i in group)
        value = sum(float(counts[i][1] or 0) for i in group)
        out.append((low, high, n, value))
        low_index = high_index
    return out


CLV_METHOD = gettext_lazy(
    "Predicted CLV is the discounted value of the purchases the BG/NBD model expects over "
    "the horizon, times the Gamma-Gamma model's expected order value and the profit margin; "
    "historical CLV is the net revenue to date. Every customer with at least one order has a "
    "prediction: for a customer with a single purchase the models have no gap between "
    "purchases to read, so the prediction rests on what is typical of all the buyers. "
    "Customers without orders have none and are left out. The bars split the range the "
    "predictions cover so that each holds customers."
)
CLV_REVENUE_NOTE = gettext_lazy(
    "Profit margin 100 %: the CLV shown is revenue, not profit as the textbook defines it; set "
    "the margin in the analysis settings."
)


def clv_method(run) -> str:
    margin = (run.params or {}).get("clv_margin", 1.0)
    text_ = str(CLV_METHOD)
    try:
        in_revenue = float(margin) >= 1
    except (TypeError, ValueError):
        in_revenue = True
    return f"{text_} {CLV_REVENUE_NOTE}" if in_revenue else text_


def clv(user, run):
    scores = scores_in_scope(user).filter(clv_predicted__isnull=False)
    fine = {
        row["bin"]: (row["n"], row["revenue"])
        for row in grouped(user, "clv_bin", "bin", total="clv_predicted")
    }
    categories, bars, rows = [], [], []
    for low, high, n, value in clv_bars(fine):
        name = f"{low:,}–{high:,}" if high is not None else f"≥ {low:,}"
        # clv_max is inclusive and CLV has two decimals: [low, high) exactly
        url = customers_url(clv_min=low, clv_max=f"{high - 0.01:.2f}" if high else None)
        categories.append(name)
        bars.append({"value": n, "url": url})
        rows.append([link(name, url), n, money(value)])
    top = scores.order_by("-clv_predicted", "pk").values(
        "customer_id",
        "customer__name",
        "customer__owner__profile__display_name",
        "customer__owner__username",
        "clv_predicted",
        "clv_historical",
        "p_alive",
        "abc_tier",
    )[:20]
    top = fetch(top)
    top_rows = [
        [
            link(t["customer__name"], reverse("customers:detail", args=[t["customer_id"]])),
            t["customer__owner__profile__display_name"] or t["customer__owner__username"] or "",
            money(t["clv_predicted"]),
            money(t["clv_historical"]),
            round(t["p_alive"], 3) if t["p_alive"] is not None else "",
            t["abc_tier"],
        ]
        for t in top
    ]
    return {
        "charts": [
            {
                "kind": "bar",
                "title": _("Customers by predicted CLV"),
                "categories": categories,
                "xName": _("Predicted CLV (¥)"),
                "xNameGap": x_name_gap(categories),
                "series": [{"name": str(_("Customers")), "data": bars}],
            }
        ],
        "tables": [
            table(
                _("Distribution"),
                [_("Predicted CLV (¥)"), _("Customers"), _("Total CLV")],
                rows,
                name="distribution",
                money=(2,),
            ),
            table(
                _("Top 20 customers by predicted CLV"),
                [
                    _("Customer"),
                    _("Owner"),
                    _("Predicted CLV"),
                    _("Historical CLV"),
                    _("P(alive)"),
                    _("ABC tier (by revenue)"),
                ],
                top_rows,
                name="top",
                money=(2, 3),
            ),
        ],
        "method": clv_method(run),
        "params": param_rows(run, ["clv_horizon_months", "clv_discount_rate", "clv_margin"]),
        "notes": [p_alive_note()],
        "model": (run.summary or {}).get("clv_model"),
    }


# Value x loyalty ------------------------------------------------------------------------------


def quadrants(user, run):
    # Bins: loyalty index in steps of 5, value on a log scale (two bins per factor e).
    binned = grouped(user, "quadrant_bin", "value_loyalty_quadrant", "lbin", "vbin")
    series: dict[str, list] = {code: [] for code in VALUE_LOYALTY_QUADRANTS}
    for row in binned:
        code = row["value_loyalty_quadrant"]
        lb, vb = int(row["lbin"] or 0), int(row["vbin"] or 0)
        series.setdefault(code, []).append(
            {
                "value": [
                    min(lb, 19) * 5 + 2.5,
                    round(math.exp((vb + 0.5) / 2) - 1, 0) or 1,
                    row["n"],
                ],
                "url": customers_url(value_loyalty_quadrant=code),
            }
        )
    totals = {
        row["value_loyalty_quadrant"]: row
        for row in grouped(user, "quadrant", "value_loyalty_quadrant", total="clv_historical")
    }
    rows = []
    for code in VALUE_LOYALTY_QUADRANTS:
        row = totals.get(code, {"n": 0, "revenue": 0})
        rows.append(
            [
                link(
                    text(VALUE_LOYALTY_QUADRANTS, code, "name"),
                    customers_url(value_loyalty_quadrant=code),
                ),
                row["n"],
                money(row["revenue"]),
                text(VALUE_LOYALTY_QUADRANTS, code, "strategy"),
            ]
        )
    return {
        "charts": [
            {
                "kind": "scatter",
                "title": _("Customers by loyalty index and value (binned)"),
                "xName": _("Loyalty index"),
                "yName": _("Historical CLV (¥, log scale)"),
                "valueName": _("customers"),
                "series": [
                    {"name": text(VALUE_LOYALTY_QUADRANTS, code, "name"), "data": points}
                    for code, points in series.items()
                    if points
                ],
            }
        ],
        "tables": [
            table(
                _("Quadrants"),
                [_("Quadrant"), _("Customers"), _("Revenue"), _("Strategy")],
                rows,
                name="quadrants",
                money=(2,),
            )
        ],
        "xlsx": [
            table(
                _("Bins"),
                [_("Quadrant"), _("Loyalty index"), _("Historical CLV (¥)"), _("Customers")],
                [
                    [name["name"], *p["value"]]
                    for code, points in series.items()
                    for name in [{"name": text(VALUE_LOYALTY_QUADRANTS, code, "name")}]
                    for p in points
                ],
                name="bins",
            )
        ],
        "method": _(
            "Each customer's loyalty index (0-100, weighted indicators of duration, spending and "
            "emotion) against their value (net revenue to date); the quadrant is the one the "
            "scoring run assigned (high or low value, high or low loyalty). Points are bins (loyalty in steps of 5, "
            "value on a log scale); a point's size is the number of customers in it."
        ),
        "params": param_rows(run, ["loyalty_weights", "high_loyalty"]),
        "notes": [str(LOYALTY_WEIGHTS_NOTE), p_alive_note()],
    }


# Loyalty ladder and lifecycle ----------------------------------------------------------------


def _funnel(user, field: str, table_, order: list[str], key: str | None, filter_name: str):
    counts = {row[field]: row for row in grouped(user, field, field)}
    data, rows = [], []
    for code in order:
        row = counts.get(code, {"n": 0, "revenue": 0})
        url = customers_url(**{filter_name: code})
        name = text(table_, code, key)
        data.append({"name": name, "value": row["n"], "url": url})
        rows.append([link(name, url), row["n"], money(row["revenue"])])
    return data, rows


def loyalty(user, run):
    data, rows = _funnel(
        user, "loyalty_step", LOYALTY_LADDER, list(LOYALTY_LADDER), None, "loyalty_step"
    )
    return {
        "charts": [
            {
                "kind": "funnel",
                "title": _("Customers on each step of the loyalty ladder"),
                "data": data,
            }
        ],
        "tables": [
            table(
                _("Ladder steps"),
                [_("Step"), _("Customers"), _("Revenue")],
                rows,
                name="steps",
                money=(2,),
            )
        ],
        "method": _(
            "The loyalty ladder: stranger, prospect, first purchase, repeat purchase, "
            "advocate. Stranger and prospect are customers without orders (prospect: with a "
            "recorded interaction); the other steps follow from their orders and loyalty "
            "index as the scoring run computed it."
        ),
        "params": param_rows(run, ["loyalty_weights", "high_loyalty"]),
        "notes": [str(LOYALTY_WEIGHTS_NOTE), str(NO_ORDER_NAMES_NOTE)],
    }


def lifecycle(user, run):
    data, rows = _funnel(
        user, "lifecycle_stage", LIFECYCLE_STAGES, list(LIFECYCLE_STAGES), "name", "lifecycle_stage"
    )
    for row, code in zip(rows, LIFECYCLE_STAGES, strict=True):
        row.append(text(LIFECYCLE_STAGES, code, "strategy"))
    status_data, status_rows = _funnel(
        user, "customer_status", CUSTOMER_STATUSES, list(CUSTOMER_STATUSES), None, "customer_status"
    )
    return {
        "charts": [
            {"kind": "funnel", "title": _("Customers per lifecycle stage"), "data": data},
            {
                "kind": "bar",
                "title": _("Potential, new and old customers"),
                "categories": [d["name"] for d in status_data],
                "series": [
                    {
                        "name": str(_("Customers")),
                        "data": [{"value": d["value"], "url": d["url"]} for d in status_data],
                    }
                ],
            },
        ],
        "tables": [
            table(
                _("Stages"),
                [_("Stage"), _("Customers"), _("Revenue"), _("Strategy")],
                rows,
                name="stages",
                money=(2,),
            ),
            table(
                _("Customer status"),
                [_("Status"), _("Customers"), _("Revenue")],
                status_rows,
                name="status",
                money=(2,),
            ),
        ],
        "method": _(
            "Stages from the orders: exploration (first purchase, no repeat yet), formation "
            "(repeat purchases, customer for less than the stability period), stability (longer), "
            "decline (no order for longer than the decline period)."
        ),
        "params": param_rows(
            run, ["stability_after_days", "decline_after_days", "new_within_days"]
        ),
    }


# Churn warnings -------------------------------------------------------------------------------

RISKS = ("high", "medium")
WARNING_IDS = 10000  # the at-risk customers kept in order per scope: 200 pages of 50
OWNERS_SHOWN = 15


def warning_list(user, risk: str):
    """The at-risk customers, most urgent recovery first (priority 1 = recover at all costs)."""
    return (
        scores_in_scope(user)
        .filter(churn_risk=risk)
        .select_related("customer", "customer__owner", "customer__owner__profile")
        .order_by(F("recovery_priority").asc(nulls_last=True), "-monetary", "pk")
    )


def warnings(user, run):
    by_owner: dict = {}
    for row in grouped(user, "risk_owner", "risk", "owner"):
        by_owner.setdefault(row["owner"], {risk: 0 for risk in RISKS})[row["risk"]] = row["n"]
    per_owner = sorted(
        by_owner.items(), key=lambda item: (-item[1]["high"], -item[1]["medium"], item[0] or 0)
    )[:OWNERS_SHOWN]
    counts = {row["churn_risk"]: row["n"] for row in grouped(user, "churn_risk", "churn_risk")}
    owners = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in=[owner for owner, _counts in per_owner if owner])
        .select_related("profile")
    }
    names, series = [], {risk: [] for risk in RISKS}
    for owner, row in per_owner:
        person = owners.get(owner)
        names.append(
            (person.profile.display_name or person.get_username())
            if person is not None
            else str(_("(no owner)"))
        )
        for risk in RISKS:
            # the customer list cannot filter unowned customers: their bar links nowhere
            # (an owner-less link would list everyone at that risk)
            link_to = {"url": customers_url(churn_risk=risk, owner=owner)} if owner else {}
            series[risk].append({"value": row[risk], **link_to})
    labels = {"high": _("High risk"), "medium": _("Medium risk")}
    return {
        "charts": [
            {
                "kind": "hbar",
                "stack": True,
                "title": _("Customers at risk per owner"),
                "categories": list(reversed(names)),
                "series": [
                    {"name": str(labels[risk]), "data": list(reversed(series[risk]))}
                    for risk in RISKS
                ],
            }
        ],
        "counts": {risk: counts.get(risk, 0) for risk in RISKS},
        "method": _(
            "Churn risk from the scoring run: with a purchase model, high below the P(alive) "
            "threshold and medium below 0.6; otherwise high for a repeat buyer three times "
            "overdue or in the least recent fifth, medium when 1.5 times overdue or in the "
            "second fifth. Most urgent first: the recovery priority comes from the customer's "
            "tier (A key, B ordinary, C small) and the kind of churn."
        ),
        "params": param_rows(run, ["churn_high_p_alive", "decline_after_days"]),
    }


class WarningPages:
    """The at-risk customers in order for a Paginator: the ids of the first WARNING_IDS come
    from one query cached per (run, scope, risk), so a page is a lookup of 50 primary keys;
    pages beyond them (rarely opened) query live."""

    def __init__(self, user, run, risk: str, count: int, *, refresh: bool = False):
        self.user, self.risk, self._count = user, risk, count
        generation = customer_set_generation()
        key = f"insights:v{CACHE_VERSION}:warn:{run.pk}:{generation}:{scope_key(user)}:{risk}"
        ids = None if refresh else cache.get(key)
        if ids is None:
            ids = list(warning_list(user, risk).values_list("customer_id", flat=True)[:WARNING_IDS])
            cache.set(key, ids, CACHE_SECONDS)
        self.ids = ids

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, part: slice) -> list:
        start, stop = part.start or 0, part.stop
        if stop is not None and stop <= len(self.ids):
            wanted = self.ids[start:stop]
            found = {
                s.pk: s
                for s in scores_in_scope(self.user)
                .filter(customer_id__in=wanted)
                .select_related("customer", "customer__owner", "customer__owner__profile")
            }
            return [found[pk] for pk in wanted if pk in found]
        return list(warning_list(self.user, self.risk)[part])


def warning_rows(page) -> list[dict]:
    rows = []
    for score in page:
        owner = score.customer.owner
        rows.append(
            {
                "customer": score.customer,
                "url": reverse("customers:detail", args=[score.customer_id]),
                "owner": (owner.profile.display_name or owner.get_username()) if owner else "",
                "reason": churn_reason_text(score),
                "action": text(RECOVERY_ACTIONS, score.recovery_action)
                if score.recovery_action
                else "",
                "priority": score.recovery_priority,
                "score": score,
            }
        )
    return rows


def warnings_xlsx_rows(user, risk: str, limit: int = 10000) -> list[list]:
    return [
        [
            row["customer"].name,
            row["owner"],
            row["reason"],
            row["action"],
            row["priority"] or "",
            money(row["score"].monetary),
            round(row["score"].p_alive, 3) if row["score"].p_alive is not None else "",
            row["score"].last_order_on.isoformat() if row["score"].last_order_on else "",
        ]
        for row in warning_rows(warning_list(user, risk)[:limit])
    ]


# Churn and revenue lost per month -------------------------------------------------------------


def _months(as_of: date) -> list[date]:
    last = _month_index(as_of)
    return [date(i // 12, i % 12 + 1, 1) for i in range(last - MONTHS + 1, last + 1)]


def _aware(day: date):
    from datetime import datetime, time

    return timezone.make_aware(datetime.combine(day, time.min))


CHURN_TWO_MEASURES_NOTE = gettext_lazy(
    'Which churn is which: "marked lost by reps" counts only the customers someone marked '
    'lost on their page, so it is low; "stopped buying" counts every customer who bought in '
    "the month before and not in the month, whether or not anyone marked them. Read the "
    "company's churn from the second."
)


def _months_after(day: date, n: int) -> date:
    i = _month_index(day) + n
    return date(i // 12, i % 12 + 1, 1)


def churn(user, run):
    # Losses are recorded live (not by the run): the months up to today.
    months = _months(max(run.as_of or timezone.localdate(), timezone.localdate()))
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    customers = visible_customers(user)
    start = _aware(months[0])
    lost = (
        customers.filter(lost_at__gte=start)
        .annotate(month=TruncMonth("lost_at"))
        .values("month", "lost_reason")
        .annotate(n=Count("pk"), revenue=Sum("score__monetary"))
    )
    by_reason: dict[str, dict[str, dict]] = {}
    for row in fetch(lost):
        month = row["month"]
        label = f"{month.year}-{month.month:02d}"
        by_reason.setdefault(row["lost_reason"] or "", {})[label] = row
    # Customers at the start of each month: created before it and not lost before it (one pass).
    counts = {
        f"m{i}": Count(
            "pk",
            filter=Q(created_at__lt=_aware(m))
            & (Q(lost_at__isnull=True) | Q(lost_at__gte=_aware(m))),
        )
        for i, m in enumerate(months)
    }
    base = memo(f"{customers.query}|{labels}", lambda: customers.aggregate(**counts))
    reasons = [code for code in LostReason.values if code in by_reason]
    if "" in by_reason:
        reasons.append("")
    reason_name = dict(LostReason.choices)
    # each month's bar links to the customers marked lost in that month (inclusive dates)
    spans = [(m, _months_after(m, 1) - timedelta(days=1)) for m in months]
    count_series, revenue_series, rows = [], [], []
    totals = [0] * MONTHS
    for code in reasons:
        name = str(reason_name.get(code, _("(no reason)")))
        urls = [
            customers_url(lost=1, lost_reason=code, lost_from=first, lost_to=last)
            for first, last in spans
        ]
        counts = [by_reason[code].get(label, {}).get("n", 0) for label in labels]
        revenue = [money(by_reason[code].get(label, {}).get("revenue")) for label in labels]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        count_series.append(
            {
                "name": name,
                "data": [{"value": n, "url": u} for n, u in zip(counts, urls, strict=True)],
            }
        )
        revenue_series.append(
            {
                "name": name,
                "data": [{"value": v, "url": u} for v, u in zip(revenue, urls, strict=True)],
            }
        )
        for label, n, v, u in zip(labels, counts, revenue, urls, strict=True):
            if n:
                rows.append([label, link(name, u), n, v])
    rate = [
        round(100 * totals[i] / base[f"m{i}"], 2) if base[f"m{i}"] else 0 for i in range(MONTHS)
    ]
    marked_rate_name = str(_("Marked lost by reps, share of customers")) + " %"
    charts = [
        {
            "kind": "bar",
            "stack": True,
            "title": _("Customers marked lost by reps per month, by reason"),
            "categories": labels,
            "series": count_series,
            "line": {"name": marked_rate_name, "data": rate},
        },
        {
            "kind": "bar",
            "stack": True,
            "title": _("Revenue of the customers marked lost, per month and reason (¥)"),
            "categories": labels,
            "series": revenue_series,
        },
    ]
    notes = [str(CHURN_TWO_MEASURES_NOTE)]
    lapsed = (run.summary or {}).get("churn_by_month")
    stopped = {}
    if sees_all(user) and isinstance(lapsed, list) and lapsed:
        lapsed = [r for r in lapsed if isinstance(r, dict) and "month" in r][-MONTHS * 2 :]
        stopped = {str(r["month"]): r for r in lapsed}
        charts.append(
            {
                "kind": "bar",
                "title": _("Customers who stopped buying, per month (analytics engine)"),
                "categories": [str(r["month"]) for r in lapsed],
                "series": [
                    {
                        "name": str(_("Stopped buying")),
                        "data": [{"value": r.get("lost", 0)} for r in lapsed],
                    },
                ],
                "line": {
                    "name": str(_("Revenue lost (¥)")),
                    "data": [money(r.get("revenue_lost")) for r in lapsed],
                    "money": True,
                },
            }
        )
        notes.append(
            _(
                "The last chart is the scoring run's count of the customers who stopped buying, "
                "whether or not anyone marked them lost; the customer list has no filter by the "
                "month a customer stopped buying, so its bars link nowhere."
            )
        )
    else:
        notes.append(
            _(
                "The count of customers who stopped buying is computed by the scoring run over "
                "every customer, so it is shown only to users who see every customer."
            )
        )
    rate_headers = [
        _("Month"),
        _("Customers at the start"),
        _("Marked lost by reps"),
        _("Marked lost by reps, share of customers") + " %",
    ]
    rate_rows = [[labels[i], base[f"m{i}"], totals[i], rate[i]] for i in range(MONTHS)]
    if stopped:
        rate_headers += [
            _("Buyers of the month before"),
            _("Stopped buying"),
            _("Stopped buying, share of the month before's buyers") + " %",
        ]
        for row, label in zip(rate_rows, labels, strict=True):
            r = stopped.get(label, {})
            start, gone = r.get("start"), r.get("lost", 0)
            row += [
                "" if start is None else start,
                gone,
                round(100 * gone / start, 2) if start else "",
            ]
    return {
        "charts": charts,
        "tables": [
            table(
                _("Customers marked lost by reps"),
                [_("Month"), _("Reason"), _("Customers"), _("Revenue lost (¥)")],
                rows,
                name="lost",
                money=(3,),
            ),
            table(_("Churn rate"), rate_headers, rate_rows, name="rate"),
        ],
        "notes": notes,
        "method": _(
            "Two measures of churn, per month. Marked lost by reps: the customers a rep marked "
            "lost in the month (their lost date and the reason picked, the textbook's ten "
            "reasons); its rate = customers marked lost in the month / customers at its start "
            "(created before it and not marked lost before it); revenue lost = their net revenue "
            "to date. Stopped buying: the customers who bought in the month before and nothing "
            "in the month (the scoring run's cohort table); its rate = those customers / the "
            "buyers of the month before."
        ),
        "params": [(str(_("Months")), str(MONTHS))],
    }


# Satisfaction indicators (DOMAIN.md §5) ------------------------------------------------------


def _month_label(moment) -> str:
    return f"{moment.year}-{moment.month:02d}"


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def satisfaction(user, run):
    """The textbook's satisfaction indicators per month, over the user's scope: NPS and
    reputation (美誉度) from the surveys' likelihood-to-recommend answers, the mean rating of
    the satisfaction questions and of the cases' follow-up checks, repeat rate (回头率) and
    sales power (销售力) from the orders, complaint rate (抱怨率) from the cases."""
    from django.db.models import Avg, Case, DateField, Value, When
    from django.db.models.functions import Cast

    from guanxi.accounts.scope import survey_records, visible_cases
    from guanxi.analytics.satisfaction import nps
    from guanxi.sales.models import NET_TOTAL
    from guanxi.service.implicit import implicit_candidates
    from guanxi.service.models import Case as ServiceCase
    from guanxi.surveys.models import Answer, QuestionKind

    months = _months(max(run.as_of or timezone.localdate(), timezone.localdate()))
    labels = [f"{m.year}-{m.month:02d}" for m in months]
    start = _aware(months[0])

    # NPS: 0-10 answers, promoters 9-10, detractors 0-6 (Reichheld 2003)
    answers = survey_records(user, Answer.objects.all()).filter(
        response__submitted_at__gte=start, value__isnull=False
    )
    nps_rows: dict[str, list[int]] = {}
    for row in fetch(
        answers.filter(question__kind=QuestionKind.NPS)
        .annotate(month=TruncMonth("response__submitted_at"))
        .values("month", "value")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        nps_rows.setdefault(_month_label(row["month"]), []).extend([row["value"]] * row["n"])
    ratings = {
        _month_label(row["month"]): row["mean"]
        for row in fetch(
            answers.filter(question__kind=QuestionKind.RATING)
            .annotate(month=TruncMonth("response__submitted_at"))
            .values("month")
            .annotate(mean=Avg("value"))
            .order_by()
        )
    }
    cases = visible_cases(user, ServiceCase.objects.all())
    follow_up = {
        _month_label(row["month"]): row["mean"]
        for row in fetch(
            cases.filter(followed_up_at__gte=start, satisfaction_score__isnull=False)
            .annotate(month=TruncMonth("followed_up_at"))
            .values("month")
            .annotate(mean=Avg("satisfaction_score"))
            .order_by()
        )
    }
    complained = {
        _month_label(row["month"]): row["people"]
        for row in fetch(
            cases.filter(opened_at__gte=start)
            .annotate(month=TruncMonth("opened_at"))
            .values("month")
            .annotate(people=Count("customer_id", distinct=True))
            .order_by()
        )
    }
    # Buyers per month, returning (first purchase before the month, from the scores) or new
    orders = (
        Order.objects.purchases()
        .filter(customer__in=visible_customers(user), ordered_at__gte=start)
        .annotate(month=Cast(TruncMonth("ordered_at"), DateField()))
        .annotate(
            returning=Case(
                When(customer__score__first_order_on__lt=F("month"), then=Value(1)),
                default=Value(0),
            )
        )
        .values("month", "returning")
        .annotate(buyers=Count("customer_id", distinct=True), revenue=Sum(NET_TOTAL))
        .order_by()
    )
    buyers: dict[str, dict[int, tuple[int, float]]] = {}
    for row in memo(f"satisfaction-orders|{orders.query}", lambda: fetch(orders)):
        buyers.setdefault(_month_label(row["month"]), {})[row["returning"]] = (
            row["buyers"],
            money(row["revenue"]),
        )
    in_scope = memo(
        f"satisfaction-scope|{visible_customers(user).query}",
        lambda: visible_customers(user).filter(merged_into__isnull=True).count(),
    )

    rows, nps_line, promoters, passives, detractors = [], [], [], [], []
    repeat_line, complaint_line, rating_bars, follow_up_line = [], [], [], []
    for label in labels:
        values = nps_rows.get(label, [])
        result = nps(values) if values else None
        promoters.append(result.promoters if result else 0)
        passives.append(result.passives if result else 0)
        detractors.append(result.detractors if result else 0)
        score = round(result.nps, 1) if result else None
        nps_line.append(score)
        reputation = _percent(result.promoters, result.respondents) if result else None
        month = buyers.get(label, {})
        old, new = month.get(1, (0, 0.0)), month.get(0, (0, 0.0))
        repeat = _percent(old[0], old[0] + new[0])
        power = _percent(old[1], old[1] + new[1])
        complaint = _percent(complained.get(label, 0), in_scope)
        rating = round(ratings[label], 2) if ratings.get(label) is not None else None
        check = round(follow_up[label], 2) if follow_up.get(label) is not None else None
        repeat_line.append(repeat)
        complaint_line.append(complaint)
        rating_bars.append(rating)
        follow_up_line.append(check)
        rows.append(
            [
                label,
                len(values),
                "" if score is None else score,
                "" if reputation is None else reputation,
                "" if rating is None else rating,
                "" if check is None else check,
                old[0] + new[0],
                "" if repeat is None else repeat,
                "" if power is None else power,
                complained.get(label, 0),
                "" if complaint is None else complaint,
            ]
        )
    charts = [
        {
            "kind": "bar",
            "stack": True,
            "title": _("Likelihood to recommend per month: promoters, passives, detractors"),
            "categories": labels,
            "series": [
                {"name": str(_("Promoters (9–10)")), "data": promoters},
                {"name": str(_("Passives (7–8)")), "data": passives},
                {"name": str(_("Detractors (0–6)")), "data": detractors},
            ],
            "line": {"name": "NPS", "data": nps_line},
        },
        {
            "kind": "bar",
            "title": _("Repeat rate and complaint rate per month (per cent)"),
            "categories": labels,
            "series": [
                {
                    "name": str(_("Repeat rate: returning buyers, share of buyers")),
                    "data": repeat_line,
                }
            ],
            "line": {
                "name": str(_("Complaint rate: customers who complained per 100 customers")),
                "data": complaint_line,
            },
        },
        {
            "kind": "bar",
            "title": _("Mean satisfaction per month (1–5)"),
            "categories": labels,
            "series": [{"name": str(_("Survey ratings")), "data": rating_bars}],
            "line": {"name": str(_("Follow-up checks of resolved cases")), "data": follow_up_line},
        },
    ]
    silent = implicit_candidates(user).count()
    notes = [
        _(
            "Awareness (知名度), the share of the market that knows the company, is not measured "
            "here: it needs a market survey of people who are not yet customers."
        ),
        _(
            "Only about one dissatisfied customer in twenty complains. %(n)s good customers of "
            "your scope are buying much less without having complained: see the silent "
            "dissatisfaction list."
        )
        % {"n": silent},
    ]
    return {
        "charts": charts,
        "tables": [
            table(
                _("Satisfaction indicators per month"),
                [
                    _("Month"),
                    _("NPS answers"),
                    "NPS",
                    _("Reputation (promoters, share of answers)") + " %",
                    _("Mean survey rating (1–5)"),
                    _("Mean follow-up satisfaction (1–5)"),
                    _("Buyers"),
                    _("Repeat rate") + " %",
                    _("Sales power (returning buyers' share of revenue)") + " %",
                    _("Customers who complained"),
                    _("Complaint rate (per 100 customers)"),
                ],
                rows,
                name="indicators",
                # NPS and the complaint rate are per cent too; the mean ratings two decimals
                decimals={2: 1, 4: 2, 5: 2, 10: 1},
            )
        ],
        "notes": notes,
        "links": [(str(_("Silent dissatisfaction")), reverse("cases:implicit"))],
        "method": _(
            "Per month over the customers you see. NPS = promoters share − detractors share of "
            "the answers to likelihood-to-recommend questions (0–10; promoters 9–10, detractors "
            "0–6); reputation (美誉度) = promoters / answers. Mean rating: the 1–5 satisfaction "
            "questions of every survey; follow-up: the satisfaction recorded when a resolved "
            "case is checked. Repeat rate (回头率) = buyers of the month whose first purchase "
            "was in an earlier month / buyers of the month (first purchases as of the latest "
            "scoring run); sales power (销售力) = those returning buyers' share of the month's "
            "net revenue. Complaint rate (抱怨率) = customers with a case opened in the month "
            "per 100 customers of your scope."
        ),
        "params": [(str(_("Months")), str(MONTHS))],
    }


BUILDERS = {
    "rfm": rfm,
    "abc": abc,
    "pyramid": pyramid,
    "cohorts": cohorts,
    "clv": clv,
    "quadrants": quadrants,
    "loyalty": loyalty,
    "lifecycle": lifecycle,
    "warnings": warnings,
    "churn": churn,
    "satisfaction": satisfaction,
}


# Precomputing ------------------------------------------------------------------------------


def users_to_warm():
    """Who waits longest on a cold cache: active users whose scope is wider than their own
    customers, seen in the last 30 days."""
    from guanxi.accounts.models import DataScope

    since = timezone.now() - timedelta(days=30)
    return (
        get_user_model()
        .objects.filter(is_active=True, last_login__gte=since)
        .exclude(profile__data_scope=DataScope.SELF)
        .select_related("profile")
        .order_by("pk")
    )


def users_in_use():
    """Everyone whose dashboards are worth having ready after a run: active users seen in the
    last 30 days, the wider scopes first (they wait longest on a cold cache), then the reps."""
    since = timezone.now() - timedelta(days=30)
    users = get_user_model().objects.filter(is_active=True, last_login__gte=since)
    wider = list(users_to_warm())
    return [*wider, *users.exclude(pk__in=[u.pk for u in wider]).order_by("pk")]


def warm(users=None, run: ScoringRun | None = None) -> int:
    """Compute every dashboard of the latest run (or `run`, unless a newer one succeeded since)
    for each distinct scope of `users` (default: users_to_warm), in both languages, and refresh
    their cache entries. Returns the number of scopes warmed. Run by the worker every 10
    minutes (tasks.py), after every succeeded scoring run (for users_in_use) and by
    bench_dashboards."""
    latest = latest_run()
    if latest is None or (run is not None and run.pk != latest.pk):
        return 0
    run = latest
    seen = set()
    for user in users_to_warm() if users is None else users:
        key = scope_key(user)
        if key in seen:
            continue
        seen.add(key)
        token = _REFRESHED.set(set())  # one pass per scope: every query once
        try:
            for index, language in enumerate(("zh-hans", "en")):
                with translation.override(language):
                    for theme in THEMES:
                        # The first language queries afresh; the second reuses its rows.
                        board = dashboard(user, theme, run, refresh=True)
                        if theme == "warnings" and index == 0:
                            for risk in RISKS:
                                WarningPages(user, run, risk, 0, refresh=True)
                        del board
        finally:
            _REFRESHED.reset(token)
    return len(seen)
