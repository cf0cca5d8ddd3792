"""The demo's leads: entered through the services, some pooled, a public form, a model."""

import pytest

from guanxi.demo.company import ensure_staff
from guanxi.demo.leads import load_leads
from guanxi.leads.models import Lead, LeadForm, LookalikeModel


@pytest.mark.django_db
def test_demo_leads_some_pooled_a_form_and_a_model():
    ensure_staff()
    counts = load_leads(seed=1, n=40)
    assert counts["leads"] == 40 == Lead.objects.count()
    assert 0 < counts["in the lead pool"] < 40
    assert LeadForm.objects.count() == 1 and LookalikeModel.objects.count() == 1
    assert load_leads(seed=1, n=40) is None  # once only
