"""Entering, changing, converting and erasing leads; 查重 both ways; the data scope."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from guanxi.accounts.scope import get_lead_or_404, visible_leads
from guanxi.activities.models import Note
from guanxi.audit.models import AuditEntry
from guanxi.customers.models import Customer
from guanxi.customers.services import find_duplicates
from guanxi.leads import services
from guanxi.leads.matching import find_matches
from guanxi.leads.models import Lead, LeadStatus
from guanxi.services_common import StaleEdit, lead_converted


def test_a_lead_is_validated_field_by_field_in_both_languages(personas):
    bad = {"name": " ", "mobile": "12", "email": "nope", "source": "rumour"}
    for language, expected in (("en", "A lead needs a name."), ("zh-hans", "线索需要填写姓名。")):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            services.create_lead(personas["rep1"], bad)
        errors = caught.value.message_dict
        assert set(errors) == {"name", "mobile", "email", "source"}
        assert errors["name"] == [expected]
    assert not Lead.objects.exists()


def test_a_lead_needs_a_way_to_reach_it(personas):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_lead(personas["rep1"], {"name": "张三"})
    assert caught.value.message_dict == {
        "mobile": ["Give a mobile number, an e-mail address or a WeChat ID."]
    }


def test_personal_data_never_enters_the_trail(personas):
    lead = services.create_lead(
        personas["rep1"], {"name": "张三", "mobile": "139 0000 0001", "email": "Z@Example.com"}
    )
    assert (lead.mobile, lead.email) == ("+8613900000001", "z@example.com")
    entry = AuditEntry.objects.get(model="lead", object_id=str(lead.pk))
    text = str(entry.changes)
    assert "13900000001" not in text and "example.com" not in text
    assert entry.changes["mobile"] == ["***", "***"]  # placeholders both sides


def test_scope_a_rep_sees_own_leads_and_the_pool_not_another_teams(personas, lead_of):
    own = lead_of("rep1", name="自己的")
    theirs = lead_of("rep2", name="别组的", mobile="13900000002")
    pooled = lead_of(None, name="公海的", mobile="13900000003")
    rep1 = personas["rep1"]
    assert set(visible_leads(rep1, Lead.objects.all())) == {own, pooled}
    with pytest.raises(Http404):
        get_lead_or_404(rep1, Lead.objects.all(), theirs.pk)
    assert set(visible_leads(personas["lead_a"], Lead.objects.all())) == {own, pooled}
    assert set(visible_leads(personas["manager"], Lead.objects.all())) == {own, theirs, pooled}
    # a pool lead is readable by a rep but not writable before a claim
    with pytest.raises(PermissionDenied):
        services.update_lead(rep1, pooled, {"notes": "x"})
    with pytest.raises(PermissionDenied):
        services.update_lead(personas["viewer"], own, {"notes": "x"})


def test_an_edit_from_an_old_version_is_stale(personas, lead_of):
    lead = lead_of("rep1")
    services.update_lead(personas["rep1"], lead, {"title": "采购经理"}, version=1)
    with pytest.raises(StaleEdit):
        services.update_lead(
            personas["rep1"], Lead.objects.get(pk=lead.pk), {"title": "x"}, version=1
        )
    assert Lead.objects.get(pk=lead.pk).title == "采购经理"


def test_disqualifying_needs_a_reason(personas, lead_of):
    lead = lead_of("rep1")
    with pytest.raises(ValidationError):
        services.set_lead_status(personas["rep1"], lead, LeadStatus.DISQUALIFIED)
    services.set_lead_status(personas["rep1"], lead, LeadStatus.DISQUALIFIED, reason="预算不足")
    lead.refresh_from_db()
    assert (lead.status, lead.disqualified_reason) == ("disqualified", "预算不足")


def test_conversion_of_an_organisation_makes_customer_contact_note_and_opportunity(
    personas, lead_of
):
    # given
    rep1 = personas["rep1"]
    lead = lead_of(
        "rep1",
        name="王采购",
        kind="organisation",
        category="channel",
        company="杭州茶业经销有限公司",
        title="采购经理",
        email="wang@tea.example",
        source="exhibition",
        interest="想代理明前龙井",
        city="杭州",
    )
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    lead_converted.connect(receiver)
    try:
        # when
        customer, contact = services.convert_lead(
            rep1,
            lead,
            opportunity={"name": "龙井代理", "amount": "50000", "expected_close": "2027-01-31"},
            version=1,
        )
    finally:
        lead_converted.disconnect(receiver)

    # then
    lead.refresh_from_db()
    assert (customer.name, customer.kind, customer.category) == (
        "杭州茶业经销有限公司",
        "organisation",
        "channel",
    )
    assert (customer.source, customer.city, customer.owner) == ("exhibition", "杭州", rep1)
    assert (contact.name, contact.title, contact.mobile) == ("王采购", "采购经理", "+8613900000001")
    assert lead.status == "converted" and lead.converted_customer == customer
    note = Note.objects.get(customer=customer)
    assert f"#{lead.pk}" in note.body and "想代理明前龙井" in note.body
    assert heard[0]["opportunity"] == {
        "name": "龙井代理",
        "amount": Decimal("50000.00"),
        "expected_close": __import__("datetime").date(2027, 1, 31),
    }
    assert heard[0]["customer"] == customer and heard[0]["contact"] == contact
    assert AuditEntry.objects.filter(model="lead", customer_id=customer.pk).exists()
    with pytest.raises(ValidationError):  # converted: no second time
        services.convert_lead(rep1, lead)


def test_a_referred_lead_passes_its_referrer_to_the_customer(personas, customer_of):
    referrer = customer_of("rep1", name="老主顾")
    theirs = customer_of("rep2", name="别组老主顾")
    with pytest.raises(ValidationError) as caught:  # not a customer rep1 may read
        services.create_lead(
            personas["rep1"], {"name": "朋友", "wechat": "f", "referred_by": theirs.pk}
        )
    assert set(caught.value.message_dict) == {"referred_by"}
    lead = services.create_lead(
        personas["rep1"], {"name": "朋友", "wechat": "f", "referred_by": referrer.pk}
    )
    customer, _contact = services.convert_lead(personas["rep1"], lead)
    customer.refresh_from_db()
    assert customer.referred_by == referrer
    assert AuditEntry.objects.filter(
        model="customer", object_id=str(customer.pk), changes__referred_by_id=[None, referrer.pk]
    ).exists()


def test_conversion_refuses_a_duplicate_mobile_and_attaches_to_the_existing_customer(
    personas, lead_of, customer_of
):
    existing = customer_of("rep1", name="老客户", mobile="13900000001")
    lead = lead_of("rep1", name="新线索")
    with pytest.raises(ValidationError) as caught:
        services.convert_lead(personas["rep1"], lead)
    assert "mobile" in caught.value.message_dict
    assert Customer.objects.count() == 1 and Lead.objects.get(pk=lead.pk).status == "new"

    customer, contact = services.convert_lead(personas["rep1"], lead, attach_to=existing)

    assert customer == existing and contact is None
    assert Customer.objects.count() == 1
    assert Lead.objects.get(pk=lead.pk).converted_customer == existing


def test_a_bad_opportunity_converts_nothing(personas, lead_of):
    lead = lead_of("rep1")
    with pytest.raises(ValidationError) as caught:
        services.convert_lead(personas["rep1"], lead, opportunity={"amount": "-3"})
    assert set(caught.value.message_dict) == {"opportunity_name", "opportunity_amount"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize("close", ["9999-12-31", date(1, 1, 1)])
def test_an_opportunitys_close_date_outside_the_years_converts_nothing(personas, lead_of, close):
    """The service checks the year itself (the page's form did; the API and any other caller
    go through here): year 9999 or 1 is refused with the message every date field gives
    (here in Chinese)."""
    lead = lead_of("rep1")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.convert_lead(
            personas["rep1"], lead, opportunity={"name": "整单", "expected_close": close}
        )
    assert caught.value.message_dict == {
        "opportunity_close": ["请输入 1900 年至 2200 年之间的日期。"]
    }
    assert not Customer.objects.exists()


def test_lead_duplicate_check_finds_customers_and_leads_hiding_other_teams(
    personas, customer_of, lead_of
):
    # given a pooled customer, rep2's customer and rep2's lead sharing rep1's values
    from guanxi.customers.services import create_customer

    pooled = create_customer(
        personas["manager"], {"name": "公海客户", "mobile": "13900000001"}, owner=None
    )
    customer_of("rep2", name="别组客户", email="x@tea.example")
    theirs = lead_of("rep2", name="别组线索", company="龙井茶业", mobile="13900000005")
    own = lead_of("rep1", name="自己线索", company="龙井茶业", mobile="13900000006")

    # when rep1 checks
    matches = find_matches(
        personas["rep1"],
        mobile="13900000001",
        email="x@tea.example",
        company="龙井茶业",
        exclude_pk=own.pk,
    )

    # then every match is reported, none of another team is linked
    found = {(m["kind"], m["field"], m["id"]) for m in matches}
    assert ("customer", "mobile", None) in found  # the pool customer: not in rep1's scope
    assert ("customer", "email", None) in found
    assert ("lead", "company", None) in found
    owners = {m["owner"] for m in matches}
    assert "刘芳" in owners
    assert all(m.get("url") is None for m in matches)
    assert pooled.pk not in {m["id"] for m in matches}
    assert theirs.pk not in {m["id"] for m in matches}
    # the manager sees and may open them all
    boss = find_matches(personas["manager"], company="龙井茶业")
    assert {m["id"] for m in boss} == {theirs.pk, own.pk}


def test_customer_duplicate_check_reports_matching_leads(personas, lead_of):
    own = lead_of("rep1", email="a@b.example", mobile="13900000007")
    lead_of("rep2", company="钱塘贸易", mobile="13900000008")
    mine = find_duplicates(personas["rep1"], mobile="13900000007")
    assert [(m.kind, m.field, m.record_id) for m in mine] == [("lead", "mobile", own.pk)]
    assert mine[0].url == f"/leads/{own.pk}/"
    other = find_duplicates(personas["rep1"], name="钱塘贸易")
    assert [(m.kind, m.field, m.record_id, m.url) for m in other] == [("lead", "name", None, None)]
    assert other[0].owner == "刘芳"


def test_erasure_removes_personal_data_and_trail_values(personas, lead_of):
    lead = lead_of("rep1", email="z@tea.example", wechat="zhang_wx", notes="家住西湖区")
    services.erase_lead(personas["rep1"], lead)
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.name, lead.mobile, lead.email, lead.wechat, lead.notes) == ("—", "", "", "", "")
    assert lead.erased_at is not None
    trail = str(list(AuditEntry.objects.filter(model="lead").values_list("changes", flat=True)))
    assert "潜在客户" not in trail and "家住西湖区" not in trail
    assert not visible_leads(personas["manager"], Lead.objects.all()).exists()


def test_a_customers_erasure_reaches_its_leads_and_export_lists_them(personas, lead_of):
    from guanxi.privacy.services import erase_customer, export_personal_data

    lead = lead_of("rep1", name="转化者")
    customer, _contact = services.convert_lead(personas["rep1"], lead)
    exported = export_personal_data(customer)
    assert exported["leads"][0]["name"] == "转化者"
    erase_customer(personas["manager"], customer)
    lead.refresh_from_db()
    assert lead.name == "—" and lead.mobile == "" and lead.erased_at is not None


def test_import_checks_the_whole_file_first(personas):
    from guanxi.leads.importing import ImportErrors, import_leads

    bad = "姓名,手机,来源\n张三,13900000001,展会\n李四,12,转介绍\n,13900000003,广告\n".encode()
    with pytest.raises(ImportErrors) as caught:
        import_leads(personas["rep1"], bad, "leads.csv")
    assert [row for row, _m in caught.value.problems] == [3, 4]
    assert not Lead.objects.exists()

    good = "姓名,手机,来源,公司\n张三,13900000001,展会,甲公司\n李四,13900000002,,\n".encode()
    assert import_leads(personas["rep1"], good, "leads.csv", to_pool=True) == 2
    sources = dict(Lead.objects.values_list("name", "source"))
    assert sources == {"张三": "exhibition", "李四": "import"}
    assert not Lead.objects.filter(owner__isnull=False).exists()


def test_import_errors_name_the_column_as_the_file_has_it(personas):
    """手机号码 and Source as written in the file's header row, for a cell that cannot be read
    (an unknown source) and for a value the lead's rules refuse (a mobile too short); never
    the internal field (mobile, source)."""
    from django.utils import translation

    from guanxi.leads.importing import ImportErrors, parse_file

    body = "姓名,手机号码, Source \n张三,12,展会\n李四,13900000002,路过\n".encode()
    with translation.override("en"), pytest.raises(ImportErrors) as caught:
        parse_file(body, "leads.csv")

    (row_2, mobile), (row_3, source) = caught.value.problems
    assert (row_2, row_3) == (2, 3)
    assert mobile.startswith("手机号码: ") and "mobile" not in mobile
    assert source.startswith("Source: ") and "source" not in source
    with translation.override("zh-hans"), pytest.raises(ImportErrors) as caught:
        parse_file(body, "leads.csv")
    assert caught.value.problems[0][1].startswith("手机号码：")


def test_import_errors_as_text_join_row_and_message_by_the_languages_colon():
    """str(ImportErrors) (a log line, a command's output) says the row as the import page
    does, in the language active when it is shown; the file as a whole has no row."""
    from django.utils import translation

    from guanxi.leads.importing import ImportErrors

    errors = ImportErrors([(0, "文件为空"), (3, "手机号码：太短")])
    with translation.override("en"):
        assert str(errors) == "文件为空; Row 3: 手机号码：太短"
    with translation.override("zh-hans"):
        assert str(errors) == "文件为空; 第 3 行：手机号码：太短"


def test_a_lead_converts_once_even_from_a_stale_copy(personas, lead_of):
    """A double click or two parallel requests: the second conversion starts from a lead read
    before the first committed; it is refused after taking the row, and nothing is created."""
    lead = lead_of("rep1", name="赵六", mobile="13900000042")
    stale = Lead.objects.get(pk=lead.pk)
    services.convert_lead(personas["rep1"], lead)
    customers = Customer.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.convert_lead(personas["rep1"], stale)
    assert "can no longer change" in caught.value.messages[0]
    assert Customer.objects.count() == customers
    assert Lead.objects.get(pk=lead.pk).converted_customer_id is not None


def test_the_read_only_role_enters_no_lead(personas):
    with pytest.raises(PermissionDenied):
        services.create_lead(personas["viewer"], {"name": "观察者", "mobile": "13900000099"})
    assert not Lead.objects.exists()
