"""Customers through the API: CRUD, search, filters, sorting, pagination, duplicates, tags,
collaborators, transfer, audit trail. Sensitive fields are always masked."""

import pytest

from guanxi.audit.models import AuditEntry
from guanxi.customers import services
from guanxi.customers.models import Collaborator, Customer


def test_rep_creates_a_customer_owned_by_them_with_normalised_fields(personas, api_as):
    # when
    response = api_as("rep1").post(
        "/customers",
        {
            "name": "张三",
            "mobile": "138 1234 5678",
            "email": " Zhang.San@Example.COM ",
            "level": "A",
            "source": "referral",
            "birthday": "1990-03-07",
            "credit_limit": "5000.50",
            "tags": ["VIP", "茶叶"],
        },
    )

    # then
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.owner == personas["rep1"]
    assert body["name"] == "张三"
    assert body["name_pinyin"] == "zhangsan"
    assert body["mobile"] == "+8613812345678"
    assert body["email"] == "zhang.san@example.com"
    assert body["level"] == "A"
    assert body["source"] == "referral"
    assert body["birthday"] == "1990-03-07"
    assert body["credit_limit"] == "5000.50"
    assert body["tags"] == ["VIP", "茶叶"]
    assert body["owner"] == {"id": personas["rep1"].pk, "name": "张伟"}
    assert body["department"] == "华东销售组"
    entry = AuditEntry.objects.get(customer_id=customer.pk)
    assert entry.action == "create"
    assert entry.actor == personas["rep1"]


def test_get_returns_the_customer(customer_of, api_as):
    customer = customer_of("rep1", name="李四", city="杭州", points=120)

    response = api_as("rep1").get(f"/customers/{customer.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["city"], body["points"]) == (
        customer.pk,
        "李四",
        "杭州",
        120,
    )


def test_patch_changes_only_the_given_fields_and_is_audited(personas, customer_of, api_as):
    # given
    customer = customer_of("rep1", name="张三", city="杭州", tags=["旧"])

    # when
    response = api_as("rep1").patch(
        f"/customers/{customer.pk}", {"name": "王五", "tags": ["新"], "level": "C"}
    )

    # then
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.name_pinyin, customer.city, customer.level) == (
        "王五",
        "wangwu",
        "杭州",
        "C",
    )
    assert list(customer.tags.values_list("name", flat=True)) == ["新"]
    update = AuditEntry.objects.get(customer_id=customer.pk, action="update")
    assert update.changes["name"] == ["张三", "王五"]
    assert update.changes["level"] == ["B", "C"]
    assert update.changes["tags"] == [["旧"], ["新"]]


def test_delete_removes_a_customer_without_orders(customer_of, api_as):
    customer = customer_of("rep1")

    response = api_as("rep1").delete(f"/customers/{customer.pk}")

    assert response.status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert AuditEntry.objects.filter(customer_id=customer.pk, action="delete").count() == 1


def test_customer_with_orders_cannot_be_deleted_409(customer_of, product, api_as, personas):
    # given
    from guanxi.sales.services import create_order

    customer = customer_of("rep1")
    create_order(personas["rep1"], customer, {}, [{"product": product, "quantity": 1}])

    # when
    response = api_as("rep1").delete(f"/customers/{customer.pk}")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This customer has orders and cannot be deleted; erase the personal data instead."
    }
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_sensitive_fields_are_masked_for_everyone_even_managers(customer_of, api_as):
    customer = customer_of(
        "rep1",
        id_number="110101199003074514",
        bank_account="6222020200112233",
        health_notes="糖尿病",
        precise_location="30.27,120.15",
        is_minor=True,
    )

    for persona in ["rep1", "manager"]:
        body = api_as(persona).get(f"/customers/{customer.pk}").json()
        assert {f: body[f] for f in ["id_number", "bank_account", "health_notes"]} == {
            "id_number": "••••14",
            "bank_account": "••••33",
            "health_notes": "••••",
        }
        assert body["precise_location"] == "••••"
        assert body["is_minor"] is None


