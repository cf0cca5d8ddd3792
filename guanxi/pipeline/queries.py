"""The board's reads: each column's newest cards, its count and its totals per currency.

A column's header adds up what its cards show: an open opportunity's accepted contracts'
total where it has one (services.accepted_deals, the "Contracted" figure) and its estimate
otherwise, each in its own currency ("¥397,000.00 + USD 1,146.60"), never one currency's sign
over several. A column that shows all its cards (the usual board) is added up from those
cards, no query more; a longer one ("and N more") from the cached sums of its estimates with
the accepted contracts of all its opportunities put in place of theirs.
"""

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Sum

from guanxi.formats.money import DEFAULT_CURRENCY
from guanxi.services_common import customer_set_generation

from . import services, signals

# The columns' counts and totals: kept until an opportunity, an accepted contract or the
# customer set changes (bench/bench_board.py: ~350-850 ms at 200,000 opportunities, a scan
# joined to the scope's customers; every such write moves the generation, see signals.py).
TOTALS_SECONDS = 300


def _currency(code: str | None) -> str:
    return (code or DEFAULT_CURRENCY).strip().upper()


def _cache_key(kind: str, query) -> str:
    # the query's SQL carries the caller's scope and filters
    found = f"{signals.generation()}|{customer_set_generation()}|{query}"
    return f"pipeline:{kind}:" + hashlib.sha256(found.encode()).hexdigest()


def money_totals(figures) -> list[dict]:
    """(amount, currency) pairs added up per currency: [{"amount", "currency"}], the yuan
    first, then by code; amounts of None are left out, and so are sums of zero."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in figures:
        if amount is not None:
            sums[_currency(currency)] += amount
    order = sorted(sums, key=lambda code: (code != DEFAULT_CURRENCY, code))
    return [{"amount": sums[code], "currency": code} for code in order if sums[code]]


def card_figure(opportunity) -> tuple:
    """What a card shows (and its column adds up): the contracted total, else the estimate."""
    deal = getattr(opportunity, "deal", None)
    if deal:
        return deal["amount"], deal["currency"]
    return opportunity.amount, opportunity.currency


def column_estimates(open_qs) -> dict:
    """{stage id: {"n": count, "estimates": {currency: sum}}} of the board's open
    opportunities, cached per query and generation."""
    key = _cache_key("totals", open_qs.query)
    found = cache.get(key)
    if found is None:
        grouped = (
            open_qs.values("stage_id", "currency")
            .annotate(n=Count("id"), total=Sum("amount"))
            .order_by()
        )
        found = {}
        for row in grouped:
            column = found.setdefault(row["stage_id"], {"n": 0, "estimates": defaultdict(Decimal)})
            column["n"] += row["n"]
            if row["total"] is not None:
                column["estimates"][_currency(row["currency"])] += row["total"]
        found = {pk: {**c, "estimates": dict(c["estimates"])} for pk, c in found.items()}
        cache.set(key, found, TOTALS_SECONDS)
    return found


def contracted_in(open_qs, stage_ids) -> dict:
    """{stage id: [(estimate, its currency, contracted, its currency)]} for every open
    opportunity of those stages with accepted contracts, cached like column_estimates (an
    accepted contract's change moves the generation too, apps.py). Only the columns longer
    than their cards need it: the others add up their cards."""
    within = open_qs.filter(stage_id__in=sorted(stage_ids))
    key = _cache_key("contracted", within.query)
    found = cache.get(key)
    if found is None:
        deals = services.accepted_deals(within.values("id"))
        found = defaultdict(list)
        if deals:
            rows = within.filter(pk__in=list(deals)).values_list(
                "pk", "stage_id", "amount", "currency"
            )
            for pk, stage_id, amount, currency in rows:
                deal = deals[pk]
                found[stage_id].append((amount, currency, deal["amount"], deal["currency"]))
        found = dict(found)
        cache.set(key, found, TOTALS_SECONDS)
    return found


def _long_column_totals(estimates: dict, contracted: list) -> list[dict]:
    figures = [(amount, currency) for currency, amount in estimates.items()]
    for amount, currency, deal_amount, deal_currency in contracted:
        if amount is not None:
            figures.append((-amount, currency))
        figures.append((deal_amount, deal_currency))
    return money_totals(figures)


def board_columns(stages, open_qs, cards_per_stage: int) -> list[dict]:
    """The board's columns: {"stage", "cards" (each with its `deal`), "count", "totals"
    (money_totals), "more"}."""
    counted = column_estimates(open_qs)
    columns = []
    for stage in stages:
        cards = list(open_qs.filter(stage=stage).order_by("-updated_at", "-id")[:cards_per_stage])
        n = counted.get(stage.pk, {}).get("n", 0)
        columns.append({"stage": stage, "cards": cards, "count": n, "more": max(n - len(cards), 0)})
    cards = [card for column in columns for card in column["cards"]]
    deals = services.accepted_deals(o.pk for o in cards)
    for o in cards:
        o.deal = deals.get(o.pk)
    long = {column["stage"].pk for column in columns if column["more"]}
    contracted = contracted_in(open_qs, long) if long else {}
    for column in columns:
        pk = column["stage"].pk
        if pk in long:
            estimates = counted.get(pk, {}).get("estimates", {})
            column["totals"] = _long_column_totals(estimates, contracted.get(pk, []))
        else:
            column["totals"] = money_totals(card_figure(o) for o in column["cards"])
    return columns
