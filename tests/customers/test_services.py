"""Customer services: normalisation, validation, audit, duplicate check, search."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer, CustomField, CustomFieldKind
from guanxi.customers.normalize import (
    WORD_CHARS,
    name_initials,
    name_pinyin,
    name_words,
    normalize_phone,
)
from guanxi.customers.queries import customer_list
from guanxi.customers.services import (
    assign_owner,
    create_customer,
    find_duplicates,
    update_customer,
)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "0086 13812345678",
        "+8613812345678",
    ],
)
def test_every_way_of_writing_a_mobile_is_stored_as_e164(raw):
    assert normalize_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("raw", ["12345", "1381234567", "abc", "+86 138 1234 56789"])
def test_invalid_phone_is_rejected(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("张三", "zhangsan", "zs"),
        ("曾小贤", "zengxiaoxian", "zxx"),
        ("单田芳", "shantianfang", "stf"),
        ("吕布", "lvbu", "lb"),
        ("Li Lei", "lilei", "ll"),
    ],
)
def test_pinyin_and_initials_with_surname_readings(name, pinyin, initials):
    assert name_pinyin(name) == pinyin
    assert name_initials(name) == initials


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("邓波", "dengbo bo"),
        ("欧阳娜娜", "ouyangnana yangnana nana na"),  # a word once
        ("曾小贤", "zengxiaoxian xiaoxian xian"),  # the surname's reading
        ("Li Lei", "lilei lei"),
        ("ABC科技", "abckeji keji ji"),
        ("张3丰", "zhang3feng 3feng feng"),
        ("McDonald's 麦当劳", "mcdonaldsmaidanglao smaidanglao maidanglao danglao lao"),
        ("北京云创科技有限公司", None),
        ("〇〇", "lingling ling"),  # a Han character outside the unified block: as the pinyin
        ("Müller", "muller"),  # marks off, as typed (a hostile review found no Müller)
        ("Ｗａｎｇ Ｌｉ", "wangli li"),  # full-width forms as plain ones
        ("", ""),
        ("!!!", ""),
    ],
)
def test_name_words_start_at_each_syllable(name, words):
    stored = name_words(name)
    if words is not None:
        assert stored == words
    assert "  " not in stored and stored == stored.strip()  # PostgreSQL's vector refuses ""
    assert all(len(word) <= WORD_CHARS for word in stored.split())
    assert all(
        name_pinyin(name).endswith(word) or len(word) == WORD_CHARS for word in stored.split()
    )


def test_search_starts_at_a_syllable_or_word(personas, customer_of):
    """A typed pinyin matches from the start of a syllable (邓波: dengbo, bo, dengb) or of a
    Latin word (Smith), not from inside one (engbo): the trade for a search that reads one
    short index range at a million customers (issue 7)."""
    customer_of("rep1", name="邓波")
    customer_of("rep1", name="John Smith")
    customer_of("rep1", name="北京云创科技有限公司")
    rep1 = personas["rep1"]

    def found(q):
        return sorted(c.name for c in customer_list(rep1, q=q))

    assert found("dengbo") == found("DengBo") == found("deng bo") == ["邓波"]
    assert found("dèng bō") == found("ｄｅｎｇｂｏ") == ["邓波"]  # tone marks, full-width
    assert found("dengb") == found("DENGB") == ["邓波"]
    # two letters: the name's start, its initials, or a whole syllable at its end
    assert found("bo") == found("de") == ["邓波"]
    assert found("en") == []  # inside a syllable
    assert found("engbo") == []
    assert found("smith") == found("johnsm") == ["John Smith"]
    assert found("mith") == []
    assert found("kejiyouxian") == ["北京云创科技有限公司"]
    # longer than a stored word: its first WORD_CHARS letters, then the rest in the pinyin
    assert found("beijingyunchuangkejiyouxiangongsi") == ["北京云创科技有限公司"]
    assert found("yunchuangkejiyouxiangongsi") == ["北京云创科技有限公司"]
    assert found("yunchuangkejiyouxiangongsix") == []


def test_search_finds_names_with_marks_full_width_forms_and_other_han_characters(
    personas, customer_of
):
    """A hostile review could not find Müller, Ｗａｎｇ Ｌｉ or 〇〇 by their own names."""
    customer_of("rep1", name="Müller")
    customer_of("rep1", name="Ｗａｎｇ Ｌｉ")
    customer_of("rep1", name="〇〇")
    customer_of("rep1", name="吕布")
    rep1 = personas["rep1"]

    def found(q):
        return sorted(c.name for c in customer_list(rep1, q=q))

    assert found("Müller") == found("muller") == found("MUL") == ["Müller"]
    assert found("wangli") == found("ｗａｎｇ") == found("Wang Li") == ["Ｗａｎｇ Ｌｉ"]
    assert found("wl") == ["Ｗａｎｇ Ｌｉ"]  # initials
    assert found("lingling") == found("ling") == ["〇〇"]
    assert found("lvbu") == found("lübu") == found("lǚbù") == ["吕布"]  # typed pinyin's ü is v
    assert found("lǚ") == ["吕布"]  # two letters


def test_create_customer_normalises_and_audits(rep1):
    customer = create_customer(
        rep1, {"name": "张三", "mobile": "138 1234 5678", "email": " Zhang.San@Example.CN "}
    )
    assert (customer.mobile, customer.email) == ("+8613812345678", "zhang.san@example.cn")
    assert customer.owner == rep1 and customer.department == rep1.profile.department
    entry = AuditEntry.objects.get(customer_id=customer.pk)
    assert entry.action == "create" and entry.actor == rep1
    assert entry.changes["mobile"] == [None, "+8613812345678"]


def test_invalid_input_lists_every_problem_and_writes_nothing(rep1):
    with pytest.raises(ValidationError) as info:
        create_customer(
            rep1,
            {"name": "", "mobile": "123", "kind": "organisation", "uscc": "91350100M000100Y44"},
        )
    assert set(info.value.message_dict) == {"name", "mobile", "uscc"}
    assert Customer.objects.count() == 0


def test_valid_uscc_is_accepted_for_organisations_only(rep1):
    org = create_customer(
        rep1, {"name": "福州某公司", "kind": "organisation", "uscc": "91350100m000100y43"}
    )
    assert org.uscc == "91350100M000100Y43"
    with pytest.raises(ValidationError):
        create_customer(rep1, {"name": "个人", "kind": "person", "uscc": "91350100M000100Y43"})


def test_update_audits_changes_but_never_sensitive_values(rep1, customer_of):
    customer = customer_of("rep1", name="张三")
    update_customer(rep1, customer, {"level": "A", "id_number": "110101199003071234"})
    entry = AuditEntry.objects.filter(customer_id=customer.pk, action="update").get()
    assert entry.changes["level"] == ["B", "A"]
    assert entry.changes["id_number"] == ["***", "***"]


def test_custom_fields_are_validated_against_definitions(rep1):
    CustomField.objects.create(
        key="car_model", label="车型", kind=CustomFieldKind.CHOICE, choices=["轿车", "SUV"]
    )
    CustomField.objects.create(key="budget", label="预算", kind=CustomFieldKind.NUMBER)
    ok = create_customer(
        rep1, {"name": "甲", "custom_fields": {"car_model": "SUV", "budget": "150000"}}
    )
    assert ok.custom_fields == {"car_model": "SUV", "budget": "150000"}
    with pytest.raises(ValidationError) as info:
        create_customer(
            rep1,
            {
                "name": "乙",
                "custom_fields": {"car_model": "卡车", "budget": "很多", "colour": "红"},
            },
        )
    assert len(info.value.message_dict["custom_fields"]) == 3


def test_a_required_custom_field_is_required_even_when_none_is_given(rep1):
    CustomField.objects.create(key="plate", label="车牌", kind=CustomFieldKind.TEXT, required=True)

    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        create_customer(rep1, {"name": "甲", "custom_fields": {}})

    assert info.value.message_dict["custom_fields"] == ["“车牌”为必填项。"]
    assert not Customer.objects.exists()


def test_duplicate_check_names_the_owner_but_hides_records_out_of_scope(personas, customer_of):
    theirs = customer_of("rep2", name="王五", mobile="13912345678", email="ww@example.cn")
    matches = find_duplicates(personas["rep1"], mobile="+86 139-1234-5678")
    assert [(m.field, m.owner, m.customer_id) for m in matches] == [("mobile", "刘芳", None)]
    by_name = find_duplicates(personas["rep1"], name="王五")
    assert by_name[0].field == "name" and by_name[0].customer_id is None
    # the owner sees the link to their own record
    mine = find_duplicates(personas["rep2"], email="WW@example.cn")
    assert mine[0].customer_id == theirs.pk


def test_search_by_pinyin_initials_phone_email_and_tag(personas, customer_of):
    zhang = customer_of(
        "rep1", name="张三", mobile="13812345678", email="z3@example.cn", tags=["VIP"]
    )
    customer_of("rep1", name="李四")
    customer_of("rep2", name="张三丰")  # another team's: never found by rep1
    rep1 = personas["rep1"]

    def found(**kw):
        return [c.name for c in customer_list(rep1, **kw)]

    assert found(q="zhangsan") == ["张三"]
    assert found(q="zs") == ["张三"]
    assert found(q="Zhang San") == ["张三"]
    assert found(q="张") == ["张三"]
    assert found(q="+86 138-1234-5678") == ["张三"]
    assert found(q="138 1234 5678") == ["张三"]
    assert found(q="Z3@example.cn") == ["张三"]
    assert found(tag="VIP") == ["张三"]
    assert found(q="zhangsanfeng") == []
    assert zhang.pk in {c.pk for c in customer_list(personas["manager"], q="zs")}


def test_search_reads_full_width_input_brackets_and_the_start_of_an_address(personas, customer_of):
    """A review typed what a Chinese input method types (１３８１２３４, （+86）) and the start of
    an address (the search box names 邮箱) and found nothing."""
    customer_of("rep1", name="郭靖", mobile="13812345678", email="guojing0@qq.com")
    customer_of("rep2", name="郭靖", mobile="13812345679", email="guojing0@163.com")
    rep1 = personas["rep1"]

    def found(q):
        return [c.email for c in customer_list(rep1, q=q)]

    assert found("１３８１２３４") == ["guojing0@qq.com"]  # a prefix, full-width
    assert found("５６７８") == ["guojing0@qq.com"]  # 尾号, full-width
    assert found("(+86)13812345678") == ["guojing0@qq.com"]
    assert found("（＋８６）１３８１２３４５６７８") == ["guojing0@qq.com"]
    assert found("guojing0") == ["guojing0@qq.com"]  # another team's stays out
    assert found("GuoJing0@") == ["guojing0@qq.com"]
    assert found("ＧＵＯＪＩＮＧ０＠ＱＱ．ＣＯＭ") == ["guojing0@qq.com"]
    assert found("@qq.com") == []  # no search by domain: it would read every address
    assert found("guojing1") == []


def test_qq_and_wechat_typed_full_width_are_stored_as_ascii(personas, customer_of):
    # a review saved QQ １２３４５６ and found it stored as typed (the mobile was normalised)
    customer = customer_of("rep1", name="张三")
    update_customer(personas["rep1"], customer, {"qq": "１２３４５６", "wechat": "ｚｈａｎｇ＿３"})
    customer.refresh_from_db()
    assert (customer.qq, customer.wechat) == ("123456", "zhang_3")


def test_transfer_keeps_history_and_moves_team(personas, customer_of):
    customer = customer_of("rep1", name="张三")
    assign_owner(personas["manager"], customer, personas["rep2"])
    customer.refresh_from_db()
    assert customer.owner == personas["rep2"]
    assert customer.department == personas["rep2"].profile.department
    assert AuditEntry.objects.filter(customer_id=customer.pk, action="assign").count() == 1


def test_a_birthday_after_today_and_negative_points_are_refused(personas, customer_of):
    """A new-user review saved birthday 2030-01-01 and points −50 through the edit form; the
    service refuses both, so the page, the API and an import all do."""
    from datetime import timedelta

    from django.utils import timezone

    from guanxi.customers import services

    customer = customer_of("rep1")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.update_customer(personas["rep1"], customer, {"birthday": tomorrow, "points": -50})
    with translation.override("zh-hans"), pytest.raises(ValidationError) as zh:
        services.create_customer(personas["rep1"], {"name": "未出生", "birthday": tomorrow})

    assert refused.value.message_dict == {
        "birthday": ["A birthday cannot be in the future."],
        "points": ["Points cannot be negative."],
    }
    assert zh.value.message_dict == {"birthday": ["生日不能晚于今天。"]}
    customer.refresh_from_db()
    assert customer.birthday is None and customer.points == 0
    today = services.update_customer(
        personas["rep1"], customer, {"birthday": timezone.localdate(), "points": 0}
    )
    assert today.birthday == timezone.localdate()
