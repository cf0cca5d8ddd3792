"""The 360 page: timeline, htmx forms, tasks, masking and reveal, consent, audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.activities.models import Interaction, Note, Task
from guanxi.activities.services import create_task, record_interaction
from guanxi.customers.models import Customer
from guanxi.privacy.models import Consent, RevealLog

pytestmark = pytest.mark.django_db

SECRET_ID = "110101199003074514"


def _interaction(**overrides):
    data = {
        "channel": "phone",
        "direction": "outbound",
        "content_kind": "information",
        "subject": "回访",
        "content": "询问新茶",
    }
    data.update(overrides)
    return data


def test_360_page_shows_profile_groups_and_one_timeline_newest_first(
    client_for, customer_of, rep1, product
):
    from guanxi.activities.services import add_note
    from guanxi.sales.services import create_order

    customer = customer_of("rep1", name="张三", city="杭州市", member_level="金卡", tags=["茶友"])
    now = timezone.now()
    record_interaction(
        rep1, customer, _interaction(subject="第一次拜访", occurred_at=now - timedelta(days=3))
    )
    create_order(
        rep1,
        customer,
        {"ordered_at": now - timedelta(days=2)},
        [{"product": product, "quantity": 2}],
    )
    add_note(rep1, customer, "客户喜欢龙井")
    html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert "杭州市" in html and "金卡" in html and "茶友" in html
    assert "Demographic" in html and "Platform" in html
    timeline = html[html.index('id="timeline"') :]
    assert timeline.index("客户喜欢龙井") < timeline.index("256.00") < timeline.index("第一次拜访")
    assert "龙井茶 250g × 2" in timeline


def test_the_profile_labels_the_external_id_as_the_export_columns_do(client_for, customer_of):
    """A demo review: the 360 page said "External id" where the exports say "External ID"."""
    customer = customer_of("rep1", name="张三", external_id="VIP-007")

    html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    zh = client_for("rep1", "zh-hans").get(f"/customers/{customer.pk}/").content.decode()

    assert "<dt>External ID</dt><dd>VIP-007</dd>" in html and "External id" not in html
    assert "<dt>外部编号</dt><dd>VIP-007</dd>" in zh


def test_rep_gets_404_on_other_teams_360_and_posts_and_nothing_changes(client_for, customer_of):
    customer = customer_of("rep2", name="李四")
    client = client_for("rep1")
    base = f"/customers/{customer.pk}"
    assert client.get(f"{base}/").status_code == 404
    posts = {
        f"{base}/interactions/new/": _interaction(),
        f"{base}/notes/new/": {"kind": "general", "body": "偷看"},
        f"{base}/tasks/new/": {"kind": "task", "title": "x", "due_at": "2030-01-01T09:00"},
        f"{base}/consent/": {"purpose": "marketing", "granted": "yes"},
        f"{base}/reveal/": {"field": "id_number", "purpose": "测试目的"},
        f"{base}/contacts/new/": {"name": "某人"},
    }
    for url, data in posts.items():
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 404, url
    assert Interaction.objects.count() == 0
    assert Note.objects.count() == 0
    assert Task.objects.count() == 0
    assert Consent.objects.count() == 0
    assert RevealLog.objects.count() == 0


def test_read_only_user_cannot_post_on_the_360_page(client_for, customer_of):
    customer = customer_of("rep1", name="张三")
    client = client_for("viewer")
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    # 403 like the API: the user may see this customer, only not change it
    response = client.post(f"/customers/{customer.pk}/interactions/new/", _interaction())
    assert response.status_code == 403
    response = client.post(
        f"/customers/{customer.pk}/consent/", {"purpose": "marketing", "granted": "yes"}
    )
    assert response.status_code == 403
    assert Interaction.objects.count() == 0 and Consent.objects.count() == 0


def test_add_interaction_with_htmx_returns_timeline_and_fresh_form(client_for, customer_of, htmx):
    customer = customer_of("rep1", name="张三")
    response = client_for("rep1").post(
        f"/customers/{customer.pk}/interactions/new/",
        _interaction(channel="wechat", subject="微信问候", occurred_at="2024-03-05T14:30"),
        **htmx,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="timeline">')
    assert 'id="interaction-form" hx-swap-oob="outerHTML"' in html
    assert "微信问候" in html
    interaction = Interaction.objects.get()
    assert interaction.channel == "wechat"
    assert (
        timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%d %H:%M") == "2024-03-05 14:30"
    )


def test_invalid_interaction_rerenders_the_form_in_place(client_for, customer_of, htmx):
    customer = customer_of("rep1", name="张三")
    response = client_for("rep1").post(
        f"/customers/{customer.pk}/interactions/new/", _interaction(subject=""), **htmx
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#interaction-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert 'id="id_subject_error"' in response.content.decode()
    assert Interaction.objects.count() == 0


def test_plain_post_without_htmx_redirects_to_360(client_for, customer_of):
    customer = customer_of("rep1", name="张三")
    response = client_for("rep1").post(
        f"/customers/{customer.pk}/notes/new/", {"kind": "complaint", "body": "包装破损"}
    )
    assert response.status_code == 302
    assert Note.objects.get().kind == "complaint"


def test_do_not_contact_refuses_outbound_interaction_with_message(client_for, customer_of, htmx):
    customer = customer_of("rep1", name="张三", do_not_contact=True)
    client = client_for("rep1")
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="dnc-badge"' in page
    response = client.post(f"/customers/{customer.pk}/interactions/new/", _interaction(), **htmx)
    assert "asked not to be contacted" in response.content.decode()
    assert Interaction.objects.count() == 0
    # the customer may still reach the company
    client.post(
        f"/customers/{customer.pk}/interactions/new/",
        _interaction(direction="inbound", subject="来电投诉"),
        **htmx,
    )
    assert Interaction.objects.get().subject == "来电投诉"


def test_add_task_and_mark_it_done_on_the_timeline(client_for, customer_of, htmx, rep1):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1")
    client.post(
        f"/customers/{customer.pk}/tasks/new/",
        {"kind": "follow_up", "title": "送新茶样品", "due_at": "2024-03-05T10:00"},
        **htmx,
    )
    task = Task.objects.get()
    assert task.assignee == rep1 and task.kind == "follow_up"
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "送新茶样品" in html and "overdue" in html
    response = client.post(f"/tasks/{task.pk}/done/", {"view": "timeline"}, **htmx)
    assert response.content.decode().lstrip().startswith('<div id="timeline">')
    task.refresh_from_db()
    assert task.done_at is not None


def test_other_team_cannot_complete_a_task(client_for, customer_of, rep1):
    customer = customer_of("rep1", name="张三")
    task = create_task(rep1, {"title": "回访", "due_at": timezone.now()}, customer=customer)
    assert client_for("rep2").post(f"/tasks/{task.pk}/done/").status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_tasks_inbox_lists_my_open_tasks_and_birthday_reminders(client_for, customer_of, rep1):
    from guanxi.activities.services import generate_personal_reminders

    today = timezone.localdate()
    customer_of("rep1", name="寿星", birthday=today.replace(year=1990))
    generate_personal_reminders(today)
    overdue = create_task(
        rep1, {"title": "过期的回访", "due_at": timezone.now() - timedelta(days=2)}
    )
    create_task(rep1, {"title": "已完成", "due_at": timezone.now()}).done_at = timezone.now()
    done = Task.objects.get(title="已完成")
    done.done_at = timezone.now()
    done.save()
    client = client_for("rep1")
    html = client.get("/tasks/").content.decode()
    assert "寿星" in html and "Birthday reminder" in html
    assert "过期的回访" in html and 'class="overdue"' in html
    assert "已完成" not in html
    assert "过期的回访" not in client_for("rep2").get("/tasks/").content.decode()
    response = client.post(f"/tasks/{overdue.pk}/done/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox">')
    inbox, confirmation = html.split('<div id="messages"')
    assert "过期的回访" not in inbox
    assert "过期的回访" in confirmation and "Undo" in confirmation  # the toast, with its Undo


def test_sensitive_fields_are_masked_and_reveal_button_only_with_permission(
    client_for, customer_of
):
    customer = customer_of("rep1", name="张三", id_number=SECRET_ID, health_notes="高血压")
    rep_html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert SECRET_ID not in rep_html and "高血压" not in rep_html
    assert "••••14" in rep_html
    assert "/reveal/" not in rep_html
    manager_html = client_for("manager").get(f"/customers/{customer.pk}/").content.decode()
    assert SECRET_ID not in manager_html and "高血压" not in manager_html
    assert f"/customers/{customer.pk}/reveal/" in manager_html


def test_a_firms_sensitive_card_leaves_out_a_persons_rows_unless_stored(client_for, customer_of):
    """A new-user review found "Health information" and "Minor" on a company's card."""
    firm = customer_of("rep1", name="云创科技", kind="organisation", category="company")
    person = customer_of("rep1", name="张三")

    def card(customer):
        html = client_for("rep1", "en").get(f"/customers/{customer.pk}/").content.decode()
        return html.split('id="sensitive"')[1].split('<div class="card"')[0]

    assert "Health information" not in card(firm) and "Minor" not in card(firm)
    assert "Bank account" in card(firm) and "Precise location" in card(firm)
    assert "Health information" in card(person) and "Minor" in card(person)
    Customer.objects.filter(pk=firm.pk).update(health_notes="stored by an import", is_minor=True)
    assert "Health information" in card(firm)  # stored: shown (masked), so it can be erased
    # the minor flag never: a row shown only when it is set would say what the mask hides
    assert "Minor" not in card(firm)