def test_writers_may_write_sensitive_fields_and_still_see_them_masked(customer_of, api_as):
    customer = customer_of("rep1")

    response = api_as("rep1").patch(f"/customers/{customer.pk}", {"id_number": "ABCDEFG12"})

    assert response.status_code == 200
    assert response.json()["id_number"] == "••••12"
    customer.refresh_from_db()
    assert customer.id_number == "ABCDEFG12"
    update = AuditEntry.objects.get(customer_id=customer.pk, action="update")
    assert update.changes == {"id_number": ["***", "***"]}


SECRETS = {
    "id_number": "110101199003074514",
    "bank_account": "6222020200112233",
    "health_notes": "糖尿病",
    "precise_location": "30.27,120.15",
    "is_minor": True,
}


def revealed(api_as, customer) -> dict:
    """The stored sensitive values, as a manager's reveal shows them."""
    manager = api_as("manager")
    return {
        field: manager.post(
            f"/customers/{customer.pk}/reveal", {"field": field, "purpose": "核对客户资料"}
        ).json()["value"]
        for field in SECRETS
    }


def whole_object(body: dict) -> dict:
    """What a client PATCHes back after a GET: every writable field as GET showed it (null
    ones too where the schema takes null: is_minor, masked)."""
    writable = set(services.EDITABLE_FIELDS) | {"tags", "version"}
    sent = {k: v for k, v in body.items() if k in writable and v is not None}
    return {**sent, "is_minor": body["is_minor"]}


def test_patching_back_what_get_showed_keeps_the_stored_sensitive_values(customer_of, api_as):
    # given: a rep reads the customer (sensitive fields masked) and edits one other field
    customer = customer_of("rep1", city="杭州", **SECRETS)
    rep = api_as("rep1")
    sent = {**whole_object(rep.get(f"/customers/{customer.pk}").json()), "city": "宁波"}
    assert (sent["id_number"], sent["health_notes"], sent["is_minor"]) == ("••••14", "••••", None)

    # when: the whole object goes back
    response = rep.patch(f"/customers/{customer.pk}", sent)

    # then: the city changed, the real values are kept, the trail names only the city
    assert response.status_code == 200, response.content
    assert response.json()["id_number"] == "••••14"
    assert revealed(api_as, customer) == SECRETS
    update = AuditEntry.objects.get(customer_id=customer.pk, action="update")
    assert update.changes == {"city": ["杭州", "宁波"]}


def test_a_stale_whole_object_patch_reports_no_conflict_on_masked_fields(customer_of, api_as):
    customer = customer_of("rep1", city="杭州", **SECRETS)
    rep = api_as("rep1")
    body = rep.get(f"/customers/{customer.pk}").json()
    rep.patch(f"/customers/{customer.pk}", {"city": "宁波"})

    response = rep.patch(
        f"/customers/{customer.pk}",
        {
            "id_number": body["id_number"],
            "health_notes": body["health_notes"],
            "city": "温州",
            "version": body["version"],
        },
    )

    assert response.status_code == 409
    assert set(response.json()["conflicts"]) == {"city"}
    assert revealed(api_as, customer) == SECRETS


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "en",
            "This is the hidden form of the value; send the real value, or leave the field out "
            "to keep it.",
        ),
        ("zh-hans", "这是该值隐藏后的形式；请您发送真实值，或不提交此字段以保留原值。"),
    ],
)
def test_a_different_masked_value_is_refused_and_nothing_is_written(
    customer_of, api_as, lang, message
):
    # given
    customer = customer_of("rep1", city="杭州", **SECRETS)

    # when: a mask that is not what GET showed (another ending, or edited around)
    response = api_as("rep1", lang=lang).patch(
        f"/customers/{customer.pk}",
        {"id_number": "••••99", "health_notes": "••••，另有高血压", "city": "宁波"},
    )

    # then
    assert response.status_code == 422
    assert response.json()["errors"] == {"id_number": [message], "health_notes": [message]}
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("杭州", 1)
    assert revealed(api_as, customer) == SECRETS
    assert not AuditEntry.objects.filter(customer_id=customer.pk, action="update").exists()


def test_a_new_customer_cannot_have_a_masked_value(api_as):
    response = api_as("rep1").post(
        "/customers", {"name": "张三", "id_number": "••••14", "bank_account": "6222••••2233"}
    )

    assert response.status_code == 422
    message = (
        "This is the hidden form of the value; send the real value, or leave the field out to "
        "keep it."
    )
    assert response.json()["errors"] == {"id_number": [message], "bank_account": [message]}
    assert not Customer.objects.filter(name="张三").exists()


