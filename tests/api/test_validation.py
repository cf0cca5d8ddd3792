"""Every input is validated: errors are 422 (400 for a body that is not JSON) with
{"detail", "errors"} in the request's language, and no input causes a server error."""

import json

import pytest

from guanxi.customers.models import Customer
from guanxi.sales.models import Order


def test_service_validation_errors_in_english(db, personas, api_as):
    api = api_as("rep1", lang="en")

    phone = api.post("/customers", {"name": "张三", "mobile": "12345"})
    email = api.post("/customers", {"name": "张三", "email": "not-an-address"})

    assert phone.status_code == 422
    assert phone.json() == {
        "detail": "“12345” is not a valid phone number.",
        "errors": {"mobile": ["“12345” is not a valid phone number."]},
    }
    assert email.json() == {
        "detail": "Enter a valid email address.",
        "errors": {"email": ["Enter a valid email address."]},
    }
    assert not Customer.objects.exists()


def test_service_validation_errors_in_chinese(db, personas, api_as):
    response = api_as("rep1", lang="zh-hans").post(
        "/customers", {"name": "张三", "email": "not-an-address"}
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "请输入有效的电子邮件地址。",
        "errors": {"email": ["请输入有效的电子邮件地址。"]},
    }


def test_schema_errors_keep_422_and_the_same_body_shape(db, personas, api_as):
    response = api_as("rep1").post("/customers", {"name": "", "level": "Z", "points": "many"})

    assert response.status_code == 422
    body = response.json()
    assert sorted(body["errors"]) == ["level", "name", "points"]
    assert body["detail"].startswith("name: ")
    assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms)


def test_a_body_that_is_not_json_is_400(db, personas, api_as):
    api = api_as("rep1")

    response = api.client.post(
        "/api/v1/customers",
        data="{name: 张三",
        content_type="application/json",
        headers=api.headers,
    )

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


BAD_CUSTOMERS = [
    {"name": "张\x00三"},
    {"name": "x" * 201},
    {"name": "张三", "city": "杭\x00州"},
    {"name": "张三", "points": 2**40},
    {"name": "张三", "points": "12abc"},
    {"name": "张三", "birthday": "0001-01-01"},
    {"name": "张三", "birthday": "2024-02-30"},
    {"name": "张三", "registered_at": "9999-12-31T23:59:59+14:00"},
    {"name": "张三", "credit_limit": "1e30"},
    {"name": "张三", "credit_limit": "0.001"},
    {"name": "张三", "credit_limit": "NaN"},
    {"name": "张三", "custom_fields": {"\x00": "x"}},
    {"name": "张三", "custom_fields": {"unknown": "x"}},
    {"name": "张三", "other_addresses": ["a\x00"]},
    {"name": "张三", "tags": ["\x00"]},
    {"name": "张三", "mobile": "+86 138 \x00"},
    {"name": "张三", "kind": "person", "uscc": "91350100M000100Y43"},
    {"name": None},
    [],
]


@pytest.mark.parametrize("body", BAD_CUSTOMERS, ids=range(len(BAD_CUSTOMERS)))
def test_hostile_customer_input_is_422_and_creates_nothing(db, personas, api_as, body):
    response = api_as("manager").post("/customers", body)

    assert response.status_code == 422, response.content
    assert set(response.json()) == {"detail", "errors"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "\\ud800"}',
        '{"name": "ok", "custom_fields": {"x": NaN}}',
        '{"name": "ok", "credit_limit": Infinity}',
    ],
)
def test_unencodable_text_and_non_finite_numbers_are_422(db, personas, api_as, raw):
    api = api_as("manager")

    response = api.client.post(
        "/api/v1/customers", data=raw, content_type="application/json", headers=api.headers
    )

    assert response.status_code == 422, response.content
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/customers/abc",
        "/customers/0",
        "/customers/-1",
        "/customers/99999999999999999999999",
        "/customers/9223372036854775808",
        "/orders/1.5",
    ],
)
def test_impossible_ids_are_422(db, personas, api_as, path):
    response = api_as("manager").get(path)

    assert response.status_code == 422
    assert set(response.json()) == {"detail", "errors"}


