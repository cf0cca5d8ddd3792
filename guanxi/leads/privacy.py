"""A customer's rights reach the leads it came from (guanxi.privacy sits below this app):
registered in apps.py.

- Erasure (services_common.customer_erased): the leads converted into the customer lose their
  personal data (services.scrub, audited by the erasing user).
- Subject-access export: those leads, as the "leads" section of export_personal_data.
"""

from .models import Lead


def customer_erased(sender, actor, customer, **kwargs):
    from .services import scrub

    scrub(
        actor, list(Lead.objects.filter(converted_customer_id=customer.pk, erased_at__isnull=True))
    )


def personal_data(customer) -> list[dict]:
    return [
        {
            "name": lead.name,
            "company": lead.company,
            "title": lead.title,
            "mobile": lead.mobile,
            "email": lead.email,
            "wechat": lead.wechat,
            "province": lead.province,
            "city": lead.city,
            "source": lead.source,
            "interest": lead.interest,
            "notes": lead.notes,
            "consent_purpose": lead.consent_purpose,
            "consent_at": lead.consent_at.isoformat() if lead.consent_at else None,
            "created_at": lead.created_at.isoformat(),
        }
        for lead in Lead.objects.filter(converted_customer_id=customer.pk).order_by("id")
    ]