def test_a_new_real_value_in_a_whole_object_patch_saves_for_rep_and_manager(customer_of, api_as):
    # given
    customer = customer_of("rep1", **SECRETS)
    path = f"/customers/{customer.pk}"

    # when: each sends back what GET showed with new real values in some sensitive fields
    rep = api_as("rep1")
    sent = whole_object(rep.get(path).json())
    rep_response = rep.patch(path, {**sent, "id_number": "330102198807071299"})
    manager = api_as("manager")  # may reveal the real values, writes like anyone
    sent = whole_object(manager.get(path).json())
    notes = "• 高血压\n• 青霉素过敏"  # a bulleted list is text, not a mask
    manager_response = manager.patch(path, {**sent, "health_notes": notes, "is_minor": False})

    # then
    assert (rep_response.status_code, manager_response.status_code) == (200, 200)
    assert rep_response.json()["id_number"] == "••••99"
    assert revealed(api_as, customer) == {
        **SECRETS,
        "id_number": "330102198807071299",
        "health_notes": notes,
        "is_minor": False,
    }
    changes = [
        e.changes
        for e in AuditEntry.objects.filter(customer_id=customer.pk, action="update").order_by("id")
    ]
    assert changes == [
        {"id_number": ["***", "***"]},
        {"health_notes": ["***", "***"], "is_minor": ["***", "***"]},
    ]


# The list ----------------------------------------------------------------------------------


@pytest.fixture
def rep1_book(customer_of):
    """Four customers of rep1 and one of rep2 that must never show up for rep1."""
    return {
        "zhang": customer_of(
            "rep1", name="张三", mobile="13812345678", level="A", source="referral", tags=["VIP"]
        ),
        "li": customer_of("rep1", name="李四", email="li.si@example.com", level="B"),
        "zeng": customer_of("rep1", name="曾小红", level="C", source="exhibition"),
        "org": customer_of("rep1", name="Acme Trading", kind="organisation", tags=["VIP"]),
        "other": customer_of("rep2", name="张三丰", mobile="13900001111", tags=["VIP"]),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("张", ["张三"]),
        ("zhangsan", ["张三"]),
        ("zs", ["张三"]),
        ("zeng", ["曾小红"]),
        ("+86 138-1234-5678", ["张三"]),
        ("13812345678", ["张三"]),
        ("0086 138 1234 5678", ["张三"]),
        ("LI.SI@example.com", ["李四"]),
        ("acme", ["Acme Trading"]),
        ("13900001111", []),
        ("zhangsanfeng", []),
    ],
)
def test_search_by_name_pinyin_initials_phone_email(rep1_book, api_as, term, expected):
    assert names(api_as("rep1").get("/customers", q=term)) == expected


def test_filters_by_tag_level_source_and_owner(rep1_book, api_as, personas):
    api = api_as("rep1")
    assert names(api.get("/customers", tag="VIP")) == ["Acme Trading", "张三"]
    assert names(api.get("/customers", level="C")) == ["曾小红"]
    assert names(api.get("/customers", source="exhibition")) == ["曾小红"]
    assert names(api.get("/customers", kind="organisation")) == ["Acme Trading"]
    assert "Acme Trading" not in names(api.get("/customers", kind="person"))
    assert api.get("/customers", kind="robot").status_code == 422
    assert names(api.get("/customers", owner=personas["rep2"].pk)) == []
    manager = api_as("manager")
    assert names(manager.get("/customers", owner=personas["rep2"].pk)) == ["张三丰"]


def test_sorting_and_pagination(rep1_book, api_as):
    api = api_as("rep1")
    assert names(api.get("/customers", sort="name")) == ["Acme Trading", "李四", "曾小红", "张三"]
    assert names(api.get("/customers", sort="oldest")) == ["张三", "李四", "曾小红", "Acme Trading"]

    page = api.get("/customers", sort="oldest", limit=2, offset=1).json()
    assert page["count"] == 4
    assert [item["name"] for item in page["items"]] == ["李四", "曾小红"]