def test_largest_possible_id_is_just_not_found(db, personas, api_as):
    assert api_as("manager").get("/customers/9223372036854775807").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"q": "张\x00"},
        {"tag": "\x00"},
        {"limit": "abc"},
        {"limit": 0},
        {"offset": -1},
        {"offset": 10**12},
        {"owner": 10**30},
        {"level": "Z"},
        {"sort": "drop table"},
    ],
)
def test_bad_list_parameters_are_422(db, personas, api_as, params):
    response = api_as("rep1").get("/customers", **params)

    assert response.status_code == 422, response.content


def test_duplicate_check_with_junk_is_not_a_crash(db, personas, api_as):
    api = api_as("rep2")
    assert api.get("/customers/duplicates", mobile="++--()").json() == []
    assert api.get("/customers/duplicates", mobile="1" * 40).json() == []
    assert api.get("/customers/duplicates", email="\x00").status_code == 422


def test_unicode_beyond_the_basic_plane_is_stored(db, personas, api_as):
    response = api_as("rep1").post("/customers", {"name": "𠮷野家 😀", "city": "ถนน"})

    assert response.status_code == 201
    assert Customer.objects.get().name == "𠮷野家 😀"


@pytest.mark.parametrize(
    "line",
    [
        {"quantity": 0},
        {"quantity": 10**10},
        {"quantity": "two"},
        {"unit_price": "-1"},
        {"unit_price": "12.345"},
        {"unit_price": "Infinity"},
        {"product_id": 10**20},
    ],
)
def test_bad_order_lines_are_422(customer_of, product, api_as, line):
    customer = customer_of("rep1")
    body = {"customer_id": customer.pk, "lines": [{"product_id": product.pk, **line}]}

    response = api_as("rep1").post("/orders", body)

    assert response.status_code == 422, response.content
    assert not Order.objects.exists()


def test_order_dates_out_of_range_are_422(customer_of, product, api_as):
    customer = customer_of("rep1")
    for ordered_at in ["0001-01-01T00:00:00+14:00", "99999-01-01T00:00:00", "2024-13-01T00:00"]:
        body = {
            "customer_id": customer.pk,
            "ordered_at": ordered_at,
            "lines": [{"product_id": product.pk}],
        }
        assert api_as("rep1").post("/orders", body).status_code == 422, ordered_at


def test_error_bodies_are_json_for_every_status(customer_of, api_as):
    customer = customer_of("rep1")
    for response in [
        api_as("rep2").get(f"/customers/{customer.pk}"),
        api_as("viewer").patch(f"/customers/{customer.pk}", {"name": "x"}),
    ]:
        assert response["Content-Type"].startswith("application/json")
        json.loads(response.content)


def test_offsets_postgresql_cannot_store_are_converted_to_utc(customer_of, product, api_as):
    customer = customer_of("rep1")
    body = {
        "customer_id": customer.pk,
        "ordered_at": "2019-06-19T12:59:51-17:30",
        "lines": [{"product_id": product.pk}],
    }

    response = api_as("rep1").post("/orders", body)

    assert response.status_code == 201
    assert Order.objects.get().ordered_at.isoformat() == "2019-06-20T06:29:51+00:00"


