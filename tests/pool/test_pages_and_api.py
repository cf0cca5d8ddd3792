"""The pool pages and API: what members see (basic fields only), claim over the API (200 / 409),
release and lock from the 360 page, the settings for managers only, the list column."""

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_a_member_sees_the_pool_with_basic_fields_but_not_the_360_page(
    make_pool, pooled, client_for
):
    pool = make_pool()
    customer = pooled(pool, name="公海茶庄", city="杭州", mobile="13800138011")
    page = client_for("rep1").get(f"/pool/{pool.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "公海茶庄" in html and "杭州" in html and "刘芳" in html  # previous owner's name
    assert "13800138011" not in html
    assert f'href="/customers/{customer.pk}/"' not in html  # no link for a member
    assert client_for("rep1").get(f"/customers/{customer.pk}/").status_code == 404


def test_a_manager_sees_every_pool_and_the_customer_in_full(make_pool, pooled, client_for):
    pool = make_pool(teams_=("a",))
    customer = pooled(pool, name="经理可见")
    html = client_for("manager").get(f"/pool/{pool.pk}/").content.decode()
    assert f'href="/customers/{customer.pk}/"' in html
    assert client_for("manager").get(f"/customers/{customer.pk}/").status_code == 200


def test_outsiders_get_404_for_another_teams_pool(make_pool, pooled, client_for, api_as):
    pool = make_pool(teams_=("a",))
    pooled(pool, name="华东客户")
    assert client_for("rep2").get(f"/pool/{pool.pk}/").status_code == 404
    assert "华东客户" not in client_for("rep2").get("/pool/").content.decode()
    assert api_as("rep2").get(f"/pools/{pool.pk}/customers").status_code == 404
    assert api_as("rep2").get("/pool/customers").json()["items"] == []


def test_claim_over_the_api_winner_200_then_409(make_pool, pooled, api_as, rep1):
    pool = make_pool(teams_=("a",))
    customer = pooled(pool)
    first = api_as("rep1").post(f"/pool/customers/{customer.pk}/claim")
    assert first.status_code == 200, first.content
    assert first.json()["owner"]["id"] == rep1.pk
    assert first.json()["days_until_return"] == 30
    again = api_as("lead_a").post(f"/pool/customers/{customer.pk}/claim")
    assert again.status_code == 409
    assert "Someone else has just claimed" in again.json()["detail"]


def test_a_customer_claimed_long_ago_is_a_404_not_a_409(make_pool, pooled, api_as):
    """The race's 409 lasts CLAIM_RACE_SECONDS after the claim; later the customer, owned by
    someone else, is out of reach like any other (a 409 confirmed it exists: hostile review)."""
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.accounts.scope import CLAIM_RACE_SECONDS

    pool = make_pool(teams_=("a",))
    customer = pooled(pool)
    assert api_as("rep1").post(f"/pool/customers/{customer.pk}/claim").status_code == 200
    type(customer).objects.filter(pk=customer.pk).update(
        owned_since=timezone.now() - timedelta(seconds=CLAIM_RACE_SECONDS + 1)
    )

    late = api_as("lead_a").post(f"/pool/customers/{customer.pk}/claim")

    assert late.status_code == 404
    assert late.json() == api_as("lead_a").post("/pool/customers/99999999/claim").json()


def test_an_owner_change_is_no_claim_to_confirm(make_pool, api_as, personas):
    """A customer of the pool's team "a", never pooled, given to another owner by a manager:
    asking to claim it answers 404 like an id that does not exist, not "someone else has just
    claimed it" (a hostile review listed recently transferred customers of other teams so)."""
    from guanxi.customers.services import assign_owner, create_customer

    pool = make_pool(teams_=("a", "b"))
    customer = create_customer(personas["rep2"], {"name": "乙队客户"})
    type(customer).objects.filter(pk=customer.pk).update(pool=pool)  # its team's pool
    customer.refresh_from_db()
    assign_owner(personas["manager"], customer, personas["manager"])

    asked = api_as("rep1").post(f"/pool/customers/{customer.pk}/claim")

    assert asked.status_code == 404
    assert asked.json() == api_as("rep1").post("/pool/customers/99999999/claim").json()


def test_claim_refusal_in_chinese(make_pool, pooled, api_as):
    pool = make_pool(teams_=("a",), owned_limit=0)
    customer = pooled(pool)
    answer = api_as("rep1", lang="zh-hans").post(f"/pool/customers/{customer.pk}/claim")
    assert answer.status_code == 409
    assert "上限" in answer.json()["detail"]


def test_the_pool_list_over_the_api(make_pool, pooled, api_as):
    pool = make_pool()
    pooled(pool, name="甲")
    body = api_as("rep1").get(f"/pools/{pool.pk}/customers").json()
    assert body["count"] == 1 and body["items"][0]["name"] == "甲"
    assert set(body["items"][0]) == {
        "id",
        "name",
        "level",
        "city",
        "source",
        "pool_id",
        "pooled_at",
        "previous_owner",
    }
    pools = api_as("rep1").get("/pools").json()
    assert [p["name"] for p in pools] == ["门店公海"]
    assert {r["level"]: r["follow_up_days"] for r in pools[0]["rules"]} == {
        "A": 30,
        "B": 30,
        "C": 30,
    }


def test_release_and_lock_from_the_360_page(make_pool, customer_of, client_for, rep1):
    pool = make_pool()
    customer = customer_of("rep1", name="释放客户")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    client = client_for("rep1")
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Release to pool" in page
    assert client.post(f"/pool/customers/{customer.pk}/lock/", {"locked": "1"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).locked is True
    assert client.post(f"/pool/customers/{customer.pk}/release/").status_code == 302
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.owner, stored.previous_owner, stored.locked) == (None, rep1, False)


def test_the_list_and_the_360_page_show_days_until_return_highlighted_under_3(
    make_pool, customer_of, client_for, django_assert_max_num_queries
):
    pool = make_pool(rules={"B": {"follow_up_days": 30}})
    soon = customer_of("rep1", name="快到期")
    later = customer_of("rep1", name="还早")
    today = timezone.localdate()
    Customer.objects.filter(pk=soon.pk).update(pool=pool, return_due=today + timedelta(days=2))
    Customer.objects.filter(pk=later.pk).update(pool=pool, return_due=today + timedelta(days=20))
    client = client_for("rep1")
    html = client.get("/customers/").content.decode()
    assert '<span class="return-soon">2 d</span>' in html
    assert "<span>20 d</span>" in html
    detail = client.get(f"/customers/{soon.pk}/").content.decode()
    assert "pool-soon" in detail and "Returns to the public pool in 2 days" in detail
    assert f"in 2 days ({(today + timedelta(days=2)).isoformat()})" in detail  # a space in English


def test_a_merged_duplicate_shows_no_countdown_and_chinese_brackets_are_full_width(
    make_pool, customer_of, client_for
):
    pool = make_pool(rules={"B": {"follow_up_days": 30}})
    kept = customer_of("rep1", name="留下")
    merged = customer_of("rep1", name="并入")
    due = timezone.localdate() + timedelta(days=20)
    Customer.objects.filter(pk__in=[kept.pk, merged.pk]).update(pool=pool, return_due=due)
    Customer.objects.filter(pk=merged.pk).update(merged_into=kept, merged_at=timezone.now())

    # a review saw "Returns to the public pool in 84 days" on a duplicate merged away
    manager = client_for("manager").get(f"/customers/{merged.pk}/").content.decode()
    assert "Returns to the public pool" not in manager and "Release to pool" not in manager
    # and 309 天后退回公海 (2027-10-07) with half-width brackets in Chinese
    chinese = client_for("rep1", "zh-hans").get(f"/customers/{kept.pk}/").content.decode()
    assert f"20 天后退回公海（{due.isoformat()}）" in chinese


def test_the_list_query_count_does_not_grow_with_the_rows(make_pool, customer_of, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pool = make_pool()
    customer_of("rep1", name="一")
    client = client_for("rep1")
    client.get("/customers/")
    with CaptureQueriesContext(connection) as few:
        client.get("/customers/")
    for i in range(10):
        customer_of("rep1", name=f"客户{i}")
    Customer.objects.update(pool=pool, return_due=timezone.localdate())
    with CaptureQueriesContext(connection) as many:
        client.get("/customers/")
    assert len(many) == len(few)


def test_settings_are_for_managers(make_pool, client_for, teams):
    assert client_for("rep1").get("/pool/settings/").status_code == 403
    manager = client_for("manager")
    assert manager.get("/pool/settings/").status_code == 200
    answer = manager.post(
        "/pool/settings/new/",
        {
            "name": "线上公海",
            "department_ids": [teams["b"].pk],
            "exempt_locked": "on",
            "won_days": "90",
            "reclaim_bar_days": "7",
            "remind_days": "3",
            "A_follow_up_days": "15",
            "A_deal_days": "0",
        },
    )
    assert answer.status_code == 400
    assert "At least one day" in answer.content.decode()
    from guanxi.pool.models import Pool

    assert not Pool.objects.filter(name="线上公海").exists()


def test_run_now_is_for_managers(client_for):
    from guanxi.pool.models import PoolRun

    assert client_for("rep1").post("/pool/settings/run/").status_code == 403
    assert PoolRun.objects.count() == 0
    assert client_for("manager").post("/pool/settings/run/").status_code == 302
    assert PoolRun.objects.get().trigger == "manual"


def test_a_pool_of_a_parent_team_includes_its_sub_teams(make_pool, pooled, api_as, teams):
    pool = make_pool(teams_=("root",))
    pooled(pool, name="总部公海客户", level="A")
    pooled(pool, name="另一个", level="C")
    for rep in ("rep1", "rep2"):  # 华东 and 华南 are below 总部
        body = api_as(rep).get("/pool/customers", level="A").json()
        assert [c["name"] for c in body["items"]] == ["总部公海客户"]


def test_a_new_customer_joins_its_teams_pool_at_once(make_pool, client_for, personas):
    """A review's new customer showed no return date and no Lock or Release until the nightly
    run gave it a pool; now it has its team's pool and return date from the start."""
    from django.utils import timezone

    from guanxi.customers.models import Customer
    from guanxi.customers.services import create_customer

    pool = make_pool(teams_=("a",))
    create_customer(personas["rep1"], {"name": "新客户甲"})
    other_team = create_customer(personas["rep2"], {"name": "乙队客户"})

    added = Customer.objects.get(name="新客户甲")
    assert added.pool == pool
    assert (added.return_due - timezone.localdate()).days in (29, 30)
    other_team.refresh_from_db()
    assert other_team.pool is None and other_team.return_due is None
    page = client_for("rep1").get(f"/customers/{added.pk}/").content.decode()
    assert "Release to pool" in page or "Release to the pool" in page


def test_the_pool_search_finds_by_pinyin_and_initials_not_by_phone(make_pool, pooled, client_for):
    """As the customer list (a review's "li" and "zhanghuan" found nothing); phones stay out
    of it, since members do not see them."""
    pool = make_pool(teams_=("a",))
    pooled(pool, name="张欢", mobile="13912345678")
    pooled(pool, name="李静")

    def names(q):
        html = client_for("rep1").get(f"/pool/{pool.pk}/", {"q": q}).content.decode()
        return {name for name in ("张欢", "李静") if name in html}

    assert names("zhanghuan") == {"张欢"}
    assert names("lj") == {"李静"}
    assert names("张 欢") == {"张欢"}
    assert names("欢") == {"张欢"}
    assert names("13912345678") == set() and names("5678") == set()


def test_the_pools_page_and_api_search_alike_and_not_by_the_hidden_external_id(
    make_pool, pooled, client_for, api_as
):
    """A hostile review: the page matched an external ID, which members never see (an oracle
    for it); the API matched the characters only ("wang" found nothing); full-width letters
    found nothing on the page."""
    pool = make_pool(teams_=("a",))
    pooled(pool, name="王小明", external_id="M0002992")
    pooled(pool, name="李静")

    def page(q):
        html = client_for("rep1").get(f"/pool/{pool.pk}/", {"q": q}).content.decode()
        return {name for name in ("王小明", "李静") if name in html}

    def api(q):
        body = api_as("rep1").get(f"/pools/{pool.pk}/customers", q=q).json()
        return {item["name"] for item in body["items"]}

    for search in (page, api):
        assert search("wangxiao") == search("ｗａｎｇ") == search("xiaoming") == {"王小明"}
        assert search("wxm") == search("小明") == {"王小明"}
        assert search("M0002992") == set()


def test_the_pool_list_shows_the_reclaim_bar_instead_of_a_claim_button(
    make_pool, pooled, client_for
):
    """A review clicked Claim on a customer it had released, only to be refused: the row now
    says when the previous owner may claim it again; other members get the button."""
    pool = make_pool(teams_=("a", "b"), reclaim_bar_days=7)
    customer = pooled(pool, name="高淑英")  # rep2's until released

    theirs = client_for("rep2").get(f"/pool/{pool.pk}/").content.decode()
    others = client_for("rep1").get(f"/pool/{pool.pk}/").content.decode()

    assert "Yours before: claim again from " in theirs
    assert f"/pool/customers/{customer.pk}/claim/" not in theirs
    assert f"/pool/customers/{customer.pk}/claim/" in others
    assert "Yours before" not in others


def test_an_interaction_that_restarts_the_clock_says_so_and_updates_the_panel(
    make_pool, customer_of, client_for, htmx
):
    """A review recorded a visit and saw the countdown jump from 2 days to 30 without a word."""
    from guanxi.pool import rules

    pool = make_pool(rules={"B": {"follow_up_days": 30}})
    post = {
        "channel": "phone",
        "direction": "outbound",
        "content_kind": "information",
        "subject": "回访",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    when = timezone.now() - timedelta(days=28)
    for language, said in (
        ("en", "the customer returns to the pool in 30 days unless followed up again"),
        ("zh-hans", "该客户将在 30 天后退回公海"),
    ):
        customer = customer_of("rep1", name="快到期", level="B")
        Customer.objects.filter(pk=customer.pk).update(pool=pool, owned_since=when, created_at=when)
        rules.recompute()
        url = f"/customers/{customer.pk}/interactions/new/"
        client = client_for("rep1", language)
        assert "pool-soon" in client.get(f"/customers/{customer.pk}/").content.decode()
        answer = client.post(url, post, **htmx).content.decode()
        assert said in answer
        panel = answer.split('id="pool-panel"')[1].split("</section>")[0]
        assert panel.startswith(' hx-swap-oob="true"') and "pool-soon" not in panel
        # a second follow-up at the same moment moves nothing: no word about the clock
        again = client.post(url, post, **htmx).content.decode()
        assert said not in again and 'id="pool-panel"' not in again
