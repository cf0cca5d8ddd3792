"""尾号 and prefix phone search: by the last digits and by the first digits of a number."""

import pytest

from guanxi.customers.queries import customer_list


@pytest.fixture
def phones(customer_of):
    return {
        "wang": customer_of("rep1", name="王一", mobile="13800138000"),
        "li": customer_of("rep1", name="李二", mobile="13900018000"),
        "zhao": customer_of("rep1", name="赵三", mobile="15912348001"),
        "office": customer_of("rep1", name="茶馆", kind="organisation", phone="010-6552 8000"),
        "other": customer_of("rep2", name="刘四", mobile="13800138888"),
    }


def names(user, q):
    return sorted(c.name for c in customer_list(user, q=q))


@pytest.mark.django_db
def test_last_four_digits_find_mobiles_and_landlines_ending_in_them(personas, phones):
    assert names(personas["rep1"], "8000") == ["李二", "王一", "茶馆"]
    assert names(personas["rep1"], "48001") == ["赵三"]
    assert names(personas["rep1"], "9999") == []


@pytest.mark.django_db
def test_a_prefix_finds_numbers_starting_with_it_in_any_writing(personas, phones):
    assert names(personas["rep1"], "138001") == ["王一"]
    assert names(personas["rep1"], "138 001") == ["王一"]
    assert names(personas["rep1"], "+86138001") == ["王一"]
    assert names(personas["rep1"], "86138001") == ["王一"]
    assert names(personas["rep1"], "1591234") == ["赵三"]
    # a landline's area code with its trunk 0
    assert names(personas["rep1"], "010655") == ["茶馆"]


@pytest.mark.django_db
def test_partial_numbers_stay_within_the_data_scope(personas, phones):
    assert names(personas["rep2"], "8888") == ["刘四"]
    assert names(personas["rep1"], "8888") == []
    assert names(personas["manager"], "138001") == ["刘四", "王一"]


@pytest.mark.django_db
def test_two_digits_are_not_a_phone_search_and_letters_are_not_digits(personas, phones):
    assert names(personas["rep1"], "80") == []
    assert names(personas["rep1"], "wangyi") == ["王一"]


@pytest.mark.django_db
def test_api_finds_by_last_digits_and_filters_by_team_and_city(api_as, personas, teams, phones):
    api = api_as("manager")
    names_found = sorted(c["name"] for c in api.get("/customers", q="8000").json()["items"])
    assert names_found == ["李二", "王一", "茶馆"]
    rep2_team = api.get("/customers", team=teams["b"].pk).json()
    assert [c["name"] for c in rep2_team["items"]] == ["刘四"]
    assert api.get("/customers", city="杭州").json()["count"] == 0
    assert api.get("/customers", created_from="2199-01-01").json()["count"] == 0
    assert api.get("/customers", created_from="not a date").status_code == 422
