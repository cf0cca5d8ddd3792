"""Issue 8 item 4 and the phone helpers of item 3: saving confirms it in the user's language,
marking a task done can be undone (POST, audited), phones read the Chinese way as tel: links."""

import pytest
from django.utils import timezone

from guanxi.activities.models import Task
from guanxi.activities.services import complete_task, create_task
from guanxi.audit.models import AuditEntry
from guanxi.customers.templatetags.guanxi_ui import phone, tel_link

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "data", "en", "zh"),
    [
        ("notes", {"kind": "general", "body": "喜欢龙井"}, "Note saved.", "备注已保存。"),
        (
            "tasks",
            {"kind": "task", "title": "回访", "due_at": "2030-03-05T10:00"},
            "Task saved.",
            "任务已保存。",
        ),
        (
            "interactions",
            {
                "channel": "phone",
                "direction": "inbound",
                "content_kind": "information",
                "subject": "来电咨询",
            },
            "Interaction saved.",
            "互动记录已保存。",
        ),  # fmt: skip
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_saving_confirms_it_in_the_users_language(
    client_for, customer_of, htmx, kind, data, en, zh, language
):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1", language)
    url = f"/customers/{customer.pk}/{kind}/new/"
    # htmx: the confirmation comes with the timeline, out of band into the page's #messages
    html = client.post(url, data, **htmx).content.decode()
    confirmation = html[html.index('<div id="messages"') :]
    assert 'hx-swap-oob="outerHTML"' in confirmation.split(">")[0]
    assert (en if language == "en" else zh) in confirmation
    # a plain post: the same confirmation on the page it redirects to
    response = client.post(url, data, follow=True)
    assert (en if language == "en" else zh) in response.content.decode()


def test_the_page_always_has_the_place_the_confirmation_goes(client_for, customer_of):
    customer = customer_of("rep1", name="张三")
    html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert '<div id="messages"' in html


def test_mark_done_then_undo_on_the_timeline(client_for, customer_of, htmx, rep1):
    customer = customer_of("rep1", name="张三")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    client = client_for("rep1", "zh-hans")
    done_url = f"/tasks/{task.pk}/done/"

    html = client.post(done_url, {"view": "timeline"}, **htmx).content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    assert html.lstrip().startswith('<div id="timeline">')
    confirmation = html[html.index('<div id="messages"') :]
    assert "任务“回访”已标记为完成。" in confirmation
    # the Undo button posts done=0 back to the same place and swaps the timeline
    assert f'hx-post="{done_url}"' in confirmation and 'hx-target="#timeline"' in confirmation
    assert 'name="done" value="0"' in confirmation and "撤销" in confirmation

    html = client.post(done_url, {"done": "0", "view": "timeline"}, **htmx).content.decode()
    task.refresh_from_db()
    assert task.done_at is None
    assert "任务“回访”已重新打开。" in html and "撤销" not in html

    changes = [
        e.changes["done_at"]
        for e in AuditEntry.objects.filter(model="task", action="update").order_by("pk")
    ]
    assert len(changes) == 2
    assert changes[0][0] is None and changes[0][1]  # done
    assert changes[1][0] and changes[1][1] is None  # undone
    assert {e.customer_id for e in AuditEntry.objects.filter(model="task")} == {customer.pk}
    assert {e.actor for e in AuditEntry.objects.filter(model="task")} == {rep1}


def test_undo_without_htmx_redirects_back_with_the_confirmation(client_for, customer_of, rep1):
    customer = customer_of("rep1", name="张三")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    client = client_for("rep1")
    response = client.post(f"/tasks/{task.pk}/done/", {"view": "timeline"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/customers/{customer.pk}/"
    html = response.content.decode()
    assert "Task “回访” marked done." in html and ">Undo</button>" in html
    response = client.post(f"/tasks/{task.pk}/done/", {"done": "0"}, follow=True)
    assert response.redirect_chain[-1][0] == "/tasks/"
    assert "Task “回访” is open again." in response.content.decode()
    assert Task.objects.get(pk=task.pk).done_at is None


def test_undo_is_refused_for_another_teams_task(client_for, customer_of, rep2):
    customer = customer_of("rep2", name="李四")
    task = create_task(rep2, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    complete_task(rep2, task)
    assert client_for("rep1").post(f"/tasks/{task.pk}/done/", {"done": "0"}).status_code == 404
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_marking_a_done_task_done_again_keeps_when_and_logs_nothing(customer_of, rep1):
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()})
    first = complete_task(rep1, task).done_at
    assert complete_task(rep1, task).done_at == first
    assert AuditEntry.objects.filter(model="task", action="update").count() == 1


@pytest.mark.parametrize(
    ("stored", "shown", "href"),
    [
        ("+8613800138000", "138 0013 8000", "tel:+8613800138000"),
        ("+862161234567", "021 6123 4567", "tel:+862161234567"),
        ("+14155552671", "(415) 555-2671", "tel:+14155552671"),
    ],
)
def test_phone_numbers_read_the_way_people_read_them(stored, shown, href):
    assert phone(stored) == shown
    assert tel_link(stored) == f'<a href="{href}" class="tel">{shown}</a>'


def test_no_phone_or_no_number():
    assert tel_link("") == "—"
    assert tel_link("not a number") == "not a number"
    assert phone("") == ""


def test_lists_show_tel_links(client_for, customer_of):
    customer_of("rep1", name="张三", mobile="13800138000")
    html = client_for("rep1").get("/customers/").content.decode()
    assert '<a href="tel:+8613800138000" class="tel">138 0013 8000</a>' in html


@pytest.mark.parametrize(
    ("language", "summary"),
    [
        ("en", "Correct the marked fields, then save again:"),
        ("zh-hans", "请修改标出的字段，然后再次保存："),
    ],
)
def test_a_form_with_errors_says_what_to_do_and_links_the_fields(
    client_for, customer_of, htmx, language, summary
):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1", language)
    html = client.post(
        f"/customers/{customer.pk}/tasks/new/", {"kind": "task", "title": ""}, **htmx
    ).content.decode()
    assert summary in html
    assert 'href="#id_title"' in html and 'href="#id_due_at"' in html
    assert 'href="#id_kind"' not in html  # only the fields that need fixing
    # and each field says what to do
    expected = {
        "en": ["Give the task a title.", "Give the task a due date."],
        "zh-hans": ["请填写任务标题。", "请填写任务的截止时间。"],
    }[language]
    assert all(message in html for message in expected)
    html = client.post(
        f"/customers/{customer.pk}/notes/new/", {"kind": "general", "body": ""}, **htmx
    ).content.decode()
    assert {"en": "Write the note, then save it.", "zh-hans": "请先写好备注内容，再保存。"}[
        language
    ] in html
    assert not Task.objects.exists()
