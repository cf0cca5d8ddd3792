"""Two simultaneous edits of one order, or of one interaction, from the same version: one is
saved, the other gets StaleEdit; neither is silently reverted (issue 7 item 7).

On PostgreSQL the two editors are threads on the test database. SQLite's in-memory test
database answers "table is locked" to any second writer at once, so there the same two threads
(tests/audit/race.py) run in a child process on a real SQLite file with the production settings
(WAL, IMMEDIATE transactions, a 20 s busy timeout), where the second writer waits as in use.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from .race import interaction_result, race, race_interaction, result

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json
import django

django.setup()
from django.core.management import call_command

from guanxi.accounts.services import create_user
from guanxi.customers.services import create_customer
from guanxi.sales import services as sales
from tests.audit.race import race, result

call_command("migrate", verbosity=0)
a, b = create_user("rep1", "x"), create_user("lead_a", "x")
product = sales.create_product(None, {"sku": "T-1", "name": "茶", "price": "10"})
order = sales.create_order(
    a, create_customer(a, {"name": "甲"}), {"status": "pending"}, [{"product": product}]
)
print(json.dumps(result(order, race(order.pk, [(a, "paid"), (b, "paid")]))))
"""


CHILD_INTERACTION = """
import json
import django

django.setup()
from django.core.management import call_command

from guanxi.accounts.services import create_user
from guanxi.activities import services as activities
from guanxi.customers.services import create_customer
from tests.audit.race import interaction_result, race_interaction

call_command("migrate", verbosity=0)
a, b = create_user("rep1", "x"), create_user("lead_a", "x")
interaction = activities.record_interaction(
    a,
    create_customer(a, {"name": "甲"}),
    {"channel": "phone", "direction": "outbound", "subject": "回访"},
)
outcomes = race_interaction(interaction.pk, [(a, "电话回访"), (b, "上门拜访")])
print(json.dumps(interaction_result(interaction, outcomes)))
"""


def _on_a_sqlite_file(tmp_path, child: str = CHILD) -> dict:
    env = dict(os.environ, GUANXI_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "guanxi.settings"
    done = subprocess.run(
        [sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_parallel_edits_from_one_version_one_wins_one_is_stale(
    personas, customer_of, product, tmp_path
):
    from guanxi.sales import services as sales

    if connection.vendor == "postgresql":
        order = sales.create_order(
            personas["rep1"], customer_of("rep1"), {"status": "pending"}, [{"product": product}]
        )
        # both confirm the payment (the one step a pending order's edit may take): the audit
        # trail's actor tells whose edit was saved
        editors = [(personas["rep1"], "paid"), (personas["lead_a"], "paid")]
        outcome = result(order, race(order.pk, editors))
    else:
        outcome = _on_a_sqlite_file(tmp_path)

    assert sorted(outcome["outcomes"].values()) == ["saved", "stale"], outcome["outcomes"]
    winner = next(name for name, said in outcome["outcomes"].items() if said == "saved")
    expected = "paid"
    assert (outcome["status"], outcome["version"]) == (expected, 2)
    assert outcome["updates"] == [[winner, expected]]


@pytest.mark.django_db(transaction=True)
def test_parallel_interaction_edits_from_one_version_one_wins_one_is_stale(
    personas, customer_of, tmp_path
):
    from guanxi.activities import services as activities

    if connection.vendor == "postgresql":
        interaction = activities.record_interaction(
            personas["rep1"],
            customer_of("rep1"),
            {"channel": "phone", "direction": "outbound", "subject": "回访"},
        )
        editors = [(personas["rep1"], "电话回访"), (personas["lead_a"], "上门拜访")]
        outcome = interaction_result(interaction, race_interaction(interaction.pk, editors))
    else:
        outcome = _on_a_sqlite_file(tmp_path, CHILD_INTERACTION)

    assert sorted(outcome["outcomes"].values()) == ["saved", "stale"], outcome["outcomes"]
    winner = next(name for name, said in outcome["outcomes"].items() if said == "saved")
    expected = {"rep1": "电话回访", "lead_a": "上门拜访"}[winner]
    assert (outcome["subject"], outcome["version"]) == (expected, 2)
    assert outcome["updates"] == [[winner, expected]]