def test_the_header_names_the_category_as_such(client_for, customer_of):
    """The header read "Organisation · Company", two words that both looked like a kind."""
    firm = customer_of("rep1", name="云创科技", kind="organisation", category="company")
    english = client_for("rep1", "en").get(f"/customers/{firm.pk}/").content.decode()
    chinese = client_for("rep1", "zh-hans").get(f"/customers/{firm.pk}/").content.decode()
    assert "Organisation · Category: Company · Owner: " in english
    assert "组织 · 类别：企业 · 负责人：" in chinese


def test_reveal_with_purpose_shows_value_and_logs_it(client_for, customer_of, manager, htmx):
    customer = customer_of("rep1", name="张三", id_number=SECRET_ID)
    client = client_for("manager")
    url = f"/customers/{customer.pk}/reveal/"
    short = client.post(url, {"field": "id_number", "purpose": "看"}, **htmx).content.decode()
    assert SECRET_ID not in short and "State the purpose" in short
    assert RevealLog.objects.count() == 0
    html = client.post(url, {"field": "id_number", "purpose": "核对开票信息"}, **htmx)
    assert SECRET_ID in html.content.decode()
    log = RevealLog.objects.get()
    assert (log.user, log.customer, log.field, log.purpose, log.route) == (
        manager,
        customer,
        "id_number",
        "核对开票信息",
        "page",
    )


