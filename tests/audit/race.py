"""Editors racing on one record: each reads it, all wait at a barrier, then each saves an edit
based on version 1. Used in-process (PostgreSQL) and in a child process (SQLite file)."""

import threading

from django.db import connection

from guanxi.activities import services as activities
from guanxi.activities.models import Interaction
from guanxi.sales import services as sales
from guanxi.sales.models import Order
from guanxi.services_common import StaleEdit


def _race(load, save, editors: list[tuple]) -> dict[str, str]:
    """{username: "saved" | "stale" | the unexpected error} for [(user, value), ...]: each
    editor loads the record, waits for the others, then saves(user, record, value)."""
    barrier = threading.Barrier(len(editors))
    outcomes: dict[str, str] = {}

    def edit(user, value):
        try:
            mine = load()
            barrier.wait(timeout=10)
            save(user, mine, value)
            outcomes[user.username] = "saved"
        except StaleEdit:
            outcomes[user.username] = "stale"
        except Exception as exc:  # noqa: BLE001 (the test asserts on it)
            outcomes[user.username] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=editor) for editor in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def race(order_id: int, editors: list[tuple]) -> dict[str, str]:
    """Orders: [(user, status), ...]."""
    return _race(
        lambda: Order.objects.get(pk=order_id),
        lambda user, order, status: sales.update_order(user, order, {"status": status}, version=1),
        editors,
    )


def race_interaction(interaction_id: int, editors: list[tuple]) -> dict[str, str]:
    """Interactions: [(user, subject), ...]."""
    return _race(
        lambda: Interaction.objects.select_related("customer").get(pk=interaction_id),
        lambda user, interaction, subject: activities.update_interaction(
            user, interaction, {"subject": subject}, version=1
        ),
        editors,
    )


def _updates(model: str, field: str) -> list:
    from guanxi.audit.models import AuditEntry

    return [
        [e.actor.username, e.changes[field][1]]
        for e in AuditEntry.objects.filter(model=model, action="update")
    ]


def result(order, outcomes: dict) -> dict:
    order.refresh_from_db()
    return {
        "outcomes": outcomes,
        "status": order.status,
        "version": order.version,
        "updates": _updates("order", "status"),
    }


def interaction_result(interaction, outcomes: dict) -> dict:
    interaction.refresh_from_db()
    return {
        "outcomes": outcomes,
        "subject": interaction.subject,
        "version": interaction.version,
        "updates": _updates("interaction", "subject"),
    }
