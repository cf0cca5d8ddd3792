"""The printed contract: both parties (甲方 the customer, 乙方 the seller), a place for each
party's seal, signature and date, and the total in capital numerals on a Chinese printout."""

from django.test import Client
from django.utils import translation

from guanxi.contracts import services
from guanxi.customers.services import create_contact


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _contract(rep1, customer_of, product, quantity=10):
    customer = customer_of(
        "rep1",
        name="华茂贸易",
        kind="organisation",
        province="浙江省",
        city="杭州市",
        street="文三路 90 号",
    )
    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": quantity}])
    return services.accept_quote(rep1, quote)


def test_the_chinese_printout_names_both_parties_and_writes_the_total_in_capitals(
    rep1, customer_of, product, settings
):
    settings.COMPANY_NAME = "茗香茶业有限公司"
    settings.COMPANY_ADDRESS = "杭州市西湖区龙井路 1 号"
    settings.COMPANY_PHONE = "0571-88886666"
    contract = _contract(rep1, customer_of, product)  # 10 × 128.00
    create_contact(rep1, contract.customer, {"name": "陈采购", "mobile": "13800000001"})
    page = login(rep1, "zh-hans").get(f"/contracts/{contract.pk}/print/").content.decode()
    assert "甲方" in page and "乙方" in page
    assert "浙江省杭州市文三路 90 号" in page and "陈采购 · 138 0000 0001" in page
    assert "茗香茶业有限公司" in page and "龙井路 1 号" in page and "0571-88886666" in page
    assert "¥1,280.00" in page
    assert "壹仟贰佰捌拾元整" in page
    assert page.count("盖章") == 2 and page.count("授权代表签字") == 2


def test_the_english_printout_translates_the_labels_and_leaves_out_the_capitals(
    rep1, customer_of, product, settings
):
    settings.COMPANY_NAME = "Mingxiang Tea"
    settings.COMPANY_ADDRESS = ""
    settings.COMPANY_PHONE = ""
    contract = _contract(rep1, customer_of, product)
    with translation.override("en"):
        page = login(rep1).get(f"/contracts/{contract.pk}/print/").content.decode()
    assert "Party A (customer)" in page and "Party B (seller)" in page
    assert "Mingxiang Tea" in page and "Telephone" not in page  # no phone set: no empty line
    assert "壹仟" not in page and "Amount in words" not in page
    assert page.count("Signature of the authorised representative") == 2


def test_capitals_only_for_a_contract_in_yuan(rep1, customer_of, product):
    contract = _contract(rep1, customer_of, product)
    services.update_contract(rep1, contract, {"currency": "USD"})
    page = login(rep1, "zh-hans").get(f"/contracts/{contract.pk}/print/").content.decode()
    assert "USD\u00a01,280.00" in page and "壹仟" not in page


def test_the_quote_printout_writes_its_total_in_capitals(rep1, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    quote = services.create_quote(rep1, customer, {}, [{"product": product, "quantity": 2}])
    page = login(rep1, "zh-hans").get(f"/quotes/{quote.pk}/print/").content.decode()
    assert "¥256.00" in page and "贰佰伍拾陆元整" in page


def test_another_teams_contract_is_not_printed(rep1, rep2, customer_of, product):
    contract = _contract(rep1, customer_of, product)
    assert login(rep2).get(f"/contracts/{contract.pk}/print/").status_code == 404


def test_a_draft_prints_as_one_with_blanks_for_its_dates_and_the_contact_phone(
    rep1, manager, customer_of, product
):
    customer = customer_of("rep1", name="散客王", mobile="13900000002")
    quote = services.create_quote(rep1, customer, {}, [{"product": product}])
    contract = services.accept_quote(rep1, quote)
    page = login(rep1, "zh-hans").get(f"/contracts/{contract.pk}/print/").content.decode()
    assert 'id="draft-mark"' in page and "草稿" in page
    assert f"{contract.title} · " not in page  # no internal status line after the title
    # no contact person: the number is labelled as a phone, not as a contact
    assert "联系电话" in page and "139 0000 0002" in page and "<dt>联系人</dt>" not in page
    # signing date and both ends of the term to fill in by hand
    assert page.count("____年__月__日") == 3 and "—" not in page
    with translation.override("en"):
        page = login(rep1).get(f"/contracts/{contract.pk}/print/").content.decode()
    assert "DRAFT" in page and page.count("____________") == 3
    services.update_contract(rep1, contract, {"start_on": "2027-01-01"})
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    with translation.override("en"):
        page = login(rep1).get(f"/contracts/{contract.pk}/print/").content.decode()
    assert "from 2027-01-01" in page and page.count("____________") == 1  # signed on
    assert 'id="draft-mark"' not in page and "Approved" not in page
