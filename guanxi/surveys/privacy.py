"""A customer's rights reach the surveys (guanxi.privacy sits below this app and cannot know
them): registered in apps.py.

- Erasure (services_common.customer_erased, sent by privacy's erase_customer before it scrubs
  the trail): the customer's unanswered invitations are cancelled — each gets the hash of a new
  token nobody ever sees, so the old link answers 404 and takes no answers (invitation_for_token
  also refuses any link of an erased customer) — and the free text of its answers is blanked.
  The numeric answers stay (ratings, NPS, gaps, KANO pairs, touchpoints named from the
  question's own list, value parts): they hold nothing of the person. Each change is audited as
  an erasure by the erasing user; the scrub then removes the old values from those entries.
- Subject-access export: the invitations and every answer given, as sections of
  export_personal_data.
"""

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry


def customer_erased(sender, actor, customer, **kwargs):
    from .models import Answer, Invitation
    from .services import new_token, token_hash

    open_invitations = list(
        Invitation.objects.select_for_update()
        .filter(customer_id=customer.pk, answered_at__isnull=True)
        .only("id", "customer_id")
    )
    if open_invitations:
        audit.record_many(
            actor,
            AuditEntry.Action.ERASE,
            open_invitations,
            changes={"link": [None, "cancelled"]},
        )
        for invitation in open_invitations:
            Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(new_token()))
    texts = list(
        Answer.objects.filter(response__customer_id=customer.pk).exclude(text="").only("id")
    )
    if texts:
        audit.record_many(
            actor,
            AuditEntry.Action.ERASE,
            texts,
            customer_id=customer.pk,
            changes={"text": [None, ""]},
        )
        Answer.objects.filter(pk__in=[a.pk for a in texts]).update(text="")


def _iso(value):
    return value.isoformat() if value is not None else None


def invitations_of(customer) -> list[dict]:
    """The survey invitations sent to the customer (the links themselves are never stored)."""
    from .models import Invitation

    return [
        {
            "survey": invitation.survey.title,
            "sent_at": _iso(invitation.sent_at),
            "answered_at": _iso(invitation.answered_at),
        }
        for invitation in Invitation.objects.filter(customer_id=customer.pk)
        .select_related("survey")
        .order_by("sent_at", "id")
    ]


def answers_of(customer) -> list[dict]:
    """Every answer the customer gave, with its survey and question."""
    from .models import Answer

    return [
        {
            "survey": answer.response.survey.title,
            "submitted_at": _iso(answer.response.submitted_at),
            "question": answer.question.text,
            "kind": answer.question.kind,
            "value": answer.value,
            "value2": answer.value2,
            "choice": answer.choice,
            "text": answer.text,
            "parts": answer.parts,
        }
        for answer in Answer.objects.filter(response__customer_id=customer.pk)
        .select_related("response__survey", "question")
        .order_by("response__submitted_at", "response_id", "question__order")
    ]
