"""The customer list people work with: count, sorting by header, filters in the URL, bulk
actions on a selection through the same services and scope checks as one edit."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.customers.queries import ListCount, customer_list, list_count

pytestmark = pytest.mark.django_db

LIST = "/customers/"
BULK = "/customers/bulk/"


def names(qs):
    return [c.name for c in qs]


@pytest.fixture
def five(customer_of):
    return [
        customer_of("rep1", name="阿明", level="A", city="杭州市", source="referral"),
        customer_of("rep1", name="白兰", level="C", city="上海市", source="walk_in"),
        customer_of("rep1", name="陈晨", level="B", city="杭州市", source="exhibition"),
        customer_of("rep1", name="丁一", level="A", city="南京市", source="referral"),
        customer_of("rep2", name="鄂二", level="A", city="杭州市", source="referral"),
    ]


def test_sorts_end_on_the_id_so_equal_values_keep_one_order(personas, five):
    rep1 = personas["rep1"]
    assert names(customer_list(rep1, sort="name")) == ["阿明", "白兰", "陈晨", "丁一"]
    assert names(customer_list(rep1, sort="-name")) == ["丁一", "陈晨", "白兰", "阿明"]
    # two A customers: newest first among equals, reversed with the direction
    assert names(customer_list(rep1, sort="level")) == ["丁一", "阿明", "陈晨", "白兰"]
    assert names(customer_list(rep1, sort="-level")) == ["白兰", "陈晨", "阿明", "丁一"]
    # by code point (上 < 南 < 杭), then newest first among the two in 杭州市
    assert names(customer_list(rep1, sort="city")) == ["白兰", "丁一", "陈晨", "阿明"]
    assert names(customer_list(rep1, sort="oldest")) == ["阿明", "白兰", "陈晨", "丁一"]


def test_filters_by_owner_team_level_source_city_and_created(personas, teams, five):
    manager = personas["manager"]
    assert names(customer_list(manager, owner_id=personas["rep2"].pk)) == ["鄂二"]
    assert names(customer_list(manager, department_id=teams["b"].pk)) == ["鄂二"]
    # a team includes the teams below it
    assert len(customer_list(manager, department_id=teams["root"].pk)) == 5
    assert names(customer_list(manager, level="A", city="杭州", sort="oldest")) == ["阿明", "鄂二"]
    assert names(customer_list(manager, source="walk_in")) == ["白兰"]
    Customer.objects.filter(pk=five[0].pk).update(created_at=timezone.now() - timedelta(days=40))
    today = timezone.localdate()
    old = customer_list(manager, created_to=today - timedelta(days=30))
    assert names(old) == ["阿明"]
    assert len(customer_list(manager, created_from=today, created_to=today)) == 4
    # the rep's scope still applies under every filter
    assert names(customer_list(personas["rep1"], owner_id=personas["rep2"].pk)) == []


def test_last_order_range(personas, five, product):
    from guanxi.sales.services import create_order

    rep1 = personas["rep1"]
    when = timezone.make_aware(datetime(2025, 3, 10, 10, 0))
    create_order(rep1, five[0], {"ordered_at": when}, [{"product": product, "quantity": 1}])
    create_order(
        rep1,
        five[1],
        {"ordered_at": when + timedelta(days=60)},
        [{"product": product, "quantity": 1}],
    )
    assert names(customer_list(rep1, last_order_from=date(2025, 3, 1), sort="oldest")) == [
        "阿明",
        "白兰",
    ]
    # 白兰 ordered again after April: her last order is not within the range
    assert names(customer_list(rep1, last_order_to=date(2025, 4, 1))) == ["阿明"]
    assert names(customer_list(rep1, last_order_from=date(2025, 4, 1))) == ["白兰"]


def test_count_is_exact_when_small_and_a_lower_bound_beyond_the_cap(personas, five):
    assert list_count(customer_list(personas["rep1"])) == ListCount(4, "exact")
    assert list_count(customer_list(personas["manager"]), cap=3) == ListCount(3, "at_least")


def test_count_above_the_threshold_is_the_planners_estimate_on_postgresql(
    personas, five, monkeypatch
):
    from django.db import connection

    from guanxi.customers import queries

    monkeypatch.setattr(queries, "ESTIMATE_ABOVE", 0)
    count = list_count(customer_list(personas["manager"]))
    if connection.vendor == "postgresql":
        assert count.kind == "estimate" and count.n >= 1
    else:  # SQLite has no planner estimate: it counts
        assert count == ListCount(5, "exact")


def test_a_first_pages_estimate_is_the_whole_lists_not_its_limit(personas, monkeypatch):
    """small_first_page asks the planner about the page's own query (ids, LIMIT cap + 1) and
    reads the rows estimated below the LIMIT: the same estimate as the whole list's."""
    from django.db import connection

    from guanxi.customers import queries
    from guanxi.customers.models import Customer

    Customer.objects.bulk_create(
        Customer(name=f"客户{i}", owner=personas["manager"]) for i in range(200)
    )
    qs = customer_list(personas["manager"])
    if connection.vendor != "postgresql":
        assert queries.small_first_page(qs, size=25) is None  # SQLite keeps no estimate
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr(queries, "ESTIMATE_ABOVE", 0)
    monkeypatch.setattr(queries, "_ESTIMATES", {})
    whole = list_count(qs)
    first = queries.small_first_page(qs, size=2, cap=3)  # LIMIT 4
    assert whole.kind == "estimate" and whole.n > 4
    assert first == whole


