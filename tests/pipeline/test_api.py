"""The pipeline API: CRUD, move, win, lose, objections, SPIN, plans, targets, the reports JSON."""

from guanxi.pipeline.models import Opportunity


def test_open_move_and_win_over_the_api(api_as, customer_of, stages):
    customer = customer_of("rep1", name="华茂贸易")
    api = api_as("rep1")

    made = api.post("/opportunities", {"customer_id": customer.pk, "name": "年度茶礼"})
    body = made.json()
    refused = api.post(f"/opportunities/{body['id']}/move", {"stage_id": stages["closing"].pk})
    patched = api.patch(
        f"/opportunities/{body['id']}",
        {"amount": "52000", "expected_close": "2026-12-20", "version": body["version"]},
    )
    moved = api.post(f"/opportunities/{body['id']}/move", {"stage_id": stages["closing"].pk})
    won = api.post(f"/opportunities/{body['id']}/win", {})

    assert made.status_code == 201
    assert (body["stage"], body["probability"]) == ("Opening", 10)
    assert refused.status_code == 422 and "stage" in refused.json()["errors"]
    assert patched.status_code == 200
    assert (moved.json()["stage"], moved.json()["probability"]) == ("Closing", 85)
    assert moved.json()["weighted"] == "44200.00"
    assert (won.json()["status"], won.json()["probability"]) == ("won", 100)


def test_a_stale_version_answers_409(api_as, customer_of):
    customer = customer_of("rep1", name="华茂贸易")
    api = api_as("rep1")
    made = api.post("/opportunities", {"customer_id": customer.pk, "name": "年度茶礼"}).json()
    api.patch(f"/opportunities/{made['id']}", {"name": "改名", "version": made["version"]})

    stale = api.patch(f"/opportunities/{made['id']}", {"name": "再改", "version": made["version"]})

    assert stale.status_code == 409
    assert Opportunity.objects.get().name == "改名"


def test_objections_spin_and_plan_over_the_api(api_as, open_opportunity):
    opportunity = open_opportunity(amount="45000")
    api = api_as("rep1")

    objection = api.post(
        f"/opportunities/{opportunity.pk}/objections", {"kind": "price", "statement": "太贵"}
    )
    bad = api.post(
        f"/opportunities/{opportunity.pk}/objections", {"kind": "mood", "statement": "x"}
    )
    resolved = api.patch(f"/objections/{objection.json()['id']}", {"outcome": "resolved"})
    spin = api.post(f"/opportunities/{opportunity.pk}/spin", {"implication": "客人流失"})
    plan = api.put(f"/negotiation-plans/{opportunity.pk}", {"walk_away": "48000"})

    assert objection.status_code == 201 and objection.json()["stage"] == "Opening"
    assert bad.status_code == 422
    assert resolved.json()["outcome"] == "resolved"
    assert spin.status_code == 201
    assert plan.json()["below_walk_away"] is True
    assert api.get(f"/opportunities/{opportunity.pk}").json()["below_walk_away"] is True


def test_another_teams_rep_gets_404_and_nothing_changes(api_as, open_opportunity, stages):
    opportunity = open_opportunity()
    api = api_as("rep2")

    answers = [
        api.get(f"/opportunities/{opportunity.pk}").status_code,
        api.post(
            f"/opportunities/{opportunity.pk}/move", {"stage_id": stages["needs"].pk}
        ).status_code,
        api.delete(f"/opportunities/{opportunity.pk}").status_code,
        api.get(f"/negotiation-plans/{opportunity.pk}").status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert api.get("/opportunities").json()["count"] == 0
    assert Opportunity.objects.get().stage_id == stages["opening"].pk


def test_stages_and_targets_are_the_managers(api_as, personas):
    rep = api_as("rep1")
    manager = api_as("manager")

    assert rep.post("/stages", {"name": "试用", "probability": 50}).status_code == 403
    made = manager.post("/stages", {"name": "试用", "probability": 50})
    target = manager.post(
        "/sales-targets",
        {
            "department_id": personas["rep1"].profile.department_id,
            "month": "2026-12",
            "sales_target": "90000",
        },
    )

    assert made.status_code == 201 and made.json()["name"] == "试用"
    assert [s["key"] for s in rep.get("/stages").json()][:5] == [
        "opening",
        "needs",
        "fab",
        "objections",
        "closing",
    ]
    assert target.status_code == 200 and target.json()["sales_target"] == "90000.00"
    assert rep.get("/sales-targets").json()["count"] == 1


def test_the_reports_json(api_as, open_opportunity):
    open_opportunity(amount="1000")

    body = api_as("rep1").get("/pipeline/reports").json()

    assert body["opportunities"] == 1
    assert [f["reached"] for f in body["funnel"]] == [1, 0, 0, 0, 0]
    assert len(body["forecast"]) == 6


def test_the_list_and_the_board_take_a_fixed_number_of_queries(
    api_as, client_for, open_opportunity, customer_of, product, django_assert_max_num_queries
):
    customer = customer_of("rep1", name="华茂贸易")
    for i in range(12):
        open_opportunity(customer=customer, name=f"商机 {i}", products=[product.pk])
    api = api_as("rep1")
    page = client_for("rep1")
    page.get("/pipeline/")  # the session and the language settle first

    with django_assert_max_num_queries(12):
        listed = api.get("/opportunities", limit=50)
    with django_assert_max_num_queries(20):
        board = page.get("/pipeline/")

    assert listed.json()["count"] == 12 and board.status_code == 200


def test_a_rep_lists_only_their_own_sales_targets(api_as, personas, stages):
    from guanxi.pipeline.services import save_sales_target

    for username in ("rep1", "rep2"):
        save_sales_target(
            personas["manager"],
            {"user": personas[username].pk, "month": "2026-12", "sales_target": "1000"},
        )
    mine = api_as("rep1").get("/sales-targets").json()
    assert [t["user"]["id"] for t in mine["items"]] == [personas["rep1"].pk]
    assert api_as("manager").get("/sales-targets").json()["count"] == 2


def test_the_api_refuses_an_expected_close_out_of_range_with_the_same_words(
    api_as, open_opportunity
):
    opportunity = open_opportunity()
    response = api_as("rep1").patch(
        f"/opportunities/{opportunity.pk}", {"expected_close": "2300-01-01"}
    )
    assert response.status_code == 422
    assert "Enter a date between the years 1900 and 2200." in response.content.decode()