def test_reveal_is_refused_without_permission(client_for, customer_of):
    customer = customer_of("rep1", name="张三", id_number=SECRET_ID)
    response = client_for("rep1").post(
        f"/customers/{customer.pk}/reveal/", {"field": "id_number", "purpose": "我想看看"}
    )
    assert response.status_code == 403
    assert SECRET_ID not in response.content.decode()
    assert RevealLog.objects.count() == 0


def test_record_consent_per_purpose(client_for, customer_of, rep1, htmx):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1")
    html = client.post(
        f"/customers/{customer.pk}/consent/", {"purpose": "marketing", "granted": "yes"}, **htmx
    ).content.decode()
    assert html.lstrip().startswith('<div id="consent">')
    consent = Consent.objects.get()
    assert (consent.purpose, consent.granted, consent.recorded_by) == ("marketing", True, rep1)
    client.post(f"/customers/{customer.pk}/consent/", {"purpose": "marketing", "granted": "no"})
    from guanxi.privacy.services import consent_state

    assert consent_state(customer)["marketing"] is False


def test_audit_trail_shown_to_managers_only(client_for, customer_of, rep1):
    from guanxi.customers.services import update_customer

    customer = customer_of("rep1", name="张三", level="B")
    update_customer(rep1, customer, {"level": "A", "id_number": SECRET_ID})
    manager_html = client_for("manager").get(f"/customers/{customer.pk}/").content.decode()
    assert "Audit trail" in manager_html
    assert "Customer level" in manager_html and "张伟" in manager_html
    assert SECRET_ID not in manager_html and "***" in manager_html
    rep_html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert "Audit trail" not in rep_html


