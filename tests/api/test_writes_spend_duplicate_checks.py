"""Creating or changing a customer answers 查重 too ("已被登记，归属 刘芳。" for another team's
customer), so the hostile review swept mobiles with 100 PATCHes of the rep's own customer in
3 s and never met the limit. Each 查重 value a write checks and that is new for the record now
spends one check of the user's budget (GUANXI_DUPLICATE_CHECKS_PER_MINUTE), the one the
dedicated check spends: past it, 429 with the same message and nothing written. The page shows
the message on the form."""

import pytest
from django.test import Client

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer

pytestmark = pytest.mark.django_db

MESSAGE_ZH = "查重过于频繁"


def test_the_31st_patch_of_a_new_mobile_in_a_minute_is_429_and_writes_nothing(api_as, customer_of):
    # given rep1's own customer
    mine = customer_of("rep1", name="自己的客户")
    api = api_as("rep1", "zh-hans")

    # when rep1 sets 31 different mobiles within a minute
    statuses = [
        api.patch(f"/customers/{mine.pk}", {"mobile": f"1381234{i:04d}"}).status_code
        for i in range(30)
    ]
    updates = AuditEntry.objects.filter(action="update", object_id=str(mine.pk)).count()
    last = api.patch(f"/customers/{mine.pk}", {"mobile": "13812349999"})

    # then the first 30 are saved and the 31st is refused with the 查重 limit's message
    assert statuses == [200] * 30
    assert last.status_code == 429
    assert last.json()["detail"].startswith(MESSAGE_ZH)
    assert 0 < int(last["Retry-After"]) <= 60
    mine.refresh_from_db()
    assert mine.mobile == "+8613812340029"
    assert AuditEntry.objects.filter(action="update", object_id=str(mine.pk)).count() == updates
    # and the dedicated check shares the spent budget
    assert api.get("/customers/duplicates", mobile="13900000000").status_code == 429


def test_writes_and_the_dedicated_check_share_one_budget(settings, api_as):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 3
    api = api_as("rep1")
    assert api.get("/customers/duplicates", mobile="13900000000").status_code == 200
    # one create with a mobile and an e-mail spends two checks
    created = api.post("/customers", {"name": "甲", "mobile": "13900000001", "email": "a@b.cn"})
    assert created.status_code == 201
    refused = api.post("/customers", {"name": "乙", "mobile": "13900000002"})
    assert refused.status_code == 429
    assert Customer.objects.filter(name="乙").count() == 0


def test_an_unchanged_mobile_in_a_patch_costs_nothing(settings, api_as, customer_of):
    mine = customer_of("manager", name="自己的客户", mobile="13812345678")
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2  # creating it spent one
    api = api_as("manager")
    for i in range(3):
        # the same number, written differently, and other fields: not a 查重
        response = api.patch(f"/customers/{mine.pk}", {"mobile": "+86 138-1234-5678", "points": i})
        assert response.status_code == 200
    assert api.patch(f"/customers/{mine.pk}", {"mobile": "13812345679"}).status_code == 200
    assert api.patch(f"/customers/{mine.pk}", {"mobile": "13812345670"}).status_code == 429


def test_the_oracle_answer_is_stopped_too(settings, api_as, customer_of):
    """The review's finding: another team's mobile among the sweep; past the limit it is 429,
    never the 422 naming 刘芳."""
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    customer_of("rep2", name="刘的客户", mobile="13812345678")
    mine = customer_of("rep1", name="自己的客户")
    api = api_as("rep1", "zh-hans")
    assert api.patch(f"/customers/{mine.pk}", {"mobile": "13812345670"}).status_code == 200
    assert api.patch(f"/customers/{mine.pk}", {"mobile": "13812345671"}).status_code == 200
    answer = api.patch(f"/customers/{mine.pk}", {"mobile": "13812345678"})
    assert answer.status_code == 429
    assert "刘芳" not in answer.content.decode()


def test_the_page_form_shows_the_limit_as_a_form_error(settings, personas, customer_of):
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 1
    mine = customer_of("rep1", name="自己的客户")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(personas["rep1"])
    form = {
        "kind": "person",
        "category": "consumer",
        "name": "自己的客户",
        "level": "B",
        "source": "other",
        "points": "0",
    }
    saved = client.post(f"/customers/{mine.pk}/edit/", {**form, "mobile": "13812345670"})
    assert saved.status_code == 302
    refused = client.post(f"/customers/{mine.pk}/edit/", {**form, "mobile": "13812345671"})
    assert refused.status_code == 200
    assert MESSAGE_ZH in refused.context["form"].non_field_errors()[0]
    assert MESSAGE_ZH in refused.content.decode()
    created = client.post("/customers/new/", {**form, "name": "新客户", "mobile": "13812345672"})
    assert created.status_code == 200
    assert MESSAGE_ZH in created.content.decode()
    mine.refresh_from_db()
    assert mine.mobile == "+8613812345670"
    assert not Customer.objects.filter(name="新客户").exists()


def test_a_lead_created_past_the_limit_is_not_kept(settings, api_as):
    """POST /leads saved the lead, then answered 429 from its 查重 (a client retrying made it
    twice: hostile review); the 429 now means nothing was saved."""
    from guanxi.leads.models import Lead

    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 1
    api = api_as("rep1")
    first = api.post("/leads", {"name": "线索一", "mobile": "13100009998"})
    refused = api.post("/leads", {"name": "探针线索", "mobile": "13100009999"})

    assert first.status_code == 201
    assert refused.status_code == 429
    assert list(Lead.objects.values_list("name", flat=True)) == ["线索一"]
    assert (
        not AuditEntry.objects.filter(model="lead", action="create")
        .exclude(object_id=str(first.json()["id"]))
        .exists()
    )