def test_list_item_shape(rep1_book, api_as, personas):
    item = api_as("rep1").get("/customers", q="zhangsan").json()["items"][0]
    assert item == {
        "id": rep1_book["zhang"].pk,
        "kind": "person",
        "name": "张三",
        "level": "A",
        "source": "referral",
        "mobile": "+8613812345678",
        "email": "",
        "city": "",
        "company_name": "",
        "owner": {"id": personas["rep1"].pk, "name": "张伟"},
        "tags": ["VIP"],
        "updated_at": item["updated_at"],
    }


def test_limit_is_capped_at_100(customer_of, api_as):
    for n in range(101):
        customer_of("rep1", name=f"客户{n}")

    page = api_as("rep1").get("/customers", limit=500).json()

    assert page["count"] == 101
    assert len(page["items"]) == 100


@pytest.mark.parametrize("size", [2, 12])
def test_list_query_count_does_not_grow_with_rows(
    customer_of, api_as, django_assert_num_queries, size
):
    for n in range(size):
        customer_of("rep1", name=f"客户{n}", tags=["VIP", f"t{n}"])
    api = api_as("rep1")

    # token lookup + last-used update, collaborations (scope), count, page, tags of the page
    with django_assert_num_queries(6):
        response = api.get("/customers", q="kehu")

    assert response.json()["count"] == size


def test_manager_list_query_count(customer_of, api_as, django_assert_num_queries):
    for n in range(6):
        customer_of("rep1" if n % 2 else "rep2", name=f"客户{n}", tags=["VIP"])
    api = api_as("manager")

    with django_assert_num_queries(5):
        assert api.get("/customers").json()["count"] == 6


# Duplicate check --------------------------------------------------------------------------


def test_duplicate_check_names_the_owner_but_hides_a_record_out_of_scope(rep1_book, api_as):
    # rep2 types the mobile of rep1's customer in another format
    response = api_as("rep2").get("/customers/duplicates", mobile="+86 138 1234 5678")

    assert response.status_code == 200
    assert response.json() == [{"field": "mobile", "owner": "张伟", "customer_id": None}]


def test_duplicate_check_links_a_record_in_scope(rep1_book, api_as):
    response = api_as("rep1").get("/customers/duplicates", email="LI.SI@example.com")

    assert response.json() == [
        {"field": "email", "owner": "张伟", "customer_id": rep1_book["li"].pk}
    ]


def test_duplicate_check_by_similar_name_and_exclusion(rep1_book, api_as):
    api = api_as("rep1")
    zhang = rep1_book["zhang"].pk
    assert api.get("/customers/duplicates", name="张三").json() == [
        {"field": "name", "owner": "张伟", "customer_id": zhang}
    ]
    assert api.get("/customers/duplicates", name="张三", exclude_id=zhang).json() == []


def test_duplicate_check_needs_something_to_check(db, personas, api_as):
    response = api_as("rep1").get("/customers/duplicates")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Give a mobile number, an e-mail address or a name to check.",
        "errors": {"__all__": ["Give a mobile number, an e-mail address or a name to check."]},
    }


def test_tags_lists_the_tags_in_scope_paginated(rep1_book, customer_of, api_as):
    customer_of("rep2", name="乙", tags=["华南", "B"])
    assert api_as("rep1").get("/tags").json() == {"count": 1, "items": [{"name": "VIP"}]}
    assert api_as("rep2").get("/tags", limit=1, offset=1).json() == {
        "count": 3,
        "items": [{"name": "VIP"}],
    }


# Collaborators, transfer, audit -----------------------------------------------------------


def test_sharing_read_then_write_then_unsharing(customer_of, api_as, personas):
    customer = customer_of("rep1", name="共享客户")
    owner, colleague = api_as("rep1"), api_as("rep2")
    rep2 = personas["rep2"]
    path = f"/customers/{customer.pk}"

    # read access: rep2 sees the customer but may not change it
    shared = owner.put(f"{path}/collaborators/{rep2.pk}", {"access": "read"})
    assert shared.status_code == 200
    assert shared.json() == {
        "user_id": rep2.pk,
        "username": "rep2",
        "display_name": "刘芳",
        "access": "read",
        "expires_at": None,
    }
    assert colleague.get(path).status_code == 200
    assert colleague.patch(path, {"name": "改名"}).status_code == 403

    # write access
    owner.put(f"{path}/collaborators/{rep2.pk}", {"access": "write"})
    assert colleague.patch(path, {"name": "改名"}).status_code == 200
    assert [c["access"] for c in owner.get(f"{path}/collaborators").json()] == ["write"]

    # unshared: back to 404
    assert owner.delete(f"{path}/collaborators/{rep2.pk}").status_code == 204
    assert colleague.get(path).status_code == 404
    assert not Collaborator.objects.filter(customer=customer).exists()
    assert owner.delete(f"{path}/collaborators/{rep2.pk}").status_code == 404