def test_360_query_count_is_bounded(client_for, customer_of, rep1, django_assert_max_num_queries):
    customer = customer_of("rep1", name="张三")
    for i in range(10):
        record_interaction(rep1, customer, _interaction(subject=f"回访{i}"))
        create_task(rep1, {"title": f"任务{i}", "due_at": timezone.now()}, customer=customer)
    client = client_for("rep1")
    # session, user with profile, customer, one query of flags saying which optional cards
    # (answered surveys, contracts, referrals, collaborators, merges to undo) and timeline
    # sources (orders, notes, losses here) are empty, with the consents in force and the tags,
    # the two sources that are not (interactions, tasks): not per item (the share form, with
    # its colleagues, comes on demand); the owner's own customer needs no scope query to be
    # read, changed, managed or revealed (no collaborations)
    with django_assert_max_num_queries(6):
        client.get(f"/customers/{customer.pk}/")


def test_an_orders_lines_ride_in_the_orders_query_in_their_order(
    client_for, customer_of, rep1, product, django_assert_num_queries
):
    """The timeline's order items name their lines ("龙井茶 250g × 2；…") from a string
    aggregate in the orders query (guanxi/joined.py), which no database orders: the lines come
    back sorted by id, as the order page lists them, on SQLite and PostgreSQL alike."""
    from guanxi.sales.services import create_order, create_product

    customer = customer_of("rep1", name="张三")
    others = [
        create_product(None, {"sku": f"P-{i}", "name": name, "price": "9.90"})
        for i, name in enumerate(["白茶 100g", "Tea × gift; box", "普洱 357g"])
    ]
    lines = [
        {"product": others[2], "quantity": 3},
        {"product": product, "quantity": 2},
        {"product": others[0], "quantity": 1},
        {"product": others[1], "quantity": 12},
    ]
    create_order(rep1, customer, {}, lines)
    create_order(rep1, customer, {}, [{"product": others[0], "quantity": 5}])
    client = client_for("rep1")
    page = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "普洱 357g × 3；龙井茶 250g × 2；白茶 100g × 1；Tea × gift; box × 12" in html
    assert "白茶 100g × 5" in html and "白茶 100g × 5；" not in html  # the one-line order
    # session, user, customer, flags (with the tags), the orders with their lines
    with django_assert_num_queries(5):
        client.get(f"/customers/{customer.pk}/")


def test_every_timeline_source_shows_when_its_flag_says_it_has_rows(
    client_for, customer_of, rep1, product
):
    """The flags query (guanxi/prepared.py, compiled once) skips empty sources; each source
    with a row still shows, and a customer with none says so."""
    from guanxi.activities.services import add_note
    from guanxi.customers.retention import mark_lost, win_back
    from guanxi.sales.services import create_order

    empty = customer_of("rep1", name="空白")
    html = client_for("rep1").get(f"/customers/{empty.pk}/").content.decode()
    assert 'data-kind="' not in html[html.index('id="timeline"') :]

    customer = customer_of("rep1", name="张三")
    record_interaction(rep1, customer, _interaction(subject="拜访"))
    create_order(rep1, customer, {}, [{"product": product, "quantity": 1}])
    add_note(rep1, customer, "备注一条")
    create_task(rep1, {"title": "回电", "due_at": timezone.now()}, customer=customer)
    mark_lost(rep1, customer, "price", "太贵")
    win_back(rep1, customer, "回来了")
    html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    for kind in ("interaction", "order", "note", "task", "lost", "won_back"):
        assert f'data-kind="{kind}"' in timeline, kind
    # the note's kind is named once, in its meta line (a review saw "General" twice)
    html = client_for("rep1").get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    note = html.content.decode().split('data-kind="note"')[1].split("</li>")[0]
    assert note.count("General") == 1 and "备注一条" in note


