"""Customers through the API: CRUD, search, filters, sorting, pagination, duplicates, tags,
collaborators, transfer, audit trail. Sensitive fields are always masked."""

import pytest

from guanxi.audit.models import AuditEntry
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


def test_tags_lists_the_vocabulary(rep1_book, api_as):
    assert api_as("rep2").get("/tags").json() == [{"name": "VIP"}]


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
    with django_assert_num_queries(5):  # + collaborations (scope)
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