def test_manager_transfers_a_customer_and_the_rep_may_not(customer_of, api_as, personas):
    customer = customer_of("rep1")
    body = {"owner_id": personas["rep2"].pk}

    assert api_as("rep1").post(f"/customers/{customer.pk}/owner", body).status_code == 403
    response = api_as("manager").post(f"/customers/{customer.pk}/owner", body)

    assert response.status_code == 200
    assert response.json()["owner"] == {"id": personas["rep2"].pk, "name": "刘芳"}
    assert response.json()["department"] == "华南销售组"
    assert api_as("rep1").get(f"/customers/{customer.pk}").status_code == 404


def test_transfer_to_an_unknown_user_is_422(customer_of, api_as):
    customer = customer_of("rep1")

    response = api_as("manager").post(f"/customers/{customer.pk}/owner", {"owner_id": 999999})

    assert response.status_code == 422
    assert response.json()["errors"] == {"owner_id": ["There is no active user with this id."]}


def test_audit_trail_is_for_managers(customer_of, api_as, personas):
    customer = customer_of("rep1", name="张三")
    api_as("rep1").patch(f"/customers/{customer.pk}", {"city": "上海"})

    response = api_as("manager").get(f"/customers/{customer.pk}/audit")

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2
    latest = page["items"][0]
    assert (latest["action"], latest["actor"], latest["model"], latest["changes"]) == (
        "update",
        "张伟",
        "customer",
        {"city": ["", "上海"]},
    )
    assert api_as("rep1").get(f"/customers/{customer.pk}/audit").status_code == 403
    assert api_as("rep2").get(f"/customers/{customer.pk}/audit").status_code == 404


def test_contacts_nested_and_flat(customer_of, api_as, personas, django_assert_num_queries):
    org = customer_of("rep1", name="华茂贸易", kind="organisation")
    api = api_as("rep1")

    created = api.post(
        f"/customers/{org.pk}/contacts",
        {"name": "陈经理", "title": "采购", "mobile": "139 0000 2222", "is_primary": True},
    )
    assert created.status_code == 201
    contact = created.json()
    assert (contact["customer_id"], contact["mobile"], contact["is_primary"]) == (
        org.pk,
        "+8613900002222",
        True,
    )
    path = f"/contacts/{contact['id']}"
    assert api.patch(path, {"interpersonal_style": "thinker"}).json()["interpersonal_style"] == (
        "thinker"
    )
    api.post(f"/customers/{org.pk}/contacts", {"name": "王助理"})
    assert [c["name"] for c in api.get(f"/customers/{org.pk}/contacts").json()] == [
        "陈经理",
        "王助理",
    ]
    # the token's last use was written by an earlier request: not again within the minute;
    # + collaborations (scope)
    with django_assert_num_queries(4):
        assert api.get("/contacts").json()["count"] == 2
    assert api.get("/contacts", q="王").json()["count"] == 1
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert AuditEntry.objects.filter(model="contact").count() == 4  # 2 creates, update, delete


def test_a_person_has_no_contacts(customer_of, api_as):
    person = customer_of("rep1", kind="person")

    response = api_as("rep1").post(f"/customers/{person.pk}/contacts", {"name": "陈"})

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Contacts belong to organisations; this customer is a person."
    )


# Versioned edits, 查重 policy, input rules --------------------------------------------------