def test_the_compiled_flags_query_answers_as_the_orm_does(customer_of, rep1):
    """OneRowFlags runs SQL compiled once with a sentinel id; for other ids it must answer
    as a freshly built query does, and refuse a query that does not depend on its id."""
    from guanxi.activities.services import add_note
    from guanxi.customers.models import Customer
    from guanxi.customers.services import add_tag
    from guanxi.prepared import OneRowFlags
    from guanxi.privacy.services import consent_state, record_consent
    from guanxi.workspace.views import _presence_query, card_presence

    with_note = customer_of("rep1", name="甲")
    add_note(rep1, with_note, "有备注")
    record_consent(rep1, with_note, "marketing", True)
    record_consent(rep1, with_note, "marketing", False)  # the newest is in force
    record_consent(rep1, with_note, "analytics", True)
    plain = customer_of("rep1", name="乙")
    for name in ("重要", "VIP", "老客户"):
        add_tag(rep1, with_note, name)
    for customer in (with_note, plain, with_note):
        fresh = _presence_query(customer.pk).get()
        present = card_presence(customer)
        assert present.pop("consents") == consent_state(customer)
        assert present.pop("tag_names") == sorted(customer.tags.values_list("name", flat=True))
        assert present == {
            name.removeprefix("any_"): bool(value)
            for name, value in fresh.items()
            if name.startswith("any_")
        }
    assert card_presence(with_note)["consents"]["marketing"] is False
    assert card_presence(with_note)["consents"]["sharing"] is None
    assert card_presence(with_note)["timeline_note"] is True
    assert card_presence(plain)["timeline_note"] is False
    nobody = card_presence(Customer(pk=10**9))  # no row: nothing present, nothing decided
    assert not any(nobody.pop("consents").values()) and not any(nobody.values())
    with pytest.raises(ValueError):
        OneRowFlags(lambda pk: Customer.objects.values("pk")).flags(plain.pk)


def test_optional_cards_are_read_when_the_flags_say_they_have_something(
    client_for, customer_of, rep1, manager
):
    """card_presence skips the queries of empty cards; a card with something still shows."""
    from guanxi.customers.merging import merge_customers
    from guanxi.customers.models import Collaborator

    customer = customer_of("rep1", name="张三")
    friend = customer_of("rep1", name="李四")
    friend.referred_by = customer
    friend.save(update_fields=["referred_by"])
    Collaborator.objects.create(customer=customer, user=manager, access="read")
    twin = customer_of("rep1", name="张三丰")
    merge_customers(rep1, customer, twin, {})
    html = client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="merges"' in html and "张三丰" in html  # the merge card
    assert "李四" in html  # the referrals card names whom it referred
    assert manager.profile.display_name in html or manager.username in html  # collaborators


def test_the_managers_360_page_reads_orders_and_merges_in_the_trail(
    client_for, customer_of, manager, product
):
    """A new-user review found the 360 page answering 500 once an order existed (its audit entry
    has "lines", which the field lookup found as a reverse relation without a label), merges
    shown as "601 → 唐成", and every note and task shown twice (the item and its "created")."""
    from guanxi.activities.services import add_note
    from guanxi.customers.merging import merge_customers
    from guanxi.sales.services import create_order

    customer = customer_of("rep1", name="唐成")
    create_order(manager, customer, {}, [{"product": product, "quantity": 2}])
    add_note(manager, customer, "喜欢龙井")
    duplicate = customer_of("rep1", name="唐成（重复）")
    add_note(manager, duplicate, "另一条备注")
    merge_customers(manager, customer, duplicate)

    response = client_for("manager").get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "唐成（重复）" in html
    # the note appears once as a note; its creation is not a second timeline item
    assert html.count("喜欢龙井") == 1
    # the order's own entry (wherever it is shown) reads its lines under a label
    from django.utils import translation

    from guanxi.audit.models import AuditEntry
    from guanxi.customers.templatetags.guanxi_ui import change_rows

    entry = AuditEntry.objects.get(model="order", action="create")
    merge = AuditEntry.objects.get(model="customer", action="merge", customer_id=customer.pk)
    with translation.override("en"):
        assert "order lines" in [str(label) for label, _old, _new in change_rows(entry)]
        rows = {str(label): (old, new) for label, old, new in change_rows(merge)}
    assert rows["merged in"] == ("—", "唐成（重复）")
    assert rows["records moved"] == ("—", "notes: 1")


def test_note_task_and_share_forms_come_when_opened_and_without_javascript(
    client_for, customer_of, htmx
):
    # given: the owner's 360 page (the interaction form is in it; the folded ones are not)
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1")
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="subject"' in page and 'name="channel"' in page
    assert 'name="due_at"' not in page and 'name="body"' not in page
    assert 'name="expires_at"' not in page
    for kind, form_id, field in (
        ("notes", "note-form", "body"),
        ("tasks", "task-form", "due_at"),
    ):
        url = f"/customers/{customer.pk}/{kind}/new/"
        # a placeholder that htmx fills when the fold opens, with a link for no JavaScript
        assert f'<div id="{form_id}" class="form-on-demand" hx-get="{url}"' in page
        assert f'href="{url}#{form_id}"' in page

        # when opened (htmx): the form alone, ready to post
        fragment = client.get(url, **htmx).content.decode()
        assert fragment.lstrip().startswith(f'<div id="{form_id}"')
        assert f'hx-post="{url}"' in fragment and f'name="{field}"' in fragment

        # when the link is followed: the 360 page with the form open in it
        whole = client.get(url).content.decode()
        assert f'name="{field}"' in whole and 'id="timeline"' in whole
        assert whole.count("<details open>") == 1