def test_custom_field_values_are_checked_against_their_definitions(db, personas, api_as):
    from guanxi.customers.models import CustomField

    CustomField.objects.create(key="signed_on", label="签约日", kind="date")
    CustomField.objects.create(key="budget", label="预算", kind="number")
    api = api_as("rep1")

    impossible = api.post(
        "/customers", {"name": "甲", "custom_fields": {"signed_on": "2024-02-30"}}
    )
    not_number = api.post("/customers", {"name": "甲", "custom_fields": {"budget": "很多"}})
    fine = api.post(
        "/customers", {"name": "甲", "custom_fields": {"signed_on": "2024-02-29", "budget": 12.5}}
    )

    assert impossible.status_code == 422
    assert impossible.json()["errors"] == {
        "custom_fields": ["“签约日” must be a date (YYYY-MM-DD)."]
    }
    assert not_number.json()["errors"] == {"custom_fields": ["“预算” must be a number."]}
    assert fine.status_code == 201
    assert fine.json()["custom_fields"] == {"signed_on": "2024-02-29", "budget": "12.5"}


def test_the_apis_own_messages_follow_the_language(customer_of, api_as):
    customer = customer_of("rep1")

    hidden = api_as("rep2", lang="zh-hans").get(f"/customers/{customer.pk}")
    read_only = api_as("viewer", lang="zh-hans").post("/customers", {"name": "甲"})
    phone = api_as("rep1", lang="zh-hans").post("/customers", {"name": "甲", "mobile": "12345"})

    assert hidden.json() == {"detail": "未找到。"}
    assert read_only.json() == {"detail": "您的角色为只读。"}
    assert phone.status_code == 422
    assert phone.json() == {
        "detail": "“12345”不是有效的电话号码。",
        "errors": {"mobile": ["“12345”不是有效的电话号码。"]},
    }


def test_schema_errors_follow_the_language(db, personas, api_as):
    body = {"name": "", "level": "Z", "points": "many", "birthday": "2024-02-30"}

    zh = api_as("rep1", lang="zh-hans").post("/customers", body)
    en = api_as("rep1", lang="en").post("/customers", body)
    missing = api_as("rep1", lang="zh-hans").post("/customers", {"mobile": "13800138000"})
    too_old = api_as("rep1", lang="zh-hans").post(
        "/customers", {"name": "甲", "birthday": "1800-01-01"}
    )

    assert zh.status_code == en.status_code == 422
    assert zh.json()["errors"] == {
        "name": ["请至少输入 1 个字符。"],
        "level": ["请从以下选项中选择：'A', 'B', 'C'。"],
        "points": ["输入整数。"],
        "birthday": ["请输入日期（YYYY-MM-DD）。"],
    }
    assert zh.json()["detail"] == "name: 请至少输入 1 个字符。"
    assert en.json()["errors"]["name"] == ["Enter at least 1 character(s)."]
    assert en.json()["errors"]["points"] == ["Enter a whole number."]
    assert missing.json()["errors"] == {"name": ["这个字段是必填项。"]}
    assert too_old.json()["errors"] == {"birthday": ["请输入 1900 年至 2200 年之间的日期。"]}
    assert not Customer.objects.exists()


def test_unknown_api_urls_answer_json_404(db, client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "zh-hans"})
    page = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}
    assert page.status_code == 404
    assert not page["Content-Type"].startswith("application/json")


def test_fields_an_operation_does_not_take_are_refused_not_ignored(db, personas, api_as):
    """A hostile review found `owner_id`, `is_superuser` and `assignee_id` silently ignored:
    the client believed it had changed something. Every request body now refuses them."""
    api = api_as("rep1", lang="en")
    created = api.post("/customers", {"name": "张三", "owner_id": personas["rep2"].pk})
    assert created.status_code == 422
    assert created.json()["errors"] == {"owner_id": ["This field is not accepted here."]}
    assert not Customer.objects.exists()

    customer = api.post("/customers", {"name": "张三"}).json()
    task = api.post(
        "/tasks",
        {"customer_id": customer["id"], "title": "回访", "due_at": "2026-12-01T09:00:00+08:00"},
    ).json()
    moved = api.patch(f"/tasks/{task['id']}", {"assignee_id": personas["rep2"].pk})
    assert moved.status_code == 422 and "assignee_id" in moved.json()["errors"]
    escalated = api.patch(f"/customers/{customer['id']}", {"is_superuser": True})
    assert escalated.status_code == 422 and "is_superuser" in escalated.json()["errors"]


