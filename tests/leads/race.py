"""Reps claiming one pool lead at the same moment: each loads it, all wait at a barrier, then
each claims. Used in-process (PostgreSQL) and in a child process (a SQLite file)."""

import threading

from django.db import connection
from django.utils import translation

from guanxi.leads import services
from guanxi.leads.models import Lead


def race_claim(lead_id: int, users: list) -> dict[str, str]:
    """{username: "won" | the loser's message | an unexpected error}."""
    barrier = threading.Barrier(len(users))
    outcomes: dict[str, str] = {}

    def claim(user):
        try:
            lead = Lead.objects.get(pk=lead_id)
            barrier.wait(timeout=10)
            with translation.override("en"):
                services.claim_lead(user, lead)
            outcomes[user.username] = "won"
        except services.LeadTaken as exc:
            outcomes[user.username] = f"taken: {exc}"
        except Exception as exc:  # noqa: BLE001 (the test asserts on it)
            outcomes[user.username] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def claim_result(lead_id: int, outcomes: dict) -> dict:
    from guanxi.audit.models import AuditEntry

    lead = Lead.objects.select_related("owner").get(pk=lead_id)
    entries = AuditEntry.objects.filter(model="lead", object_id=str(lead_id), action="assign")
    return {
        "outcomes": outcomes,
        "owner": lead.owner.username if lead.owner else None,
        "claims": [e.actor.username for e in entries],
    }