def test_a_patch_with_a_stale_version_answers_409_with_both_values(customer_of, api_as):
    customer = customer_of("rep1", name="张三", city="杭州", id_number="110101199003074514")
    api = api_as("rep1")
    version = api.get(f"/customers/{customer.pk}").json()["version"]
    assert version == 1
    assert (
        api.patch(f"/customers/{customer.pk}", {"city": "上海", "version": 1}).json()["version"]
        == 2
    )

    response = api_as("lead_a").patch(
        f"/customers/{customer.pk}",
        {"city": "南京", "id_number": "11010519491231002X", "version": 1},
    )

    assert response.status_code == 409
    body = response.json()
    assert body["version"] == 2
    assert body["changed_by"] == "张伟"
    assert body["conflicts"] == {
        "city": {"current": "上海", "yours": "南京"},
        "id_number": {"current": "***", "yours": "***"},
    }
    assert (body["current"]["city"], body["current"]["version"]) == ("上海", 2)
    assert body["current"]["id_number"] != "110101199003074514"  # masked as in GET
    customer.refresh_from_db()
    assert (customer.city, customer.id_number) == ("上海", "110101199003074514")
    assert not AuditEntry.objects.filter(action="update", actor__username="lead_a").exists()

    again = api_as("lead_a").patch(f"/customers/{customer.pk}", {"city": "南京", "version": 2})
    assert (again.status_code, again.json()["city"], again.json()["version"]) == (200, "南京", 3)


def test_patches_of_different_fields_without_version_both_stay(customer_of, api_as):
    customer = customer_of("rep1", name="张三")
    assert api_as("rep1").patch(f"/customers/{customer.pk}", {"city": "上海"}).status_code == 200
    response = api_as("lead_a").patch(f"/customers/{customer.pk}", {"email": "z@example.com"})
    assert (response.json()["city"], response.json()["email"]) == ("上海", "z@example.com")


def test_a_contact_patch_with_a_stale_version_answers_409(customer_of, api_as):
    org = customer_of("rep1", name="甲公司", kind="organisation")
    api = api_as("rep1")
    contact = api.post(f"/customers/{org.pk}/contacts", {"name": "李四"}).json()
    assert contact["version"] == 1
    assert (
        api.patch(f"/contacts/{contact['id']}", {"title": "经理", "version": 1}).status_code == 200
    )
    response = api.patch(f"/contacts/{contact['id']}", {"title": "总监", "version": 1})
    assert response.status_code == 409
    assert response.json()["conflicts"] == {"title": {"current": "经理", "yours": "总监"}}
    assert response.json()["current"]["title"] == "经理"


def test_a_blocked_duplicate_mobile_is_422_naming_only_the_owner(customer_of, api_as):
    customer_of("rep2", name="王五", mobile="13812345678")
    response = api_as("rep1").post("/customers", {"name": "赵六", "mobile": "138 1234 5678"})
    assert response.status_code == 422
    message = "Already registered, owned by 刘芳."
    assert response.json() == {"detail": message, "errors": {"mobile": [message]}}
    # confirming does not override a block
    again = api_as("rep1").post(
        "/customers", {"name": "赵六", "mobile": "13812345678", "confirm_duplicate": True}
    )
    assert again.status_code == 422


def test_a_warned_duplicate_email_needs_confirm_duplicate(customer_of, api_as):
    customer_of("rep2", name="王五", email="w@example.com")
    api = api_as("rep1")
    refused = api.post("/customers", {"name": "赵六", "email": "w@example.com"})
    assert refused.status_code == 422
    assert "confirm_duplicate" in refused.json()["errors"]["email"][0]
    created = api.post(
        "/customers", {"name": "赵六", "email": "w@example.com", "confirm_duplicate": True}
    )
    assert created.status_code == 201