def test_forms_on_demand_follow_the_scope(client_for, customer_of):
    customer = customer_of("rep1", name="张三")
    for kind in ("notes", "tasks", "interactions"):
        url = f"/customers/{customer.pk}/{kind}/new/"
        assert client_for("viewer").get(url).status_code == 403  # may read, not write
        assert client_for("rep2").get(url).status_code == 404  # another team
    share = f"/customers/{customer.pk}/collaborators/"
    assert client_for("viewer").get(share).status_code == 403
    assert client_for("rep2").get(share).status_code == 404
    assert Note.objects.count() == Task.objects.count() == 0


@pytest.mark.parametrize(("language", "word"), [("en", "Channel"), ("zh-hans", "渠道")])
def test_an_empty_form_rendered_once_is_the_form_rendered_anew(
    client_for, customer_of, language, word
):
    """The interaction form's empty fields are rendered once per process and language
    (unbound_once): the page shows exactly what a fresh rendering shows."""
    from guanxi.customers.templatetags import guanxi_ui

    customer = customer_of("rep1", name="张三")
    client = client_for("rep1", language)

    def form_html():
        page = client.get(f"/customers/{customer.pk}/").content.decode()
        start = page.index('<div id="interaction-form"')
        form = page[start : page.index("</form>", start)]
        return form.replace(form.split('name="csrfmiddlewaretoken" value="')[1][:64], "")

    guanxi_ui._UNBOUND_HTML.clear()
    fresh = form_html()
    assert guanxi_ui._UNBOUND_HTML  # kept for the next page
    assert form_html() == fresh
    assert word in fresh


def test_a_win_by_contracts_reads_as_words_in_the_timeline(db):
    # given: the audit entry of an opportunity won at its accepted contracts (win_opportunity)
    from django.utils import translation

    from guanxi.audit.models import AuditEntry
    from guanxi.customers.templatetags.guanxi_ui import change_rows

    entry = AuditEntry(
        action="update",
        model="opportunity",
        object_id="1",
        changes={"won_with_contracts": [None, ["HT-2026-0001", "HT-2026-0002"]]},
    )
    # then: a label in the reader's language, not the field name, and the contract numbers
    with translation.override("en"):
        assert [(str(label), old, new) for label, old, new in change_rows(entry)] == [
            ("won with the contracts", "—", "HT-2026-0001, HT-2026-0002")
        ]
    with translation.override("zh-hans"):
        assert str(change_rows(entry)[0][0]) == "赢单依据的合同"


