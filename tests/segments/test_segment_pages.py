"""Segment pages in both languages: saving from the customer list, the segment page with its
live members (viewer's scope), snapshots and history, exports, the per-customer history."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from guanxi.segments import services
from guanxi.segments.models import Segment


def test_the_customer_list_offers_to_save_its_filters(client_for, customer_of):
    customer_of("rep1", name="甲一", level="A")
    page = client_for("rep1").get("/customers/", {"level": "A", "city": "上海"})
    text = page.content.decode()
    assert "Save as segment" in text
    assert 'id="save-segment"' in text
    assert 'name="query" value="level=A&amp;city=%E4%B8%8A%E6%B5%B7" form="save-segment"' in text
    # the live update (htmx) carries the form too, with the new filters
    results = client_for("rep1").get("/customers/", {"level": "B"}, HTTP_HX_REQUEST="true")
    assert 'name="query" value="level=B" form="save-segment"' in results.content.decode()


def test_saving_a_segment_from_the_list(client_for, customer_of, personas):
    customer_of("rep1", name="甲一", level="A")
    customer_of("rep1", name="甲二", level="B")
    client = client_for("lead_a")  # a lead: may share with everyone

    response = client.post(
        "/segments/new/", {"name": "A 类客户", "query": "level=A&page=2", "shared": "on"}
    )

    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/segments/{segment.pk}/"
    assert segment.params == {"level": "A"} and segment.shared
    assert segment.created_by == personas["lead_a"]
    page = client.get(response["Location"]).content.decode()
    assert "甲一" in page and "甲二" not in page
    assert "1 customer" in page


def test_a_rep_is_not_offered_sharing_and_a_forced_share_is_refused(client_for, customer_of):
    customer_of("rep1", name="甲一", level="A")

    rep_list = client_for("rep1").get("/customers/").content.decode()
    lead_list = client_for("lead_a").get("/customers/").content.decode()
    rep_form = client_for("rep1").get("/segments/new/", {"level": "A"}).content.decode()

    assert 'name="shared"' not in rep_list and 'name="shared"' in lead_list
    assert 'name="shared"' not in rep_form
    # a post that asks anyway: the form again with the reason beside the box, nothing saved
    for language, words in (("en", "covers colleagues"), ("zh-hans", "数据范围覆盖同事")):
        response = client_for("rep1", language).post(
            "/segments/new/", {"name": "全公司", "query": "level=A", "shared": "on"}
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert words in html and 'name="shared"' in html
    assert not Segment.objects.exists()


def test_a_reps_segment_shared_before_the_rule_can_be_unshared(client_for, rep1):
    segment = services.create_segment(rep1, {"name": "旧的共享", "params": {"level": "A"}})
    Segment.objects.filter(pk=segment.pk).update(shared=True)
    client = client_for("rep1")

    form = client.get(f"/segments/{segment.pk}/edit/").content.decode()
    kept = client.post(
        f"/segments/{segment.pk}/edit/", {"name": "旧的共享", "query": "level=A", "shared": "on"}
    )
    unshared = client.post(f"/segments/{segment.pk}/edit/", {"name": "私有", "query": "level=A"})

    assert 'name="shared"' in form
    assert kept.status_code == 200 and "covers colleagues" in kept.content.decode()
    assert unshared.status_code == 302
    segment.refresh_from_db()
    assert not segment.shared and segment.name == "私有"


def test_a_bad_save_shows_the_error_and_keeps_the_input(client_for):
    response = client_for("rep1").post("/segments/new/", {"name": "", "query": "level=Z"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "This field is required." in text
    assert not Segment.objects.exists()
    response = client_for("rep1", "zh-hans").post(
        "/segments/new/", {"name": "坏", "query": "level=Z"}
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Members", "Size and value over time", "Who entered and left", "Export (CSV)"]),
        ("zh-hans", ["成员", "规模和价值变化", "进入和离开的客户", "导出（CSV）"]),
    ],
)
def test_the_segment_page_in_both_languages(client_for, customer_of, rep1, language, words):
    customer_of("rep1", name="甲一", level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    services.take_snapshot(segment, actor=rep1)
    text = client_for("rep1", language).get(f"/segments/{segment.pk}/").content.decode()
    for word in words:
        assert word in text
    listing = client_for("rep1", language).get("/segments/").content.decode()
    assert "A 类" in listing
    assert ("客户细分" if language == "zh-hans" else "Segments") in listing
    # each criterion's label and value are joined by the language's colon (客户等级：A 重点客户)
    colon = "：" if language == "zh-hans" else ": "
    badge = re.compile(rf'<span class="badge">[^<：:]+{colon}A [^<]+</span>')
    assert badge.search(text) and badge.search(listing), listing[listing.find("badge") :][:200]


def test_a_shared_segment_shows_each_viewer_their_own_customers(client_for, customer_of, personas):
    customer_of("rep1", name="甲一", level="A")
    customer_of("rep2", name="乙一", level="A")
    lead = personas["lead_a"]
    segment = services.create_segment(
        lead, {"name": "A 类", "params": {"level": "A"}, "shared": True}
    )
    services.take_snapshot(segment, actor=lead)

    mine = client_for("rep2").get(f"/segments/{segment.pk}/").content.decode()
    everyone = client_for("manager").get(f"/segments/{segment.pk}/").content.decode()

    # rep2: its own member, nothing of rep1's, not in the members nor in the history
    assert "乙一" in mine and "甲一" not in mine
    # the whole-base value columns are for who sees every customer
    assert "Net revenue" not in mine and "Net revenue" in everyone
    assert "甲一" in everyone and "乙一" in everyone
    # no edit for rep2
    assert f"/segments/{segment.pk}/edit/" not in mine
    assert (
        client_for("rep2").post(f"/segments/{segment.pk}/edit/", {"name": "x"}).status_code == 403
    )


def test_a_private_segment_is_a_404_for_everyone_else(client_for, rep1):
    segment = services.create_segment(rep1, {"name": "私有", "params": {}})
    for who in ("rep2", "manager"):
        for url in ("", "edit/", "export.csv"):
            assert client_for(who).get(f"/segments/{segment.pk}/{url}").status_code == 404
        assert client_for(who).post(f"/segments/{segment.pk}/delete/").status_code == 404
    assert "私有" not in client_for("rep2").get("/segments/").content.decode()


def test_history_shows_who_entered_and_left_in_the_period(client_for, customer_of, rep1):
    from guanxi.customers.services import update_customer

    a1 = customer_of("rep1", name="甲一", level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    services.take_snapshot(segment, at=timezone.now() - timedelta(days=60), actor=rep1)
    update_customer(rep1, a1, {"level": "B"})
    services.take_snapshot(segment, actor=rep1)

    last_week = client_for("rep1").get(f"/segments/{segment.pk}/", {"days": "7"}).content.decode()
    assert "甲一" in last_week  # left this week
    history = client_for("rep1").get(f"/segments/customers/{a1.pk}/").content.decode()
    assert "A 类" in history
    # the customer's history is the customer's: 404 outside the scope
    assert client_for("rep2").get(f"/segments/customers/{a1.pk}/").status_code == 404


def test_export_in_both_formats_masks_sensitive_fields_and_keeps_the_scope(
    client_for, customer_of, personas
):
    customer_of("rep1", name="=HYPERLINK(1)", level="A", id_number="110101199003074514")
    customer_of("rep2", name="乙一", level="A")
    segment = services.create_segment(
        personas["lead_a"], {"name": "A 类", "params": {"level": "A"}, "shared": True}
    )

    response = client_for("rep1").get(f"/segments/{segment.pk}/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 2  # the header and rep1's one member, not rep2's
    assert "110101199003074514" not in body
    assert "'=HYPERLINK(1)" in rows[1]  # formula-safe cell

    response = client_for("rep2").get(f"/segments/{segment.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "乙一" in values and "=HYPERLINK(1)" not in values
    assert client_for("rep1").get(f"/segments/{segment.pk}/export.pdf").status_code == 404


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Show the segment history of 甲&quot;&lt;一&gt;"),
        ("zh-hans", "查看甲&quot;&lt;一&gt;的细分历史"),
    ],
)
def test_the_history_link_says_what_it_opens(client_for, customer_of, rep1, language, label):
    member = customer_of("rep1", name='甲"<一>', level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})

    html = client_for("rep1", language).get(f"/segments/{segment.pk}/").content.decode()

    link = f'href="/segments/customers/{member.pk}/" title="{label}" aria-label="{label}"'
    assert link in html  # escaped once, named for screen readers and on hover
    assert '<span aria-hidden="true">↺</span>' in html


def test_both_history_tables_are_one_fragment(client_for, customer_of, rep1):
    from guanxi.customers.services import update_customer

    a1 = customer_of("rep1", name="甲一", level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    services.take_snapshot(segment, at=timezone.now() - timedelta(days=3), actor=rep1)
    update_customer(rep1, a1, {"level": "B"})
    services.take_snapshot(segment, actor=rep1)
    client = client_for("rep1")

    pages = {
        "changes": client.get(f"/segments/{segment.pk}/"),
        "stays": client.get(f"/segments/customers/{a1.pk}/"),
    }

    for table_id, response in pages.items():
        assert "segments/_memberships.html" in [t.name for t in response.templates]
        html = response.content.decode()
        table = html.split(f'<table class="striped cards" id="{table_id}">', 1)[1]
        table = table.split("</table>", 1)[0]
        assert '<th scope="col">Entered</th><th scope="col">Left</th>' in table
        assert 'data-label="Left"' in table and timezone.localdate().isoformat() in table
    assert f'href="/segments/customers/{a1.pk}/">甲一</a>' in pages["changes"].content.decode()
    assert f'href="/segments/{segment.pk}/">A 类</a>' in pages["stays"].content.decode()


SCORE_HEADERS = {
    "en": [
        "Scores as of",
        "RFM segment",
        "ABC tier",
        "Lifecycle stage",
        "Loyalty index",
        "Value x loyalty quadrant",
        "Historical CLV",
        "Predicted CLV",
        "P(alive)",
        "Churn risk",
    ],
    "zh-hans": [
        "评分日期",
        "RFM 细分",
        "ABC 分类",
        "生命周期阶段",
        "忠诚度指数",
        "价值 × 忠诚度象限",
        "历史 CLV",
        "预测 CLV",
        "P(活跃)",
        "流失风险",
    ],
}
SCORE_VALUES = {
    "en": ["Champions", "A", "Stability", 72.5, "True friends", "1200.00", "860.50", 0.93, "High"],
    "zh-hans": ["冠军客户", "A", "稳定期", 72.5, "挚友", "1200.00", "860.50", 0.93, "高"],
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_export_carries_the_scores_in_the_user_language(
    client_for, customer_of, rep1, scored, language
):
    # given a scored member, an unscored one, and a score code that looks like a formula
    member = customer_of("rep1", name="甲一", level="A")
    customer_of("rep1", name="甲二", level="A")
    odd = customer_of("rep1", name="甲三", level="A")
    scored(
        member,
        clv="860.50",
        rfm_segment="champions",
        abc_tier="A",
        lifecycle_stage="stability",
        loyalty_index=72.5,
        value_loyalty_quadrant="true_friends",
        clv_historical="1200.00",
        p_alive=0.93,
        churn_risk="high",
    )
    scored(odd, rfm_segment="=1+2", churn_risk="@SUM(A1)")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    client = client_for("rep1", language)
    as_of = scored.run.as_of.isoformat()

    # when it is exported as CSV and as XLSX
    body = b"".join(client.get(f"/segments/{segment.pk}/export.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(f"/segments/{segment.pk}/export.xlsx").streaming_content))
    ).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]

    # then the ten score columns end each row, headed in the user's language
    assert rows[0][-10:] == SCORE_HEADERS[language]
    assert cells[0][-10:] == SCORE_HEADERS[language]
    by_name = {row[3]: row[-10:] for row in rows[1:]}
    expected = [as_of, *(str(v) for v in SCORE_VALUES[language])]
    assert by_name["甲一"] == expected
    assert by_name["甲二"] == [""] * 10  # not scored yet
    # formula-safe as every export: the CSV prefixes ', the XLSX writes text cells
    assert by_name["甲三"][1] == "'=1+2" and by_name["甲三"][-1] == "'@SUM(A1)"
    sheet_rows = {row[3]: row[-10:] for row in cells[1:]}
    assert sheet_rows["甲一"][4] == 72.5 and sheet_rows["甲一"][8] == 0.93  # numbers stay numbers
    assert sheet_rows["甲三"][1] == "=1+2"
    odd_cell = next(r for r in sheet.iter_rows() if r[3].value == "甲三")[-10 + 1]
    assert odd_cell.data_type == "s"  # a text cell, never a formula


def test_edit_snapshot_and_delete_from_the_page(client_for, customer_of, rep1):
    customer_of("rep1", name="甲一", level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    client = client_for("rep1")

    page = client.get(f"/segments/{segment.pk}/edit/").content.decode()
    assert 'value="A 类"' in page
    response = client.post(
        f"/segments/{segment.pk}/edit/",
        {"name": "A 类（改）", "description": "重点", "query": "level=A"},
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.description) == ("A 类（改）", "重点")

    # a snapshot measures the whole base: a rep may not take one (the counts would tell them
    # about customers outside their scope), and the page offers none
    assert client.post(f"/segments/{segment.pk}/snapshot/").status_code == 403
    assert "/snapshot/" not in client.get(f"/segments/{segment.pk}/").content.decode()

    assert client.post(f"/segments/{segment.pk}/delete/").status_code == 302
    assert not Segment.objects.exists()


def test_a_manager_takes_a_snapshot_on_demand_at_most_every_ten_minutes(client_for, customer_of):
    from django.contrib.auth import get_user_model

    customer_of("rep1", name="甲一", level="A")
    manager = get_user_model().objects.get(username="manager")
    segment = services.create_segment(manager, {"name": "A 类", "params": {"level": "A"}})
    client = client_for("manager")

    response = client.post(f"/segments/{segment.pk}/snapshot/", follow=True)
    assert "Snapshot taken: 1 customers, 1 entered, 0 left." in response.content.decode()
    again = client.post(f"/segments/{segment.pk}/snapshot/", follow=True).content.decode()
    assert "less than 10 minutes ago" in again
    assert segment.snapshots.count() == 1


def test_one_failing_segment_does_not_stop_the_others_snapshots(rep1, monkeypatch):
    first = services.create_segment(rep1, {"name": "一", "params": {"level": "A"}})
    second = services.create_segment(rep1, {"name": "二", "params": {"level": "B"}})
    real = services.take_snapshot

    def failing(segment, **kwargs):
        if segment.pk == first.pk:
            raise OverflowError("date value out of range")
        return real(segment, **kwargs)

    monkeypatch.setattr(services, "take_snapshot", failing)
    assert services.snapshot_all(trigger="daily") == 1
    assert (first.snapshots.count(), second.snapshots.count()) == (0, 1)


@pytest.mark.parametrize(
    "query",
    [
        "created_to=9999-12-31",
        "created_from=0001-01-01",
        "last_order_to=9999-12-31",
        "owner=99999999999999999999999",
    ],
)
def test_criteria_the_list_cannot_run_are_refused_when_saved(rep1, query):
    with pytest.raises(ValidationError):
        services.create_segment(rep1, {"name": "x", "params": services.params_from_query(query)})


def test_export_rounds_the_scores_as_the_pages_show_them(client_for, customer_of, rep1, scored):
    member = customer_of("rep1", name="甲一", level="A")
    scored(member, loyalty_index=73.6842105263158, p_alive=0.30174845123, clv="860.5")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    client = client_for("rep1")

    body = b"".join(client.get(f"/segments/{segment.pk}/export.csv").streaming_content)
    row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1][-10:]
    assert (row[4], row[7], row[8]) == ("73.7", "860.50", "0.302")

    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(f"/segments/{segment.pk}/export.xlsx").streaming_content))
    ).active
    cells = list(list(sheet.iter_rows(values_only=True))[1][-10:])
    assert (cells[4], cells[8]) == (73.7, 0.302)
