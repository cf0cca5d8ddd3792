"""Versioned edits (no lost writes), the 查重 policy under concurrency, one set of input rules."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer, CustomField, CustomFieldKind
from guanxi.customers.services import (
    create_contact,
    create_customer,
    find_duplicates,
    update_contact,
    update_customer,
)
from guanxi.services_common import StaleEdit


def _in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads, each with its own database connection, all at once."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# Versioned edits ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_edit_is_refused_with_both_values_and_not_audited(customer_of, personas):
    customer = customer_of("rep1", name="张三", city="上海")
    mine = Customer.objects.get(pk=customer.pk)
    theirs = Customer.objects.get(pk=customer.pk)
    update_customer(personas["lead_a"], theirs, {"city": "杭州"}, version=1)
    audited = AuditEntry.objects.count()

    with pytest.raises(StaleEdit) as info:
        update_customer(personas["rep1"], mine, {"city": "南京", "name": "张三"}, version=1)

    assert info.value.changes == {"city": ["杭州", "南京"]}
    assert info.value.changed_by == personas["lead_a"]
    assert info.value.version == 2
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.city, stored.version) == ("杭州", 2)
    assert AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_edits_of_different_fields_from_old_copies_both_stay(customer_of, personas):
    customer = customer_of("rep1", name="张三")
    first = Customer.objects.get(pk=customer.pk)
    second = Customer.objects.get(pk=customer.pk)
    update_customer(personas["rep1"], first, {"city": "上海"})
    update_customer(personas["lead_a"], second, {"email": "z@example.com"})

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.city, stored.email, stored.version) == ("上海", "z@example.com", 3)
    assert second.city == "上海"  # the caller's copy shows what is stored


@pytest.mark.django_db
def test_a_stale_form_edit_is_rebased_only_when_the_changes_do_not_overlap(customer_of, personas):
    """The form (not the service) decides: against the signed base, the user's changed fields
    and those changed meanwhile must not overlap; the service still refuses the stale version,
    and takes the rebased data only at the stored one."""
    from guanxi.customers.forms import edit_base, rebase_stale_edit
    from guanxi.customers.services import EDITABLE_FIELDS

    customer = customer_of("rep1", name="张三", nickname="小张", position="店员")
    base = edit_base(customer, EDITABLE_FIELDS)
    update_customer(personas["lead_a"], customer, {"nickname": "张老板"}, version=1)
    submitted = {"name": "张三", "nickname": "小张", "position": "店长"}

    with pytest.raises(StaleEdit) as stale:
        update_customer(personas["rep1"], customer, submitted, version=1)
    data, tags = rebase_stale_edit(stale.value, base, submitted, ["老客户"])

    assert data == {"name": "张三", "position": "店长"}  # 昵称 left alone: theirs stays
    assert tags == ["老客户"]
    update_customer(personas["rep1"], customer, data, version=stale.value.version)
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.nickname, stored.position, stored.version) == ("张老板", "店长", 3)

    # both changed 昵称: a true conflict; no base (or a forged one): a conflict too
    clash = {**submitted, "nickname": "三哥"}
    with pytest.raises(StaleEdit) as again:
        update_customer(personas["rep1"], customer, clash, version=1)
    assert rebase_stale_edit(again.value, base, clash) is None
    assert rebase_stale_edit(stale.value, None, submitted) is None
    assert rebase_stale_edit(stale.value, base + "x", submitted) is None


@pytest.mark.django_db
def test_an_edit_that_changes_nothing_keeps_the_version(customer_of, personas):
    customer = customer_of("rep1", name="张三", city="上海")
    update_customer(personas["rep1"], customer, {"city": "上海"}, version=1)
    assert Customer.objects.get(pk=customer.pk).version == 1
    assert not AuditEntry.objects.filter(action="update").exists()


@pytest.mark.django_db
def test_contacts_are_versioned_too(customer_of, personas):
    org = customer_of("rep1", name="甲公司", kind="organisation")
    contact = create_contact(personas["rep1"], org, {"name": "李四"})
    update_contact(personas["rep1"], contact, {"title": "经理"}, version=1)
    with pytest.raises(StaleEdit) as info:
        update_contact(personas["rep1"], contact, {"title": "总监"}, version=1)
    assert info.value.changes == {"title": ["经理", "总监"]}
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("经理", 2)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_edits_of_one_version_one_wins_one_is_told(customer_of, personas):
    customer = customer_of("rep1", name="张三")
    edits = [{"city": "上海"}, {"email": "z@example.com"}]

    def edit(i):
        copy = Customer.objects.get(pk=customer.pk)
        return update_customer(personas["rep1"], copy, edits[i], version=1)

    results = _in_threads(2, edit)

    stale = [r for r in results if isinstance(r, StaleEdit)]
    saved = [r for r in results if isinstance(r, Customer)]
    assert (len(stale), len(saved)) == (1, 1), results
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.version == 2
    assert AuditEntry.objects.filter(action="update").count() == 1


# 查重 policy ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_creates_of_one_mobile_store_one_customer(personas):
    rep = personas["rep1"]

    def create(i):
        return create_customer(rep, {"name": f"客户{i}", "mobile": "138 1234 5678"}, owner=rep)

    results = _in_threads(20, create)

    created = [r for r in results if isinstance(r, Customer)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1, results
    assert len(refused) == 19, [r for r in results if not isinstance(r, ValidationError)]
    assert all("张伟" in " ".join(r.message_dict["mobile"]) for r in refused)
    assert Customer.objects.filter(mobile="+8613812345678").count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_block_names_the_owner_and_nothing_else(customer_of, personas):
    other = customer_of("rep2", name="王五", mobile="13812345678")
    with pytest.raises(ValidationError) as info:
        create_customer(personas["rep1"], {"name": "赵六", "mobile": "+86 138-1234-5678"})
    message = " ".join(info.value.message_dict["mobile"])
    assert "刘芳" in message
    assert str(other.pk) not in message


@pytest.mark.django_db
def test_warn_needs_a_confirmation(customer_of, personas):
    customer_of("rep2", name="王五", email="w@example.com")
    with pytest.raises(ValidationError) as info:
        create_customer(personas["rep1"], {"name": "赵六", "email": "W@example.com"})
    assert info.value.error_dict["email"][0].code == "duplicate_warning"

    create_customer(
        personas["rep1"], {"name": "赵六", "email": "w@example.com"}, confirm_duplicate=True
    )
    assert Customer.objects.filter(email="w@example.com").count() == 2


@pytest.mark.django_db
def test_the_policy_is_a_setting(customer_of, personas, settings):
    customer_of("rep2", name="王五", mobile="13812345678")
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off", "name": "block"}
    create_customer(personas["rep1"], {"name": "赵六", "mobile": "13812345678"})
    with pytest.raises(ValidationError) as info:
        create_customer(personas["rep1"], {"name": "王五"})
    assert list(info.value.message_dict) == ["name"]


@pytest.mark.django_db
def test_an_edit_may_not_take_anothers_number_but_an_old_duplicate_stays_editable(
    customer_of, personas, settings
):
    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "off"}
    first = customer_of("rep1", name="甲", mobile="13812345678")
    old_duplicate = customer_of("rep1", name="乙", mobile="13812345678")
    settings.GUANXI_DUPLICATE_POLICY = {}
    update_customer(personas["rep1"], old_duplicate, {"city": "上海", "mobile": "13812345678"})
    third = customer_of("rep1", name="丙", mobile="13900001111")
    with pytest.raises(ValidationError):
        update_customer(personas["rep1"], third, {"mobile": "13812345678"})
    assert Customer.objects.get(pk=third.pk).mobile == "+8613900001111"
    assert first.pk


@pytest.mark.django_db
def test_exclude_is_no_oracle_for_a_customer_out_of_scope(customer_of, personas):
    other = customer_of("rep2", name="王五", mobile="13812345678")
    matches = find_duplicates(personas["rep1"], mobile="13812345678", exclude_pk=other.pk)
    assert [(m.field, m.owner, m.customer_id) for m in matches] == [("mobile", "刘芳", None)]
    own = find_duplicates(personas["rep2"], mobile="13812345678", exclude_pk=other.pk)
    assert own == []


# One set of input rules --------------------------------------------------------------------


@pytest.mark.django_db
def test_every_problem_of_an_input_at_once(personas):
    CustomField.objects.create(key="note", label="备注", kind=CustomFieldKind.TEXT)
    with pytest.raises(ValidationError) as info:
        create_customer(
            personas["rep1"],
            {
                "name": "\u200b\u200b",
                "city": "上\x01海",
                "birthday": date(1, 1, 1),
                "anniversary": date(2300, 1, 1),
                "custom_fields": {"note": "长" * 501},
                "other_addresses": ["路\x00"],
            },
            tags=[f"t{i}" for i in range(51)] + ["长" * 51],
        )
    errors = info.value.message_dict
    assert set(errors) == {
        "name",
        "city",
        "birthday",
        "anniversary",
        "custom_fields",
        "other_addresses",
        "tags",
    }
    assert "U+0001" in errors["city"][0]
    assert "1900" in errors["birthday"][0]
    assert "500" in errors["custom_fields"][0]
    assert any("50" in m for m in errors["tags"])
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_an_update_refuses_the_same(customer_of, personas):
    customer = customer_of("rep1", name="张三")
    with pytest.raises(ValidationError) as info:
        update_customer(personas["rep1"], customer, {"name": "\u200b", "street": "a\nb"})
    assert set(info.value.message_dict) == {"name", "street"}
    assert Customer.objects.get(pk=customer.pk).name == "张三"


@pytest.mark.django_db
def test_a_misspelt_policy_is_a_configuration_error(personas, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.GUANXI_DUPLICATE_POLICY = {"mobile": "blok"}
    with pytest.raises(ImproperlyConfigured):
        create_customer(personas["rep1"], {"name": "甲", "mobile": "13812345678"})


@pytest.mark.django_db
def test_a_phone_is_measured_after_normalising(personas):
    customer = create_customer(personas["rep1"], {"name": "甲", "mobile": "0086 138-1234-5678   "})
    assert customer.mobile == "+8613812345678"


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "City: Now stored: 上海 — yours: 南京"),
        ("zh-hans", "市：当前保存的值：上海 —— 您的值：南京"),
    ],
)
def test_a_conflict_on_a_field_off_the_form_is_labelled_with_the_languages_colon(
    customer_of, language, said
):
    """A conflicting field the form does not show is said above the form, its label joined to
    both values by the language's colon."""
    from django import forms
    from django.utils import translation

    from guanxi.customers.forms import add_stale_errors

    customer = customer_of("rep1", city="杭州")
    update_customer(customer.owner, customer, {"city": "上海"}, version=1)
    with pytest.raises(StaleEdit) as stale:
        update_customer(customer.owner, customer, {"city": "南京"}, version=1)
    form = forms.Form(data={"version": "1"})
    assert form.is_valid()
    with translation.override(language):
        add_stale_errors(form, stale.value)
        errors = list(form.non_field_errors())
    assert errors[1:] == [said]


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "Now stored: 行业: 零售, 规模: 50 — yours: 行业: 批发, 规模: 50"),
        ("zh-hans", "当前保存的值：行业：零售, 规模：50 —— 您的值：行业：批发, 规模：50"),
    ],
)
def test_a_custom_field_conflict_joins_each_label_and_value_by_the_languages_colon(
    customer_of, language, said
):
    """The custom fields in conflict are said as "label: value" pairs, each named as the form
    labels its input and joined by the language's colon (行业：零售), not "industry: 零售"."""
    from django import forms
    from django.utils import translation

    from guanxi.customers.forms import add_stale_errors

    CustomField.objects.create(key="industry", label="行业", kind=CustomFieldKind.TEXT)
    CustomField.objects.create(key="size", label="规模", kind=CustomFieldKind.TEXT)
    customer = customer_of("rep1")
    update_customer(
        customer.owner, customer, {"custom_fields": {"industry": "餐饮", "size": "50"}}, version=1
    )
    update_customer(
        customer.owner, customer, {"custom_fields": {"industry": "零售", "size": "50"}}, version=2
    )
    with pytest.raises(StaleEdit) as stale:
        update_customer(
            customer.owner,
            customer,
            {"custom_fields": {"industry": "批发", "size": "50"}},
            version=2,
        )
    form = forms.Form(data={"version": "2"})
    form.fields["cf_industry"] = forms.CharField(label="行业", required=False)
    form.fields["cf_size"] = forms.CharField(label="规模", required=False)
    assert form.is_valid()
    with translation.override(language):
        add_stale_errors(form, stale.value)
        errors = list(form.non_field_errors())
    assert len(errors) == 2 and errors[1].endswith(said)