def test_the_planners_estimate_is_kept_a_minute_for_the_same_query(personas, five, monkeypatch):
    """One EXPLAIN per minute for the same SQL and parameters (not one per page); another
    query, or the same after its minute, asks PostgreSQL again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.customers import queries

    if connection.vendor != "postgresql":
        assert queries.list_count(customer_list(personas["manager"])) == ListCount(5, "exact")
        return  # SQLite counts: there is no estimate to keep
    monkeypatch.setattr(queries, "ESTIMATE_ABOVE", 0)
    clock = [1000.0]
    monkeypatch.setattr(queries.time_module, "monotonic", lambda: clock[0])

    def explains(qs):
        with CaptureQueriesContext(connection) as ctx:
            count = list_count(qs)
        return count, sum(q["sql"].startswith("EXPLAIN") for q in ctx.captured_queries)

    first, asked = explains(customer_list(personas["manager"]))
    assert first.kind == "estimate" and asked == 1
    assert explains(customer_list(personas["manager"])) == (first, 0)
    assert explains(customer_list(personas["manager"], level="A"))[1] == 1  # another query
    clock[0] += queries.ESTIMATE_KEPT_SECONDS + 1
    assert explains(customer_list(personas["manager"])) == (first, 1)


def test_a_large_first_page_shows_the_planners_estimate_asked_once(
    client_for, customer_of, monkeypatch
):
    """On PostgreSQL a first page with more rows than ESTIMATE_ABOVE shows the planner's
    estimate (one EXPLAIN a request); SQLite counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.customers import queries

    for i in range(30):
        customer_of("rep1", name=f"客户{i:02d}")
    monkeypatch.setattr(queries, "ESTIMATE_ABOVE", 0)
    monkeypatch.setattr(queries, "_ESTIMATES", {})
    with CaptureQueriesContext(connection) as ctx:
        page = client_for("rep1", "en").get(LIST).content.decode()
    explains = sum(q["sql"].startswith("EXPLAIN") for q in ctx.captured_queries)
    if connection.vendor == "postgresql":
        assert "(estimate)" in page and explains == 1
    else:
        assert "30 customers" in page and explains == 0


