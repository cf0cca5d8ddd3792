"""The task inbox: filters kept in the URL (kind, due range, overdue, search; a manager or
lead picks a colleague their scope covers), and bulk actions on a selection, all or nothing."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from guanxi.activities.models import Task
from guanxi.activities.services import create_task
from guanxi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

INBOX = "/tasks/"
BULK = "/tasks/bulk/"


def at(day: int) -> datetime:
    return timezone.make_aware(datetime(2031, 5, day, 10, 0))


@pytest.fixture
def tasks(personas, customer_of):
    rep1, rep2 = personas["rep1"], personas["rep2"]
    mine = customer_of("rep1", name="茗香茶庄")
    theirs = customer_of("rep2", name="华南客户")
    return {
        "call": create_task(rep1, {"title": "回访电话", "due_at": at(3)}, customer=mine),
        "visit": create_task(
            rep1, {"title": "上门拜访", "due_at": at(20), "kind": "follow_up"}, customer=mine
        ),
        "late": create_task(
            rep1, {"title": "催款", "due_at": timezone.now() - timedelta(days=2)}, customer=mine
        ),
        "personal": create_task(rep1, {"title": "写周报", "due_at": at(4)}),
        "rep2": create_task(rep2, {"title": "华南回访", "due_at": at(5)}, customer=theirs),
    }


def shown(html: str, tasks: dict) -> set[str]:
    return {name for name, t in tasks.items() if f'name="ids" value="{t.pk}"' in html}


def test_filters_by_kind_due_range_overdue_and_search(client_for, tasks):
    rep1 = client_for("rep1")
    assert shown(rep1.get(INBOX).content.decode(), tasks) == {"call", "visit", "late", "personal"}
    html = rep1.get(INBOX, {"kind": "follow_up"}).content.decode()
    assert shown(html, tasks) == {"visit"} and "1 open task" in html
    ranged = rep1.get(INBOX, {"due_from": "2031-05-01", "due_to": "2031-05-04"}).content.decode()
    assert shown(ranged, tasks) == {"call", "personal"}
    assert 'value="2031-05-04"' in ranged  # the filter stays in the page (and the URL)
    assert shown(rep1.get(INBOX, {"overdue": "on"}).content.decode(), tasks) == {"late"}
    assert shown(rep1.get(INBOX, {"q": "茗香"}).content.decode(), tasks) == {
        "call",
        "visit",
        "late",
    }
    none = rep1.get(INBOX, {"q": "没有这个"}).content.decode()
    assert "No open task matches these filters." in none


def test_sort_links_keep_the_filters(client_for, tasks):
    html = client_for("rep1").get(INBOX, {"kind": "task", "sort": "-due"}).content.decode()
    assert "/tasks/?kind=task&amp;sort=due" in html
    assert html.index("写周报") < html.index("回访电话")  # 4 May before 3 May when descending


def test_a_bad_filter_says_which_field_in_the_users_language(client_for, tasks):
    html = client_for("rep1").get(INBOX, {"due_from": "2031-05-09", "due_to": "2031-05-01"})
    assert "The end date must not be before the start date." in html.content.decode()
    # a lead has the Assignee filter (a rep has none: the value is ignored); rep2 is in
    # another team
    zh = client_for("lead_a", "zh-hans").get(INBOX, {"assignee": tasks["rep2"].assignee_id})
    # the label and the message are joined by the full-width colon in Chinese
    assert "<li>负责人：请选择一位您可查看其任务的同事。</li>" in zh.content.decode()


def test_refused_filter_values_stay_in_their_boxes(client_for, tasks, htmx):
    """A refused due date (an end before the start, a date that does not exist) or a search
    over 100 characters is put back in its box, escaped, with the error above the list; it
    filters nothing and the other filters still apply. The inbox's live update swaps the whole
    page body, so the boxes come from the server there too."""
    rep1 = client_for("rep1")
    query = {"kind": "follow_up", "due_from": "2031-05-09", "due_to": "2031-05-01"}
    for headers in ({}, htmx):
        html = rep1.get(INBOX, query, **headers).content.decode()
        assert "<li>Due until: The end date must not be before the start date.</li>" in html
        assert 'name="due_from" value="2031-05-09"' in html
        assert 'name="due_to" value="2031-05-01"' in html
        assert shown(html, tasks) == {"visit"}  # the kind and the start still filter

    long_search = '"><b>x</b>' + "茶" * 95
    html = rep1.get(INBOX, {"due_to": "2031-02-30", "q": long_search}).content.decode()
    assert 'name="due_to" value="2031-02-30"' in html
    escaped = "&quot;&gt;&lt;b&gt;x&lt;/b&gt;" + "茶" * 95
    assert f'name="q" value="{escaped}"' in html and "<b>x" not in html
    assert shown(html, tasks) == {"call", "visit", "late", "personal"}


def test_assignee_filter_is_for_those_whose_scope_covers_colleagues(client_for, personas, tasks):
    rep1_id, rep2_id = personas["rep1"].pk, personas["rep2"].pk
    lead = client_for("lead_a").get(INBOX, {"assignee": rep1_id}).content.decode()
    assert shown(lead, tasks) == {"call", "visit", "late"}  # not rep1's personal task
    assert f'<option value="{rep1_id}" selected>' in lead
    assert f'<option value="{rep2_id}"' not in lead  # rep2 is not in the lead's scope
    refused = client_for("lead_a").get(INBOX, {"assignee": rep2_id}).content.decode()
    assert "Choose a colleague whose tasks you may see." in refused
    manager = client_for("manager").get(INBOX, {"assignee": rep2_id}).content.decode()
    assert shown(manager, tasks) == {"rep2"}
    rep1 = client_for("rep1").get(INBOX).content.decode()
    assert 'name="assignee"' not in rep1  # a rep sees only their own


def test_bulk_mark_done_is_audited_and_confirmed(client_for, tasks):
    ids = [tasks["call"].pk, tasks["personal"].pk]
    response = client_for("rep1").post(
        BULK, {"action": "done", "ids": ids, "query": "kind=task"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/tasks/?kind=task"
    assert "2 tasks marked done." in response.content.decode()
    assert Task.objects.filter(pk__in=ids, done_at__isnull=False).count() == 2
    entries = AuditEntry.objects.filter(model="task", action="update", object_id__in=ids)
    assert len(entries) == 2 and all(e.changes["done_at"][0] is None for e in entries)
    zh = client_for("rep1", "zh-hans").post(
        BULK, {"action": "done", "ids": [tasks["visit"].pk]}, follow=True
    )
    assert "已将 1 个任务标记为完成。" in zh.content.decode()


def test_a_selection_with_a_task_out_of_scope_changes_nothing(client_for, tasks):
    ids = [tasks["call"].pk, tasks["rep2"].pk]
    response = client_for("rep1").post(BULK, {"action": "done", "ids": ids}, follow=True)
    assert "1 selected task is outside what you may change; nothing was changed." in (
        response.content.decode()
    )
    assert not Task.objects.filter(done_at__isnull=False).exists()
    zh = client_for("rep1", "zh-hans").post(BULK, {"action": "done", "ids": ids}, follow=True)
    assert "所选任务中有 1 个超出您可修改的范围；未做任何更改。" in zh.content.decode()
    viewer = client_for("viewer").post(BULK, {"action": "done", "ids": [tasks["call"].pk]})
    assert viewer.status_code == 302
    assert not Task.objects.filter(done_at__isnull=False).exists()


def test_reassign_is_for_managers_and_leads_to_a_colleague_who_can_write(
    client_for, personas, tasks
):
    ids = [tasks["call"].pk, tasks["visit"].pk]
    rep1, lead, viewer = personas["rep1"], personas["lead_a"], personas["viewer"]
    refused = client_for("rep1").post(
        BULK, {"action": "reassign", "assignee": lead.pk, "ids": ids}, follow=True
    )
    assert "Only managers and team leads may reassign tasks." in refused.content.decode()
    read_only = client_for("manager").post(
        BULK, {"action": "reassign", "assignee": viewer.pk, "ids": ids}, follow=True
    )
    assert "A read-only user cannot take over tasks" in read_only.content.decode()
    outside = client_for("lead_a").post(
        BULK, {"action": "reassign", "assignee": personas["rep2"].pk, "ids": ids}, follow=True
    )
    assert "Choose a colleague in your team as the new assignee." in outside.content.decode()
    assert set(Task.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {rep1.pk}

    moved = client_for("lead_a").post(
        BULK, {"action": "reassign", "assignee": lead.pk, "ids": ids}, follow=True
    )
    assert "2 tasks handed to 李组长." in moved.content.decode()
    assert set(Task.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {lead.pk}
    entries = AuditEntry.objects.filter(model="task", action="update", object_id__in=ids)
    assert sorted(e.changes["assignee"] for e in entries) == [[rep1.pk, lead.pk]] * 2


def test_export_of_a_selection_in_the_users_language(client_for, tasks):
    ids = [tasks["call"].pk, tasks["visit"].pk]
    response = client_for("rep1", "zh-hans").post(BULK, {"action": "export", "ids": ids})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0].lstrip("\ufeff") == "截止" and rows[0][4] == "负责人"
    assert [r[2] for r in rows[1:]] == ["回访电话", "上门拜访"]  # in the order of their ids
    assert rows[1][3] == "茗香茶庄" and rows[1][4] == "张伟"
    refused = client_for("rep1").post(
        BULK, {"action": "export", "ids": [tasks["call"].pk, tasks["rep2"].pk]}, follow=True
    )
    assert "1 selected task is outside what you may see; nothing was exported." in (
        refused.content.decode()
    )
    assert client_for("rep1").get(BULK).status_code == 405


def test_marking_one_done_from_a_filtered_inbox_keeps_its_filters(client_for, tasks):
    response = client_for("rep1").post(
        f"/tasks/{tasks['call'].pk}/done/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/tasks/?kind=task&q=茗香",
    )
    html = response.content.decode()
    assert shown(html, tasks) == {"late"}  # the call is done; the personal task is filtered out
