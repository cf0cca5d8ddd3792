"""Receivers of the sales hand-offs (guanxi.services_common): the leads app converts a lead
(open its opportunity here), the pool and transfer move customers (their open opportunities
follow when asked)."""

from . import services


def lead_converted(sender, actor, lead, customer, contact=None, opportunity=None, **kwargs):
    if opportunity:
        services.open_for_converted_lead(actor, customer, contact, opportunity)


def customers_transferred(
    sender, actor, customer_ids, to_user, from_user=None, move=frozenset(), **kwargs
):
    if "opportunities" in (move or ()):
        services.move_open_opportunities(actor, customer_ids, to_user)