@pytest.mark.parametrize("sort", ["newest", "name"])
def test_a_search_pages_through_every_match_once_with_its_exact_total(
    client_for, customer_of, sort
):
    """A search of 30 matches: 25, then 5, each once, the total exact on both pages. On
    PostgreSQL the first page's ids and total come from one scan of the matches (the
    planner expects few rows), not a page and then a COUNT that scans them again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = {customer_of("rep1", name=f"王小{i:02d}").pk for i in range(30)}
    customer_of("rep1", name="李四")  # not a match
    client = client_for("rep1", "en")
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(LIST, {"q": "wangxiao", "sort": sort}).content.decode()
    ids = [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', first)]
    assert len(ids) == 25 and "30 customers" in first
    scans = [q["sql"] for q in ctx.captured_queries if "name_words" in q["sql"]]
    assert scans
    if connection.vendor == "postgresql":
        assert not any("COUNT(" in sql.upper() for sql in scans)
    following = re.search(r'class="pager"><a href="\?([^"]+)"', first).group(1)
    # a phone's cards run long: the next page is also offered beside the count, the same one
    assert f'class="pager-top" href="?{following}"' in first
    second = client.get(LIST + "?" + following.replace("&amp;", "&")).content.decode()
    more = [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', second)]
    assert len(more) == 5 and "30 customers" in second
    assert "pager-top" not in second  # the last page
    assert set(ids) | set(more) == made and not set(ids) & set(more)
    expected = sorted(made, reverse=True) if sort == "newest" else None
    if expected:
        assert ids + more == expected


def test_page_shows_count_sort_links_and_keeps_filters_in_the_url(client_for, five):
    html = client_for("rep1").get(LIST, {"level": "A", "sort": "name"}).content.decode()
    assert "2 customers" in html
    assert html.index("阿明") < html.index("丁一")
    # the Name header now sorts the other way and keeps the filter; aria-sort says how
    assert 'aria-sort="ascending"' in html
    assert "?level=A&amp;sort=-name" in html
    zh = client_for("rep1", "zh-hans").get(LIST, {"level": "A"}).content.decode()
    assert "2 位客户" in zh


def test_the_default_order_is_named_and_created_on_claims_no_sort(client_for, five):
    """A demo review: the default order is by id (the order customers were added) while the
    Created on header showed ▼, over back-dated dates in no apparent order. No header claims
    that order; the sort line names it, in both languages."""
    html = client_for("rep1").get(LIST).content.decode()
    assert "aria-sort" not in html
    assert '<th scope="col">Created on</th>' in html
    assert re.search(r'sort=newest"[^>]*aria-current="true">Most recently added</a>', html)
    assert re.search(r'sort=oldest"[^>]*>First added</a>', html)
    oldest = client_for("rep1").get(LIST, {"sort": "oldest"}).content.decode()
    assert "aria-sort" not in oldest
    assert re.search(r'aria-current="true">First added</a>', oldest)
    assert oldest.index("阿明") < oldest.index("丁一")
    zh = client_for("rep1", "zh-hans").get(LIST).content.decode()
    assert re.search(r'排序：\s*<a [^>]*aria-current="true">最近录入</a>', zh)
    assert '<th scope="col">创建日期</th>' in zh


def test_invalid_filters_say_which_field(client_for, five):
    html = (
        client_for("rep1")
        .get(LIST, {"created_from": "2025-05-01", "created_to": "2025-04-01"})
        .content.decode()
    )
    assert "The end date must not be before the start date." in html
    zh = client_for("rep1", "zh-hans").get(LIST, {"created_from": "2025-13-45"}).content
    assert "创建" in zh.decode()


def test_an_invalid_filter_leaves_the_valid_ones_applied(client_for, five):
    """A demo review: a created-until date before the created-from date showed its error but
    dropped the level and city filters too, listing every customer."""
    today = timezone.localdate()
    query = {
        "level": "A",
        "city": "杭州",
        "created_from": today.isoformat(),
        "created_to": (today - timedelta(days=1)).isoformat(),
    }

    html = client_for("rep1").get(LIST, query).content.decode()

    # then the error names the invalid field, and the valid filters still narrow the list
    assert "<li>Created until: The end date must not be before the start date.</li>" in html
    assert "1 customer" in html and "阿明" in html
    assert not any(name in html for name in ("白兰", "陈晨", "丁一"))
    # in Chinese the label and the message are joined by the full-width colon
    zh = client_for("rep1", "zh-hans").get(LIST, query).content.decode()
    assert re.search(r"<li>[^<：:]+：结束日期[^<]*</li>", zh), zh[zh.find("errorlist") :][:300]
    assert "阿明" in zh and "白兰" not in zh


def test_a_refused_filter_value_stays_in_its_box(client_for, five, htmx):
    """A refused value (an end date before the start, a date that does not exist, an RFM score
    beyond 5, a search over 100 characters) is put back in its box, escaped, with the error
    above the list, and the group holding it is open: the user sees what to correct. A live
    update (htmx) replaces only the results, so the boxes keep what was typed."""
    long_search = '"><script>x</script>' + "张" * 90
    query = {
        "created_from": "2026-05-01",
        "created_to": "2026-01-01",
        "last_order_from": "2026-02-30",
        "r": "9",
        "q": long_search,
    }
    client = client_for("rep1")
    html = client.get(LIST, query).content.decode()
    assert "Created until: The end date must not be before the start date." in html
    assert 'name="created_from" value="2026-05-01"' in html
    assert 'name="created_to" value="2026-01-01"' in html
    assert 'name="last_order_from" value="2026-02-30"' in html
    assert 'inputmode="numeric" value="9"' in html
    escaped = "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" + "张" * 90
    assert f'name="q" value="{escaped}"' in html and "<script>x" not in html
    assert '<details class="more-filters" open>' in html
    assert '<details class="more-filters score-filters" id="score-filters" open>' in html

    live = client.get(LIST, query, **htmx).content.decode()
    assert live.startswith('<div id="results">') and 'name="created_to"' not in live
    assert "Created until: The end date must not be before the start date." in live


def test_bulk_tag_goes_through_the_service_and_is_audited(client_for, personas, five):
    ids = [five[0].pk, five[1].pk]
    response = client_for("rep1").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": ids, "query": "level=A"}
    )
    assert response.status_code == 302 and response["Location"] == "/customers/?level=A"
    assert set(Customer.objects.filter(tags__name="回访").values_list("pk", flat=True)) == set(ids)
    entries = AuditEntry.objects.filter(customer_id__in=ids, action=AuditEntry.Action.UPDATE)
    assert sorted(e.changes["tags"][1] for e in entries) == [["回访"], ["回访"]]
    client_for("rep1").post(BULK, {"action": "remove_tag", "tag": "回访", "ids": ids[:1]})
    assert list(Customer.objects.filter(tags__name="回访").values_list("pk", flat=True)) == [ids[1]]


def test_bulk_tag_on_customers_who_all_had_it_says_so(client_for, personas, five):
    """A demo review read "Tag added to 0 customers" as a failure: when every chosen customer
    already had the tag the message says so; when some had it, the usual count."""
    from guanxi.customers.services import add_tag

    for customer in five[:2]:
        add_tag(personas["rep1"], customer, "回访")
    ids = [five[0].pk, five[1].pk]

    # when the tag is added to the two who have it
    response = client_for("rep1").post(
        BULK, {"action": "add_tag", "tag": " 回访 ", "ids": ids}, follow=True
    )
    # then the message says they all had it, in English and in Chinese
    html = response.content.decode()
    assert "All 2 chosen customers already had the tag “回访”." in html
    assert "added to 0" not in html
    zh = client_for("rep1", "zh-hans").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": ids[:1]}, follow=True
    )
    assert "所选的 1 位客户已有标签“回访”。" in zh.content.decode()
    # and with one new customer in the selection, the usual count of those who got it
    both = client_for("rep1").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": [*ids, five[2].pk]}, follow=True
    )
    assert "Tag “回访” added to 1 customer." in both.content.decode()


def test_bulk_untag_on_customers_none_of_whom_had_it_says_so(client_for, personas, five):
    """Like "Tag added to 0 customers", "Tag removed from 0 customers" reads as a failure: when
    none of the chosen customers had the tag the message says so; when some had it, the usual
    count."""
    from guanxi.customers.services import add_tag

    add_tag(personas["rep1"], five[0], "回访")
    ids = [five[1].pk, five[2].pk]

    # when the tag is removed from two who do not have it
    response = client_for("rep1").post(
        BULK, {"action": "remove_tag", "tag": " 回访 ", "ids": ids}, follow=True
    )
    # then the message says none of them had it, in English and in Chinese
    html = response.content.decode()
    assert "None of the 2 chosen customers had the tag “回访”." in html
    assert "removed from 0" not in html
    one = client_for("rep1").post(
        BULK, {"action": "remove_tag", "tag": "回访", "ids": ids[:1]}, follow=True
    )
    assert "The chosen customer did not have the tag “回访”." in one.content.decode()
    zh = client_for("rep1", "zh-hans").post(
        BULK, {"action": "remove_tag", "tag": "回访", "ids": ids}, follow=True
    )
    assert "所选的 2 位客户没有标签“回访”。" in zh.content.decode()
    # and with the one who has it in the selection, the usual count of those who lost it
    both = client_for("rep1").post(
        BULK, {"action": "remove_tag", "tag": "回访", "ids": [five[0].pk, *ids]}, follow=True
    )
    assert "Tag “回访” removed from 1 customer." in both.content.decode()
    assert not Customer.objects.filter(tags__name="回访").exists()


def test_a_customer_ticked_twice_counts_once(client_for, personas, five):
    """The "already had" and "none had" messages count the chosen customers, not the ids
    posted: a repeated id is one customer."""
    from guanxi.customers.services import add_tag

    add_tag(personas["rep1"], five[0], "回访")
    twice = [five[0].pk, five[0].pk]

    added = client_for("rep1").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": twice}, follow=True
    )
    assert "The chosen customer already had the tag “回访”." in added.content.decode()
    client_for("rep1").post(BULK, {"action": "remove_tag", "tag": "回访", "ids": twice})
    removed = client_for("rep1").post(
        BULK, {"action": "remove_tag", "tag": "回访", "ids": twice}, follow=True
    )
    assert "The chosen customer did not have the tag “回访”." in removed.content.decode()


def test_a_selection_with_one_customer_out_of_scope_changes_nothing(client_for, five):
    ids = [five[0].pk, five[4].pk]  # the second is rep2's
    response = client_for("rep1").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": ids}, follow=True
    )
    assert "1 selected customer is outside what you may change; nothing was changed." in (
        response.content.decode()
    )
    assert not Customer.objects.filter(tags__name="回访").exists()
    zh = client_for("rep1", "zh-hans").post(
        BULK, {"action": "add_tag", "tag": "回访", "ids": ids}, follow=True
    )
    assert "未做任何更改" in zh.content.decode()


def test_bulk_transfer_is_for_managers_and_audited(client_for, personas, five):
    ids = [five[0].pk, five[1].pk]
    rep2 = personas["rep2"]
    client_for("rep1").post(BULK, {"action": "assign", "owner": rep2.pk, "ids": ids})
    assert Customer.objects.filter(pk__in=ids, owner=rep2).count() == 0
    response = client_for("manager").post(
        BULK, {"action": "assign", "owner": rep2.pk, "ids": ids}, follow=True
    )
    assert "2 customers transferred to rep2." in response.content.decode()
    moved = Customer.objects.filter(pk__in=ids, owner=rep2)
    assert moved.count() == 2
    assert {c.department_id for c in moved} == {rep2.profile.department_id}
    assert AuditEntry.objects.filter(customer_id__in=ids, action="assign").count() == 2


def test_bulk_export_of_a_selection(client_for, five):
    response = client_for("rep1").post(BULK, {"action": "export", "ids": [five[1].pk]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and "白兰" in rows[1]
    refused = client_for("rep1").post(
        BULK, {"action": "export", "ids": [five[1].pk, five[4].pk]}, follow=True
    )
    assert "outside what you may see; nothing was exported" in refused.content.decode()


def test_bulk_needs_a_selection_and_write_access(client_for, five):
    response = client_for("rep1").post(BULK, {"action": "add_tag", "tag": "x"}, follow=True)
    assert "Select at least one customer." in response.content.decode()
    client_for("viewer").post(BULK, {"action": "add_tag", "tag": "x", "ids": [five[0].pk]})
    assert not Customer.objects.filter(tags__name="x").exists()
    assert client_for("rep1").get(BULK).status_code == 405


def test_bulk_goes_back_to_the_list_only(client_for, five):
    response = client_for("rep1").post(
        BULK,
        {
            "action": "add_tag",
            "tag": "回访",
            "ids": [five[0].pk],
            "query": "//evil.example/\r\nX: 1",
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/customers/?")
    assert "\n" not in response["Location"] and "//evil" not in response["Location"]