def test_a_merged_duplicate_names_its_survivor_only_within_scope(client_for, customer_of, manager):
    """A hostile review: a manager merged rep1's duplicate into rep2's customer, and rep1's page
    of the duplicate named rep2's customer. It now says the survivor is out of scope."""
    from guanxi.customers.merging import merge_customers

    survivor = customer_of("rep2", name="乙方秘密客户")
    duplicate = customer_of("rep1", name="甲的重复")
    merge_customers(manager, survivor, duplicate)

    rep1 = client_for("rep1").get(f"/customers/{duplicate.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = rep1.content.decode()
    assert rep1.status_code == 200 and 'id="merged-notice"' in html
    assert "乙方秘密客户" not in html and f"/customers/{survivor.pk}/" not in html
    assert "outside your data scope" in html
    own = client_for("manager").get(f"/customers/{duplicate.pk}/").content.decode()
    assert "乙方秘密客户" in own and f"/customers/{survivor.pk}/" in own


def test_the_360_page_answers_only_reads(client_for, customer_of):
    customer = customer_of("rep1", name="张三")
    client = client_for("rep1")
    assert client.post(f"/customers/{customer.pk}/").status_code == 405
    assert client.head(f"/customers/{customer.pk}/").status_code == 200


def test_an_audit_entry_that_changed_nothing_shown_is_no_timeline_item(
    client_for, customer_of, manager
):
    """A new-user review saw "Received 0.00 → 0" items: change_rows leaves out rows whose
    values are equal, and an update with no row left is no item at all."""
    from guanxi.audit import services as audit

    customer = customer_of("rep1", name="张三")
    client = client_for("manager")

    def audit_items() -> int:
        html = client.get(f"/customers/{customer.pk}/").content.decode()
        return html[html.index('id="timeline"') :].count('data-kind="audit"')

    before = audit_items()
    update = audit.AuditEntry.Action.UPDATE
    audit.record(manager, update, customer, changes={"points": ["0", 0]})
    assert audit_items() == before
    audit.record(manager, update, customer, changes={"points": [0, 12]})
    assert audit_items() == before + 1


def test_the_interaction_forms_cached_fields_leave_each_firm_its_own_contacts(
    client_for, customer_of, rep1
):
    """The empty interaction form's fields are rendered once per process (unbound_once) in two
    blocks around the contact field, the one that differs between firms: each firm's page
    offers its own contacts, a person's none, and every page the fields of both blocks."""
    from guanxi.customers.services import create_contact

    firm_a = customer_of("rep1", name="甲公司", kind="organisation")
    firm_b = customer_of("rep1", name="乙公司", kind="organisation")
    person = customer_of("rep1", name="张三")
    create_contact(rep1, firm_a, {"name": "甲联系人"})
    create_contact(rep1, firm_b, {"name": "乙联系人"})
    client = client_for("rep1")
    for _round in range(2):  # the second round comes from the cache
        pages = {
            c.name: client.get(f"/customers/{c.pk}/").content.decode()
            for c in (firm_a, firm_b, person)
        }
        for html in pages.values():
            form = html.split('id="interaction-form"')[1].split("</form>")[0]
            assert 'name="channel"' in form and 'name="body_language"' in form
        assert "甲联系人" in pages["甲公司"].split('id="interaction-form"')[1].split("</form>")[0]
        assert "乙联系人" not in pages["甲公司"].split('id="interaction-form"')[1]
        assert "乙联系人" in pages["乙公司"].split('id="interaction-form"')[1].split("</form>")[0]
        assert (
            'name="contact"'
            not in pages["张三"].split('id="interaction-form"')[1].split("</form>")[0]
        )


def test_the_jinja_fragments_forms_carry_the_pages_valid_csrf_token(customer_of, rep1):
    """The scores panel and the timeline's task forms are rendered by Jinja2 with the page's
    own CSRF input (fast_templates.csrf_input): a plain post of each is accepted with CSRF
    checks on, and refused without the token."""
    import re

    from django.test import Client

    customer = customer_of("rep1", name="张三")
    task = create_task(rep1, {"title": "回电", "due_at": timezone.now()}, customer=customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep1)
    html = client.get(f"/customers/{customer.pk}/").content.decode()

    def token_of(form_id_or_action: str) -> str:
        form = html.split(form_id_or_action, 1)[1].split("</form>")[0]
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    done = f"/tasks/{task.pk}/done/"
    assert client.post(done, {"view": "timeline"}).status_code == 403  # no token
    response = client.post(done, {"view": "timeline", "csrfmiddlewaretoken": token_of(done)})
    assert response.status_code in (200, 302)
    task.refresh_from_db()
    assert task.done_at is not None
    lost = {"reason": "price", "note": "", "csrfmiddlewaretoken": token_of('id="mark-lost"')}
    assert client.post(f"/customers/{customer.pk}/lost/", lost).status_code in (200, 302)
    customer.refresh_from_db()
    assert customer.lost_at is not None


def test_a_run_of_audit_entries_folds_into_one_item_for_managers(client_for, customer_of, manager):
    """A new-user review: a manager's timeline opened with 14 audit rows of one minute. Three or
    more in a row fold into one "N changes recorded" item that lists them; fewer stay as they
    are, and the customer's own history is never folded."""
    from guanxi.audit import services as audit
    from guanxi.workspace.timeline import AUDIT_RUN

    customer = customer_of("rep1", name="张三")
    client = client_for("manager")

    def timeline() -> str:
        html = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
        return html.decode().split('id="timeline"')[1]

    assert 'data-kind="audit-run"' not in timeline()  # the customer's creation: one entry
    for points in range(1, AUDIT_RUN + 2):
        audit.record(
            manager, audit.AuditEntry.Action.UPDATE, customer, changes={"points": [0, points]}
        )
    html = timeline()
    assert html.count('data-kind="audit-run"') == 1
    run = html.split('data-kind="audit-run"')[1].split("</details>")[0]
    entries = AUDIT_RUN + 2  # the updates and the creation
    assert f"{entries} changes recorded" in run and run.count('data-kind="audit"') == entries
    assert (
        'data-kind="audit-run"'
        not in client_for("rep1").get(f"/customers/{customer.pk}/").content.decode()
    )


def test_a_firms_page_reads_its_contacts_once_and_the_form_still_checks_the_choice(
    client_for, customer_of, rep1
):
    """The contacts card and the interaction form's contact select share one query of the
    firm's contacts (InteractionForm's `contacts`); the select offers exactly them, the form
    opened alone (htmx) or sent back with an error still reads them itself, and a posted
    contact of another firm is refused, as the choice is looked up in the firm's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.customers.services import create_contact

    firm = customer_of("rep1", name="甲公司", kind="organisation")
    other = customer_of("rep1", name="乙公司", kind="organisation")
    mine = [create_contact(rep1, firm, {"name": name}) for name in ("王经理", "李会计")]
    theirs = create_contact(rep1, other, {"name": "乙联系人"})
    client = client_for("rep1")
    client.get(f"/customers/{firm.pk}/")  # warm the cached form blocks
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/customers/{firm.pk}/").content.decode()
    contact_queries = [q for q in queries.captured_queries if '"customers_contact"' in q["sql"]]
    assert len(contact_queries) == 1
    form = html.split('id="interaction-form"')[1].split("</form>")[0]
    select = form.split('name="contact"')[1].split("</select>")[0]
    assert [f'value="{c.pk}"' in select for c in mine] == [True, True]
    assert "乙联系人" not in select
    assert '<option value="" selected>(none)</option>' in select  # not Django's "---------"
    card = html.split('id="contacts"')[1].split('id="interaction-form"')[0]
    assert "王经理" in card and "李会计" in card

    alone = client.get(f"/customers/{firm.pk}/interactions/new/", HTTP_HX_REQUEST="true")
    assert f'value="{mine[1].pk}"' in alone.content.decode()

    data = {"channel": "phone", "direction": "outbound", "content_kind": "information"}
    refused = client.post(
        f"/customers/{firm.pk}/interactions/new/", {**data, "subject": "x", "contact": theirs.pk}
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Select a valid choice" in page or "选择一个有效的选项" in page
    assert f'value="{mine[0].pk}"' in page.split('id="interaction-form"')[1]
    assert not Interaction.objects.filter(customer=firm).exists()

    saved = client.post(
        f"/customers/{firm.pk}/interactions/new/",
        {**data, "subject": "回访", "contact": mine[0].pk},
    )
    assert saved.status_code == 302
    assert Interaction.objects.get(customer=firm).contact_id == mine[0].pk
    # the timeline names whom it was with (a new-user review could not tell)
    timeline = client.get(f"/customers/{firm.pk}/").content.decode().split('id="timeline"')[1]
    assert "Contact: 王经理" in timeline
    assert "李会计" not in timeline


def test_the_profile_card_shows_labels_choices_and_yes_in_the_users_language(customer_of):
    """profile_html translates its labels once per catalog (a speed measure): each language
    still gets its own labels, choices by their label, yes/no in words, values escaped, and a
    "No" for verified left out."""
    from django.utils import translation

    from guanxi.customers.templatetags.guanxi_ui import profile_html

    customer = customer_of("rep1", name="张三", gender="female", nickname='<b>"Tea" & co</b>')
    customer.verified = False
    with translation.override("en"):
        english = str(profile_html(customer))
    with translation.override("zh-hans"):
        chinese = str(profile_html(customer))
    assert "<dt>Gender</dt><dd>Female</dd>" in english
    assert "<dt>性别</dt><dd>女</dd>" in chinese
    assert "&lt;b&gt;&quot;Tea&quot; &amp; co&lt;/b&gt;" in english
    assert '<h3 class="group-title">Demographic</h3>' in english
    assert "Verified" not in english
