"""Receivers that keep each customer's return date current (see rules.py): a follow-up by the
owner restarts the follow-up clock; a change of owner (transfer, claim, assignment) starts both
clocks again. Each is a few indexed statements on that customer, never a scan."""

from django.db.models import Q

from guanxi.customers.models import Customer

from .rules import home_pool, recompute_customers


def customer_added(sender, instance, created, raw=False, **kwargs):
    """A customer made with an owner (a page, the API) joins its team's pool at once, with
    its return date: a review's new customer showed no return date and no Lock or Release
    until the nightly run assigned it a pool. (Imports write in bulk, without this signal:
    their customers get a pool at the next run, or from "Run now".)"""
    if not created or raw or instance.owner_id is None or instance.pool_id is not None:
        return
    pool = home_pool(instance.department_id)
    if pool is None:
        return
    Customer.objects.filter(pk=instance.pk, pool__isnull=True).update(pool=pool)
    recompute_customers([instance.pk])  # the clock runs from its creation, as the run's would


def follow_up_recorded(sender, instance, created, raw=False, **kwargs):
    """A new interaction recorded by the customer's owner: their last follow-up moves to it
    (never back: an interaction entered late for an older date keeps the later one)."""
    if not created or raw or instance.user_id is None:
        return
    moved = (
        Customer.objects.filter(pk=instance.customer_id, owner_id=instance.user_id)
        .filter(Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=instance.occurred_at))
        .update(last_follow_up_at=instance.occurred_at)
    )
    if moved:
        recompute_customers([instance.customer_id])


def customers_changed_owner(sender, customer_ids, **kwargs):
    recompute_customers(customer_ids)
