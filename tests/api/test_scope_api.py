"""Data scope through every API route: a customer outside the caller's scope is 404 — never the
record, never 403 — and a denied request changes nothing. The read-only role gets 403 on
writes to customers it can see."""

import pytest

from guanxi.activities.models import Interaction, Note, Task
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Collaborator, Contact, Customer
from guanxi.privacy.models import Consent, RevealLog
from guanxi.sales.models import Order, OrderLine


@pytest.fixture
def rep1_world(personas, customer_of, product):
    """An organisation customer of rep1 with a contact, interaction, task, note and order."""
    from guanxi.activities.services import add_note, create_task, record_interaction
    from guanxi.customers.services import create_contact
    from guanxi.sales.services import create_order

    rep1 = personas["rep1"]
    customer = customer_of(
        "rep1",
        name="华茂贸易",
        kind="organisation",
        mobile="13812345678",
        email="buy@huamao.cn",
        id_number="110101199003074514",
    )
    from django.utils import timezone

    return {
        "customer": customer,
        "contact": create_contact(rep1, customer, {"name": "陈经理", "mobile": "13900002222"}),
        "interaction": record_interaction(
            rep1, customer, {"channel": "phone", "direction": "inbound", "subject": "询价"}
        ),
        "task": create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer),
        "note": add_note(rep1, customer, "大客户"),
        "order": create_order(rep1, customer, {}, [{"product": product, "quantity": 2}]),
        "product": product,
    }


def state() -> dict:
    """Everything a request could change."""
    return {
        "customers": list(
            Customer.objects.order_by("pk").values_list(
                "pk", "name", "owner_id", "updated_at", "erased_at", "level"
            )
        ),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "name", "updated_at")),
        "interactions": list(
            Interaction.objects.order_by("pk").values_list("pk", "subject", "channel")
        ),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "title", "done_at")),
        "notes": Note.objects.count(),
        "orders": list(Order.objects.order_by("pk").values_list("pk", "number", "total")),
        "lines": OrderLine.objects.count(),
        "collaborators": Collaborator.objects.count(),
        "consents": Consent.objects.count(),
        "reveals": RevealLog.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def requests_on(world, personas) -> list[tuple[str, str, dict | None]]:
    c = world["customer"].pk
    ct, i, t, o = world["contact"].pk, world["interaction"].pk, world["task"].pk, world["order"].pk
    p = world["product"].pk
    me = personas["rep2"].pk
    return [
        ("get", f"/customers/{c}", None),
        ("patch", f"/customers/{c}", {"name": "改名"}),
        ("delete", f"/customers/{c}", None),
        ("post", f"/customers/{c}/owner", {"owner_id": me}),
        ("get", f"/customers/{c}/audit", None),
        ("get", f"/customers/{c}/collaborators", None),
        ("put", f"/customers/{c}/collaborators/{me}", {"access": "write"}),
        ("delete", f"/customers/{c}/collaborators/{me}", None),
        ("get", f"/customers/{c}/contacts", None),
        ("post", f"/customers/{c}/contacts", {"name": "新联系人"}),
        ("get", f"/contacts/{ct}", None),
        ("patch", f"/contacts/{ct}", {"name": "改名"}),
        ("delete", f"/contacts/{ct}", None),
        ("post", f"/customers/{c}/reveal", {"field": "id_number", "purpose": "核对身份"}),
        ("get", f"/customers/{c}/consents", None),
        ("post", f"/customers/{c}/consents", {"purpose": "marketing", "granted": True}),
        ("post", f"/customers/{c}/personal-data", {"purpose": "客户申请"}),
        ("post", f"/customers/{c}/erase", {"purpose": "客户申请"}),
        ("get", f"/customers/{c}/notes", None),
        ("post", f"/customers/{c}/notes", {"body": "偷看"}),
        (
            "post",
            "/interactions",
            {"customer_id": c, "channel": "phone", "direction": "outbound", "subject": "x"},
        ),
        ("get", f"/interactions/{i}", None),
        ("patch", f"/interactions/{i}", {"subject": "改"}),
        ("delete", f"/interactions/{i}", None),
        ("post", "/tasks", {"customer_id": c, "title": "x", "due_at": "2030-01-01T09:00:00"}),
        ("get", f"/tasks/{t}", None),
        ("patch", f"/tasks/{t}", {"done": True}),
        ("delete", f"/tasks/{t}", None),
        ("post", "/orders", {"customer_id": c, "lines": [{"product_id": p, "quantity": 1}]}),
        ("get", f"/orders/{o}", None),
        ("patch", f"/orders/{o}", {"status": "cancelled"}),
        ("delete", f"/orders/{o}", None),
    ]


