"""Editors racing on one order: each reads it, all wait at a barrier, then each saves an edit
based on version 1. Used in-process (PostgreSQL) and in a child process (SQLite file)."""

import threading

from django.db import connection

from guanxi.sales import services as sales
from guanxi.sales.models import Order
from guanxi.services_common import StaleEdit


def race(order_id: int, editors: list[tuple]) -> dict[str, str]:
    """{username: "saved" | "stale" | the unexpected error} for [(user, status), ...]."""
    barrier = threading.Barrier(len(editors))
    outcomes: dict[str, str] = {}

    def edit(user, status):
        try:
            mine = Order.objects.get(pk=order_id)
            barrier.wait(timeout=10)
            sales.update_order(user, mine, {"status": status}, version=1)
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


def result(order, outcomes: dict) -> dict:
    from guanxi.audit.models import AuditEntry

    order.refresh_from_db()
    updates = [
        [e.actor.username, e.changes["status"][1]]
        for e in AuditEntry.objects.filter(model="order", action="update")
    ]
    return {
        "outcomes": outcomes,
        "status": order.status,
        "version": order.version,
        "updates": updates,
    }
