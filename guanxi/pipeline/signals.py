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


# Erasure and the subject-access export (guanxi.privacy sits below this app) -------------------

ERASED = "—"


def customer_erased(sender, actor, customer, **kwargs):
    """An erased customer's opportunities lose what was written about the people (SPIN notes,
    questions and answers, objections and responses, the negotiation plan, TAP and the lost
    note); amounts, stages and dates stay for the sales figures. Each record's erasure is in
    the trail."""
    from django.db.models import F

    from guanxi.audit import services as audit
    from guanxi.audit.models import AuditEntry

    from .models import AskedQuestion, NegotiationPlan, Objection, Opportunity, SpinNote

    opportunities = list(
        Opportunity.objects.filter(customer_id=customer.pk).only("id", "customer_id")
    )
    if not opportunities:
        return
    ids = [o.pk for o in opportunities]
    erase = [
        (
            Opportunity,
            {"pk__in": ids},
            {
                "name": ERASED,
                "lost_note": "",
                "meeting_time": "",
                "meeting_agenda": "",
                "meeting_purpose": "",
            },
        ),
        (
            SpinNote,
            {"opportunity_id__in": ids},
            {"situation": ERASED, "problem": "", "implication": "", "need_payoff": ""},
        ),
        (AskedQuestion, {"opportunity_id__in": ids}, {"question": ERASED, "answer": ""}),
        (Objection, {"opportunity_id__in": ids}, {"statement": ERASED, "response": ""}),
        (
            NegotiationPlan,
            {"opportunity_id__in": ids},
            {"interests": "", "criteria": "", "options": "", "batna": ""},
        ),
    ]
    for model, where, blank in erase:
        found = list(model.objects.filter(**where))
        if not found:
            continue
        audit.record_many(
            actor,
            AuditEntry.Action.ERASE,
            found,
            changes={field: [None, value] for field, value in blank.items()},
            customer_id=customer.pk,
        )
        updates = dict(blank)
        if any(f.name == "version" for f in model._meta.fields):
            updates["version"] = F("version") + 1
        model.objects.filter(**where).update(**updates)


def personal_data(customer) -> list[dict]:
    """The customer's opportunities for its subject-access export, with what was noted."""
    from .models import Opportunity

    found = []
    for o in (
        Opportunity.objects.filter(customer_id=customer.pk)
        .prefetch_related("spin_notes", "questions", "objections")
        .order_by("created_at", "id")
    ):
        found.append(
            {
                "id": o.pk,
                "name": o.name,
                "amount": str(o.amount) if o.amount is not None else None,
                "currency": o.currency,
                "status": o.status,
                "created_at": o.created_at.isoformat(),
                "spin_notes": [
                    {
                        k: getattr(n, k)
                        for k in ("situation", "problem", "implication", "need_payoff")
                    }
                    for n in o.spin_notes.all()
                ],
                "questions": [
                    {"question": q.question, "answer": q.answer} for q in o.questions.all()
                ],
                "objections": [
                    {"kind": x.kind, "statement": x.statement, "response": x.response}
                    for x in o.objections.all()
                ],
            }
        )
    return found


# The board's cached column totals (queries.column_estimates) --------------------------------

_GENERATION = "pipeline:generation"


def generation() -> int:
    from django.core.cache import cache

    return cache.get(_GENERATION, 0)


def opportunity_changed(sender, **kwargs) -> None:
    """Any saved or deleted opportunity (a move, a win, a transfer...) or contract (approved,
    cancelled...) moves the generation, so no board shows counts or totals older than the
    change."""
    import time

    from django.core.cache import cache

    cache.set(_GENERATION, time.time_ns(), None)