def call(api, method, path, body):
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body)


def test_other_team_rep_gets_404_on_every_route_and_nothing_changes(rep1_world, personas, api_as):
    # given
    api = api_as("rep2")
    before = state()

    # when / then
    for method, path, body in requests_on(rep1_world, personas):
        response = call(api, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json() == {"detail": "Not found."}
    assert state() == before


def test_other_team_rep_finds_nothing_in_lists_search_or_duplicate_details(
    rep1_world, personas, api_as
):
    api = api_as("rep2")
    c = rep1_world["customer"].pk

    for term in ["华茂", "huamao", "hm", "13812345678", "buy@huamao.cn"]:
        assert api.get("/customers", q=term).json() == {
            "count": 0,
            "count_exact": True,
            "items": [],
        }
    for path in ["/contacts", "/interactions", "/tasks", "/orders"]:
        assert api.get(path).json() == {"count": 0, "items": []}
        assert api.get(path, customer_id=c).json() == {"count": 0, "items": []}
    assert api.get("/contacts", q="陈").json() == {"count": 0, "items": []}
    duplicates = api.get("/customers/duplicates", mobile="13812345678", name="华茂贸易").json()
    assert duplicates == [{"field": "mobile", "owner": "张伟", "customer_id": None}]
    contact_dup = api.get("/customers/duplicates", mobile="13900002222").json()
    assert contact_dup == [{"field": "mobile", "owner": "张伟", "customer_id": None}]


def test_the_same_routes_work_for_the_owner(rep1_world, personas, api_as):
    """The 404s above are the scope, not broken routes: the owner reaches the reads."""
    api = api_as("rep1")
    for method, path, body in requests_on(rep1_world, personas):
        if method == "get" and "/audit" not in path:
            assert call(api, method, path, body).status_code == 200, path


def test_read_only_role_gets_403_on_every_write_and_nothing_changes(rep1_world, personas, api_as):
    # given: the viewer (department A, read-only) can see rep1's customer
    api = api_as("viewer")
    c = rep1_world["customer"].pk
    assert api.get(f"/customers/{c}").status_code == 200
    before = state()

    # when / then
    for method, path, body in requests_on(rep1_world, personas):
        if method == "get":
            continue
        response = call(api, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert set(response.json()) == {"detail"}
    assert api.post("/customers", {"name": "新客户"}).status_code == 403
    assert api.post("/tasks", {"title": "x", "due_at": "2030-01-01T09:00:00"}).status_code == 403
    assert state() == before


def test_manager_only_operations_are_403_for_a_rep_on_their_own_customer(
    rep1_world, api_as, personas
):
    api = api_as("rep1")
    c = rep1_world["customer"].pk
    before = state()

    assert api.get(f"/customers/{c}/audit").status_code == 403
    assert api.post(f"/customers/{c}/owner", {"owner_id": personas["rep2"].pk}).status_code == 403
    assert api.post(f"/customers/{c}/personal-data", {"purpose": "客户申请"}).status_code == 403
    assert api.post(f"/customers/{c}/erase", {"purpose": "客户申请"}).status_code == 403
    reveal = api.post(f"/customers/{c}/reveal", {"field": "id_number", "purpose": "核对身份"})
    assert reveal.status_code == 403
    assert state() == before


def test_nonexistent_ids_are_404_like_out_of_scope_ones(db, personas, api_as):
    api = api_as("manager")
    for path in ["/customers/99999", "/contacts/99999", "/interactions/99999", "/tasks/99999"]:
        assert api.get(path).json() == {"detail": "Not found."}
    for path in ["/orders/99999", "/products/99999"]:
        assert api.get(path).status_code == 404
