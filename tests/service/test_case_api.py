"""/api/v1/cases: list, create, read, change (409 on a stale version), actions, refusals."""

from guanxi.audit.models import AuditEntry
from guanxi.service.models import Case


def _new(api, customer, **extra):
    body = {
        "customer_id": customer.pk,
        "channel": "email",
        "cause": "service_after_sales",
        "subject": "维修迟迟未上门",
        **extra,
    }
    return api.post("/cases", body)


def test_open_read_list_and_act(api_as, customer_of, personas):
    customer = customer_of("rep1")
    api = api_as("rep1")
    created = _new(api, customer, priority="high")
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["status"] == "open" and case["assignee"]["id"] == personas["rep1"].pk
    assert case["version"] == 1 and not case["overdue"]
    assert api.get(f"/cases/{case['id']}").json()["subject"] == "维修迟迟未上门"

    listed = api.get("/cases", status="active", cause="service_after_sales").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == case["id"]
    assert api.get("/cases", status="closed").json()["count"] == 0
    assert api.get("/cases", overdue=True).json()["count"] == 0

    assigned = api.post(f"/cases/{case['id']}/assign", {"assignee_id": personas["lead_a"].pk})
    assert assigned.status_code == 200 and assigned.json()["status"] == "in_progress"
    resolved = api.post(
        f"/cases/{case['id']}/resolve",
        {
            "resolution": "已上门维修",
            "compensation_kind": "discount",
            "compensation_amount": "20.5",
        },
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["compensation_amount"] in ("20.50", "20.5", 20.5)
    follow = api.post(f"/cases/{case['id']}/follow-up", {"satisfaction_score": 5})
    assert follow.status_code == 200 and follow.json()["satisfaction_score"] == 5
    closed = api.post(f"/cases/{case['id']}/close", {"version": follow.json()["version"]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert AuditEntry.objects.filter(model="case", object_id=str(case["id"])).count() == 5


def test_escalate_names_who_got_it(api_as, customer_of, personas):
    customer = customer_of("rep1")
    api = api_as("rep1")
    case = _new(api, customer).json()
    escalated = api.post(f"/cases/{case['id']}/escalate", {"reason": "客户情绪激动"})
    assert escalated.status_code == 200
    assert escalated.json()["escalated_to"]["id"] == personas["lead_a"].pk
    assert escalated.json()["escalated_by"]["id"] == personas["rep1"].pk
    again = api.post(f"/cases/{case['id']}/escalate", {})
    assert again.status_code == 422 and "status" in again.json()["errors"]


def test_stale_edit_answers_409_with_both_values(api_as, customer_of):
    customer = customer_of("rep1")
    rep, lead = api_as("rep1"), api_as("lead_a")
    case = _new(rep, customer).json()
    first = lead.patch(f"/cases/{case['id']}", {"subject": "主管改过", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = rep.patch(f"/cases/{case['id']}", {"subject": "我的修改", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["version"] == 2 and body["current"]["subject"] == "主管改过"
    assert body["conflicts"]["subject"] == {"current": "主管改过", "yours": "我的修改"}
    assert body["changed_by"] == "李组长"
    assert Case.objects.get(pk=case["id"]).subject == "主管改过"
    stale_action = rep.post(f"/cases/{case['id']}/close", {"version": 1})
    assert stale_action.status_code == 409
    fresh = rep.patch(f"/cases/{case['id']}", {"subject": "我的修改", "version": 2})
    assert fresh.status_code == 200 and fresh.json()["subject"] == "我的修改"


def test_validation_errors_name_the_field(api_as, customer_of):
    customer = customer_of("rep1")
    api = api_as("rep1", lang="zh-hans")
    bad = _new(api, customer, channel="fax", priority="asap")
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) >= {"channel", "priority"}
    bad_filter = api.get("/cases", status="pending", cause="weather")
    assert bad_filter.status_code == 422
    assert set(bad_filter.json()["errors"]) == {"status", "cause"}
    missing = api.post("/cases", {"customer_id": customer.pk})
    assert missing.status_code == 422 and "subject" in missing.json()["errors"]
    unknown = _new(api, customer, owner_id=1)
    assert unknown.status_code == 422 and "owner_id" in unknown.json()["errors"]
    case = _new(api, customer).json()
    score = api.post(f"/cases/{case['id']}/follow-up", {"satisfaction_score": 3})
    assert score.status_code == 422 and "status" in score.json()["errors"]
    api.post(f"/cases/{case['id']}/resolve", {"resolution": "ok"})
    out_of_range = api.post(f"/cases/{case['id']}/follow-up", {"satisfaction_score": 9})
    assert out_of_range.status_code == 422
    assert "satisfaction_score" in out_of_range.json()["errors"]
    negative = _new(api, customer).json()
    neg = api.post(
        f"/cases/{negative['id']}/resolve",
        {"resolution": "ok", "compensation_kind": "refund", "compensation_amount": "-3"},
    )
    assert neg.status_code == 422


def test_another_team_gets_404_and_a_reader_403(api_as, customer_of, personas):
    customer = customer_of("rep1")
    case = _new(api_as("rep1"), customer).json()
    other = api_as("rep2")
    assert other.get(f"/cases/{case['id']}").status_code == 404
    assert other.get("/cases").json()["count"] == 0
    assert other.patch(f"/cases/{case['id']}", {"subject": "x"}).status_code == 404
    assert other.post(f"/cases/{case['id']}/close", {}).status_code == 404
    assert _new(other, customer).status_code == 404
    viewer = api_as("viewer")  # read-only, team A's department scope
    assert viewer.get(f"/cases/{case['id']}").status_code == 200
    assert viewer.patch(f"/cases/{case['id']}", {"subject": "x"}).status_code == 403
    assert viewer.post(f"/cases/{case['id']}/resolve", {"resolution": "x"}).status_code == 403
    assert _new(viewer, customer).status_code == 403
    assert Case.objects.get(pk=case["id"]).subject == "维修迟迟未上门"


def test_close_takes_an_empty_body(api_as, customer_of):
    api = api_as("rep1")
    case = _new(api, customer_of("rep1")).json()
    api.post(f"/cases/{case['id']}/resolve", {"resolution": "ok"})
    closed = api.post(f"/cases/{case['id']}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_an_assignee_out_of_reach_is_no_user_not_a_name(api_as, customer_of, personas):
    """A rep handing a case to another team's colleague (who may not work on the customer)
    gets the unknown id's words: naming them told a rep every id's name and whether the
    account was active (hostile review). A manager, whose scope covers them, is told whom
    to share the customer with."""
    customer = customer_of("rep1")
    rep2 = personas["rep2"]

    other_team = _new(api_as("rep1"), customer, assignee_id=rep2.pk)
    unknown = _new(api_as("rep1"), customer, assignee_id=99999999)
    managed = _new(api_as("manager"), customer, assignee_id=rep2.pk)

    assert other_team.status_code == unknown.status_code == 422
    assert other_team.json() == unknown.json()
    assert other_team.json()["errors"] == {"assignee": ["There is no active user with this id."]}
    assert managed.status_code == 422
    assert "刘芳 may not work on this customer" in str(managed.json()["errors"])
    assert not Case.objects.exists()
