"""A customer import is no free 查重 (the hostile review swept mobiles, e-mails and member card
numbers with rows that had no name: nothing imported, yet each row said "已存在（负责人：刘芳）").
Imports are bulk, so only rows matching outside the scope count against the 查重 limit; a row reports a match
only when it is otherwise valid, and a match outside the importing user's scope names neither
its owner nor the field that matched. Matches in the user's scope keep the helpful message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from guanxi.customers.models import Customer
from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_customers

pytestmark = pytest.mark.django_db

NEUTRAL_ZH = "已登记在您的权限范围以外的客户名下"


def table(content: str):
    return read_table(content.encode("utf-8"), "people.csv")


def everything_said(result) -> str:
    return "\n".join(e.message for e in [*result.errors, *result.notes])


@pytest.fixture
def theirs(customer_of):
    """rep2's (刘芳's) customer, in another team than rep1's."""
    return customer_of(
        "rep2",
        name="陆强",
        mobile="13344445555",
        email="luqiang1940@qq.com",
        external_id="M0001965",
    )


def test_nameless_rows_reveal_no_owner_and_no_match(client, rep1, theirs):
    # given rows with no name, each carrying one value of rep2's customer, and one of nobody's
    content = "姓名,手机,邮箱,外部编号\n,+8613344445555,,\n,,luqiang1940@qq.com,\n,,,M0001965\n"
    content += ",+8613900001111,,\n"
    client.force_login(rep1)

    # when rep1 imports them through the page, skipping duplicates
    response = client.post(
        "/data/import/",
        {
            "kind": "customers",
            "file": SimpleUploadedFile("c.csv", content.encode(), content_type="text/csv"),
            "on_duplicate": "skip",
        },
        headers={"Accept-Language": "zh-hans"},
    )

    # then nothing is imported, no owner is named, no row is skipped as a match, and a
    # matching row reads exactly like the row that matched nobody
    assert response.status_code == 422
    result = response.context["result"]
    assert (result.created, result.updated, result.skipped) == (0, 0, 0)
    assert result.notes == []
    html = response.content.decode()
    assert "刘芳" not in html and "已存在" not in html and NEUTRAL_ZH not in html
    messages = {row: [e.message for e in result.errors if e.row == row] for row in (2, 3, 4, 5)}
    assert messages[2] == messages[3] == messages[4] == messages[5] != []
    assert Customer.objects.count() == 1


def test_a_valid_row_matching_another_teams_customer_gets_the_neutral_message(rep1, theirs):
    with translation.override("zh-hans"):
        skipped = import_customers(
            rep1, table("姓名,手机\n陆强,13344445555\n"), on_duplicate="skip"
        )
        merged = import_customers(
            rep1, table("姓名,邮箱\n陆强,luqiang1940@qq.com\n"), on_duplicate="merge"
        )

    # skipped: a note without the owner's name
    assert skipped.skipped == 1
    assert NEUTRAL_ZH in everything_said(skipped)
    # merged: refused, without the owner's name or the field that matched
    assert merged.failed
    assert [(e.row, e.column) for e in merged.errors] == [(2, "")]
    assert NEUTRAL_ZH in merged.errors[0].message
    for result in (skipped, merged):
        assert "刘芳" not in everything_said(result)
    theirs.refresh_from_db()
    assert theirs.name == "陆强" and Customer.objects.count() == 1


def test_a_match_in_the_users_own_scope_keeps_the_helpful_message(rep1, customer_of, theirs):
    customer_of("rep1", name="老张", mobile="13812345678")
    with translation.override("zh-hans"):
        result = import_customers(rep1, table("姓名,手机\n张三,13812345678\n"), on_duplicate="skip")
    assert result.skipped == 1
    assert "已存在（负责人：张伟）" in everything_said(result)


def test_a_manager_sees_every_owner(manager, theirs):
    with translation.override("zh-hans"):
        result = import_customers(manager, table("姓名,手机\n陆强,13344445555\n"))
    assert "刘芳" in everything_said(result)


def test_a_merge_refused_by_the_policy_outside_the_scope_names_no_owner(rep1, customer_of, rep2):
    # given rep2's organisation with a unified social credit code (查重 blocks it), and rep1's
    customer_of("rep2", name="华茂", kind="organisation", uscc="91330100000123457J")
    customer_of("rep1", name="甲公司", kind="organisation", external_id="R1")
    # when rep1 merges the code into their own customer
    with translation.override("zh-hans"):
        content = "姓名,外部编号,统一社会信用代码\n甲公司,R1,91330100000123457J\n"
        result = import_customers(rep1, table(content), on_duplicate="merge")
    # then it is refused without naming rep2
    assert result.failed
    assert NEUTRAL_ZH in everything_said(result)
    assert "刘芳" not in everything_said(result)


def test_import_rows_do_not_spend_the_duplicate_check_budget(settings, rep1):
    from guanxi.customers.services import find_duplicates

    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    content = "姓名,手机\n" + "".join(f"客户{i},1381234{i:04d}\n" for i in range(5))
    assert import_customers(rep1, table(content)).created == 5
    assert find_duplicates(rep1, mobile="13900000000") == []


def test_matches_outside_the_scope_spend_the_budget_and_past_it_the_file_is_refused(
    settings, rep1, customer_of
):
    """Valid, named rows still told which numbers belong to another team (60 member cards in
    one file: a second hostile review). Each such match now spends a 查重 check; past the
    budget the whole file is refused with one error, no row's answer."""
    settings.GUANXI_DUPLICATE_CHECKS_PER_MINUTE = 2
    for n in range(3):
        customer_of("rep2", name=f"别组{n}", external_id=f"M000000{n}")
    rows = "".join(f"客户{n},M000000{n}\n" for n in range(3))

    with translation.override("en"):
        refused = import_customers(rep1, table("姓名,外部编号\n" + rows + "新客户,M9999999\n"))

    assert not refused.committed and refused.imported == 0
    assert [(e.row, e.message) for e in refused.errors] == [
        (
            1,
            "More rows of this file match records outside your scope than your duplicate "
            "checks allow (2 a minute); nothing was imported. Ask your manager to import it.",
        )
    ]
    assert refused.notes == [] and not Customer.objects.filter(name="新客户").exists()