def test_exclude_id_of_another_teams_customer_reveals_nothing(customer_of, api_as):
    other = customer_of("rep2", name="王五", mobile="13812345678")
    api = api_as("rep1")
    plain = api.get("/customers/duplicates", mobile="13812345678").json()
    excluded = api.get("/customers/duplicates", mobile="13812345678", exclude_id=other.pk).json()
    assert plain == excluded == [{"field": "mobile", "owner": "刘芳", "customer_id": None}]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "\u200b\u200c"}, "name"),
        ({"name": "甲", "birthday": "0001-01-01"}, "birthday"),
        ({"name": "甲", "city": "上\x07海"}, "city"),
        ({"name": "甲", "tags": ["t"] * 51}, "tags"),
    ],
)
def test_the_api_refuses_what_the_form_refuses(db, personas, api_as, body, field):
    response = api_as("rep1").post("/customers", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_merge_and_undo_through_the_api(customer_of, api_as, personas):
    keep = customer_of("rep1", name="张三", city="")
    dupe = customer_of("rep1", name="张三丰", city="上海", email="z@example.com")
    api = api_as("rep1")

    response = api.post(
        f"/customers/{keep.pk}/merge", {"other_id": dupe.pk, "take": {"name": "other"}}
    )

    assert response.status_code == 201
    merge = response.json()
    assert (merge["survivor_id"], merge["merged_id"], merge["merged_by"]) == (
        keep.pk,
        dupe.pk,
        "张伟",
    )
    body = api.get(f"/customers/{keep.pk}").json()
    assert (body["name"], body["city"], body["email"]) == ("张三丰", "上海", "z@example.com")
    assert [c["id"] for c in api.get("/customers").json()["items"]] == [keep.pk]
    assert api.get(f"/customers/{dupe.pk}").json()["merged_into"] == keep.pk
    assert [m["id"] for m in api.get(f"/customers/{keep.pk}/merges").json()] == [merge["id"]]

    undone = api.post(f"/customers/{keep.pk}/merges/{merge['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert api.get(f"/customers/{keep.pk}").json()["name"] == "张三"
    assert api.get(f"/customers/{keep.pk}/merges").json() == []
    assert api.post(f"/customers/{keep.pk}/merges/{merge['id']}/undo").status_code == 404


def test_merging_needs_write_access_to_both(customer_of, api_as):
    mine = customer_of("rep1", name="张三")
    theirs = customer_of("rep2", name="张三")
    response = api_as("rep1").post(f"/customers/{mine.pk}/merge", {"other_id": theirs.pk})
    assert response.status_code == 404
    viewer = api_as("viewer").post(f"/customers/{mine.pk}/merge", {"other_id": mine.pk})
    assert viewer.status_code == 403
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_merge_refuses_an_unknown_field_choice(customer_of, api_as):
    keep = customer_of("rep1", name="张三")
    dupe = customer_of("rep1", name="张三")
    response = api_as("rep1").post(
        f"/customers/{keep.pk}/merge", {"other_id": dupe.pk, "take": {"owner": "other"}}
    )
    assert response.status_code == 422


def test_duplicate_and_conflict_messages_in_chinese(customer_of, api_as):
    customer = customer_of("rep2", name="王五", mobile="13812345678")
    api = api_as("rep1", lang="zh-hans")
    refused = api.post("/customers", {"name": "赵六", "mobile": "13812345678"})
    assert refused.json()["errors"]["mobile"] == ["已被登记，归属 刘芳。"]
    rep2 = api_as("rep2", lang="zh-hans")
    rep2.patch(f"/customers/{customer.pk}", {"city": "上海", "version": 1})
    stale = rep2.patch(f"/customers/{customer.pk}", {"city": "南京", "version": 1})
    assert stale.json()["detail"] == "rep2 在此期间修改了这条记录；请重新加载后再次修改。"


def test_a_share_that_would_end_in_the_past_is_refused(api_as, customer_of, personas):
    """A hostile review: a share with an end already past was stored (200) and granted nothing.
    The service refuses it: 422, naming the field (the page: test_scope_rules)."""
    from guanxi.customers.models import Collaborator

    customer = customer_of("rep1", name="甲")
    response = api_as("rep1").put(
        f"/customers/{customer.pk}/collaborators/{personas['rep2'].pk}",
        {"access": "write", "expires_at": "2020-01-01T00:00:00Z"},
    )
    assert response.status_code == 422
    assert "Choose a time in the future for the access to end." in str(response.json())
    assert not Collaborator.objects.filter(customer=customer).exists()


def test_a_customer_cannot_be_handed_to_a_read_only_user(api_as, customer_of, personas):
    """A hostile review: the manager could make the read-only viewer a customer's owner (200),
    where the transfer page offers only colleagues who can edit."""
    customer = customer_of("rep1", name="甲")
    response = api_as("manager").post(
        f"/customers/{customer.pk}/owner", {"owner_id": personas["viewer"].pk}
    )
    assert response.status_code == 422
    assert "A read-only user cannot own customers" in str(response.json())
    customer.refresh_from_db()
    assert customer.owner_id == personas["rep1"].pk
