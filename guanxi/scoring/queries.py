"""Reads of the scoring for a user: what the scoring page may show of the current scores.

A run scores the whole company; who does not see every customer is shown only the counts of
their own data scope (`guanxi.accounts.scope.visible_customers`), never the company's.
"""

from django.core.cache import cache

from guanxi.accounts.scope import sees_all, visible_customers
from guanxi.services_common import customer_set_generation

from .models import CustomerScore, ScoringRun

SCOPED_COUNT_SECONDS = 900  # the page polls every 3 s while a run goes on: count once


def scored_in_scope(user, run: ScoringRun) -> int:
    """How many customers of the user's scope have the current scores (those of `run`, the
    latest succeeded run): the company's total for who sees every customer, else a count
    cached per run, customer set and user."""
    if sees_all(user):
        return run.customers
    key = f"scoring:scored-in-scope:{run.pk}:{customer_set_generation()}:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = CustomerScore.objects.filter(customer__in=visible_customers(user)).count()
        cache.set(key, count, SCOPED_COUNT_SECONDS)
    return count
