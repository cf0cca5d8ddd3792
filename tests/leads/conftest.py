import pytest


@pytest.fixture
def lead_of(personas):
    """lead_of("rep1", name=..., **fields) enters a lead owned by that persona (None: pool)."""
    from guanxi.leads.services import create_lead

    def make(username, **fields):
        fields.setdefault("name", "潜在客户")
        fields.setdefault("mobile", "13900000001")
        owner = personas[username] if username else None
        actor = personas[username] if username else personas["manager"]
        return create_lead(actor, fields, owner=owner)

    return make