def test_bidirectional_overrides_are_refused_like_control_characters(db, personas, api_as):
    # "张三\u202e0001 户客VIP" would read "张三 PIV客户 1000" on the 360 page and the list
    api = api_as("rep1", lang="en")
    response = api.post("/customers", {"name": "张三\u202e0001 户客VIP"})
    assert response.status_code == 422
    assert "U+202E" in response.json()["errors"]["name"][0]
    # a left-to-right mark is a legitimate character and stays allowed
    assert api.post("/customers", {"name": "张三\u200e"}).status_code == 201


def test_the_largest_version_a_client_may_send_is_a_stale_edit_not_a_500(db, personas, api_as):
    # schemathesis sent version 2**31 - 1: "expected + 1" overflowed PostgreSQL's integer
    api = api_as("rep1", lang="en")
    customer = api.post("/customers", {"name": "张三"}).json()
    task = api.post(
        "/tasks",
        {"customer_id": customer["id"], "title": "回访", "due_at": "2026-12-01T09:00:00+08:00"},
    ).json()
    response = api.patch(f"/tasks/{task['id']}", {"title": "再回访", "version": 2**31 - 1})
    assert response.status_code == 409


@pytest.mark.parametrize("amount", ["1_000", "1_0_0", " 1_000.50 "])
def test_money_strings_with_underscores_are_422(customer_of, api_as, amount):
    """A hostile review: "1_000" (Python's Decimal syntax) was an amount of 1000.00. The shared
    Money type refuses it with a message saying how to write one, in both languages; full-width
    digits (what a Chinese input method may type) and spaces around the amount stay accepted."""
    from guanxi.pipeline.models import Opportunity

    customer = customer_of("rep1")
    body = {"customer_id": customer.pk, "name": "年度茶礼", "amount": amount}

    refused = api_as("rep1").post("/opportunities", body)
    in_chinese = api_as("rep1", lang="zh-hans").post("/opportunities", body)
    # a signed amount (a customer's credit limit) follows the same rule
    credit = api_as("rep1").patch(
        f"/customers/{customer.pk}", {"credit_limit": amount, "version": customer.version}
    )

    assert refused.status_code == 422
    shown = amount.strip()
    assert refused.json()["errors"] == {
        "amount": [f"“{shown}” is not a number: write it without underscores (1000, not 1_000)."]
    }
    assert in_chinese.json()["errors"] == {
        "amount": [f"“{shown}”不是有效的数字：数字中不能有下划线（请写 1000，而不是 1_000）。"]
    }
    assert credit.status_code == 422 and list(credit.json()["errors"]) == ["credit_limit"]
    assert not Opportunity.objects.exists()


def test_money_strings_with_full_width_digits_or_spaces_are_read(customer_of, api_as):
    customer = customer_of("rep1")
    for amount in ("１２３", " 1000.50 "):
        made = api_as("rep1").post(
            "/opportunities", {"customer_id": customer.pk, "name": "年度茶礼", "amount": amount}
        )
        assert made.status_code == 201, made.json()
    from guanxi.pipeline.models import Opportunity

    amounts = sorted(str(a) for a in Opportunity.objects.values_list("amount", flat=True))
    assert amounts == ["1000.50", "123.00"]


def test_whole_numbers_take_full_width_digits_as_amounts_do(customer_of, api_as):
    """A review found "１２３" read as an amount but refused as a probability or a version (the
    API's int read it not): one rule for every number now."""
    from guanxi.pipeline.models import Opportunity

    customer = customer_of("rep1")
    made = api_as("rep1").post(
        "/opportunities",
        {
            "customer_id": customer.pk,
            "name": "年度茶礼",
            "amount": "１２３．５",
            "probability": "３５",
        },
    )

    assert made.status_code == 201, made.json()
    opportunity = Opportunity.objects.get()
    assert (str(opportunity.amount), opportunity.probability) == ("123.50", 35)
