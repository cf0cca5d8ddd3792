"""The lead pool: claims are safe under concurrency (exactly one of parallel claimers wins),
release and assignment; on SQLite the claimers race in a child process on a real file (the
in-memory test database refuses a second writer at once, see tests/audit)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from guanxi.leads import services
from guanxi.leads.models import Lead

from .race import claim_result, race_claim

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json
import django

django.setup()
from django.core.management import call_command

from guanxi.accounts.services import create_user
from guanxi.leads.services import create_lead
from tests.leads.race import claim_result, race_claim

call_command("migrate", verbosity=0)
reps = [create_user(f"rep{i}", "x") for i in range(1, 5)]
lead = create_lead(reps[0], {"name": "抢手线索", "mobile": "13900000009"}, owner=None)
print(json.dumps(claim_result(lead.pk, race_claim(lead.pk, reps))))
"""


def _on_a_sqlite_file(tmp_path) -> dict:
    env = dict(os.environ, GUANXI_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "guanxi.settings"
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_parallel_claims_exactly_one_wins_the_others_are_told(personas, lead_of, tmp_path):
    if connection.vendor == "postgresql":
        lead = lead_of(None, name="抢手线索")
        users = [personas[n] for n in ("rep1", "rep2", "lead_a", "manager")]
        outcome = claim_result(lead.pk, race_claim(lead.pk, users))
    else:
        outcome = _on_a_sqlite_file(tmp_path)

    said = list(outcome["outcomes"].values())
    assert len(said) == 4
    assert said.count("won") == 1, outcome
    losers = [s for s in said if s != "won"]
    assert all(s.startswith("taken: Someone else claimed this lead") for s in losers), said
    winner = next(name for name, s in outcome["outcomes"].items() if s == "won")
    assert outcome["owner"] == winner
    assert outcome["claims"] == [winner]


def test_a_claimed_lead_leaves_the_pool_and_a_second_claim_is_refused(personas, lead_of):
    lead = lead_of(None)
    services.claim_lead(personas["rep1"], lead)
    lead.refresh_from_db()
    assert lead.owner == personas["rep1"] and lead.department.name == "华东销售组"
    with pytest.raises(services.LeadTaken):
        services.claim_lead(personas["rep2"], lead)
    assert Lead.objects.get(pk=lead.pk).owner == personas["rep1"]


def test_the_read_only_role_cannot_claim(personas, lead_of):
    lead = lead_of(None)
    with pytest.raises(PermissionDenied):
        services.claim_lead(personas["viewer"], lead)
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_release_returns_the_lead_and_only_its_side_may(personas, lead_of):
    lead = lead_of("rep1")
    with pytest.raises(PermissionDenied):
        services.release_lead(personas["rep2"], lead)
    services.release_lead(personas["rep1"], lead, version=1)
    lead.refresh_from_db()
    assert lead.owner is None and lead.department is None and lead.version == 2
    with pytest.raises(PermissionDenied):  # back in the pool: a rep claims it first
        services.release_lead(personas["rep1"], lead)


def test_managers_assign_reps_do_not(personas, lead_of):
    lead = lead_of(None)
    with pytest.raises(PermissionDenied):
        services.assign_lead(personas["rep1"], lead, personas["rep1"])
    services.assign_lead(personas["manager"], lead, personas["rep2"])
    lead.refresh_from_db()
    assert lead.owner == personas["rep2"] and lead.department.name == "华南销售组"
    with pytest.raises(ValidationError):  # the read-only role owns no leads
        services.assign_lead(personas["manager"], lead, personas["viewer"])
