"""A customer's rights reach the coding workspace (guanxi.privacy sits below this app and
cannot know it): registered in apps.py.

- Erasure (services_common.customer_erased): every source copied from the customer's
  complaints, reviews or notes loses its text and title, and its fragments their quotes; the
  codes and their counts stay (the analysis keeps its shape, not the words). Audited by the
  erasing user.
- Subject-access export: those sources, as the "coding_documents" section.
"""

from django.utils import timezone

from guanxi.audit import services as audit
from guanxi.audit.models import AuditEntry

ERASED_TEXT = "—"


def customer_erased(sender, actor, customer, **kwargs):
    from .models import CodedFragment, SourceDocument

    documents = list(SourceDocument.objects.filter(customer_id=customer.pk))
    if not documents:
        return
    fragments = list(CodedFragment.objects.filter(document__in=documents))
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        documents,
        changes={"text": [None, ERASED_TEXT], "title": [None, ERASED_TEXT]},
        customer_id=customer.pk,
    )
    audit.record_many(
        actor,
        AuditEntry.Action.ERASE,
        fragments,
        changes={"quote": [None, ERASED_TEXT]},
        customer_id=customer.pk,
    )
    CodedFragment.objects.filter(pk__in=[f.pk for f in fragments]).update(quote=ERASED_TEXT)
    SourceDocument.objects.filter(pk__in=[d.pk for d in documents]).update(
        text=ERASED_TEXT, title=ERASED_TEXT, erased_at=timezone.now()
    )


def personal_data(customer) -> list[dict]:
    """The sources copied from the customer's records, with their project and quotes."""
    from .models import SourceDocument

    return [
        {
            "project": document.project.title,
            "kind": document.kind,
            "origin_id": document.origin_id,
            "title": document.title,
            "text": document.text,
            "fragments": [f.quote for f in document.fragments.all()],
        }
        for document in SourceDocument.objects.filter(customer_id=customer.pk)
        .select_related("project")
        .prefetch_related("fragments")
        .order_by("pk")
    ]
