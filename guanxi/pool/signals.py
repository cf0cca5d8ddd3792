"""Receivers that keep each customer's return date current (see rules.py): a follow-up by the
owner restarts the follow-up clock; a change of owner (transfer, claim, assignment) starts both
clocks again. Each is a few indexed statements on that customer, never a scan."""

from django.db.models import Q

from guanxi.customers.models import Customer

from .rules import recompute_customers


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
