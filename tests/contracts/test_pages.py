"""The contract pages through a browser-like client, and referrals on the 360 page."""

from decimal import Decimal

from django.test import Client
from django.utils import translation

from guanxi.contracts import collections, services
from guanxi.contracts.models import ContractStatus, InstalmentStatus, PaymentStatus, Quote


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_quote_to_paid_instalment_through_the_pages(rep1, manager, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    rep = login(rep1, "zh-hans")
    form = {
        "currency": "CNY",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "2",
        "lines-0-discount": "10",
    }
    response = rep.post(f"/quotes/new/?customer={customer.pk}", form)
    quote = Quote.objects.get(customer=customer)
    assert response.status_code == 302 and quote.total == Decimal("230.40")
    assert "报价单" in rep.get(f"/quotes/{quote.pk}/print/").content.decode()
    response = rep.post(f"/quotes/{quote.pk}/action/", {"action": "accept"})
    contract = quote.contract
    assert response["Location"] == f"/contracts/{contract.pk}/"
    rep.post(f"/contracts/{contract.pk}/action/", {"action": "submit"})
    # the owner sees no approve button; the manager approves
    assert 'data-action="approve"' not in rep.get(f"/contracts/{contract.pk}/").content.decode()
    boss = login(manager)
    assert 'data-action="approve"' in boss.get(f"/contracts/{contract.pk}/").content.decode()
    boss.post(f"/contracts/{contract.pk}/action/", {"action": "approve"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED
    rep.post(
        f"/contracts/{contract.pk}/payments/",
        {"received_on": "2024-03-05", "amount": "230.40", "method": "wechat_pay"},
    )
    payment = contract.payments.get()
    assert payment.status == PaymentStatus.PENDING
    boss.post(f"/contracts/payments/{payment.pk}/confirm/")
    assert contract.instalments.get().status == InstalmentStatus.PAID
    page = rep.get("/contracts/collections/").content.decode()
    assert "2024-03" in page and "230.40" in page


def test_a_plan_that_does_not_add_up_is_shown_with_its_error(rep1, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    quote = services.create_quote(rep1, customer, {}, [{"product": product}])
    contract = services.accept_quote(rep1, quote)
    response = login(rep1).post(
        f"/contracts/{contract.pk}/plan/",
        {
            "plan-TOTAL_FORMS": "1",
            "plan-INITIAL_FORMS": "0",
            "plan-0-due_date": "2030-01-01",
            "plan-0-amount": "100",
        },
    )
    assert response.status_code == 422
    assert "they must add up to the contract amount, ¥128.00" in response.content.decode()
    assert collections.Instalment.objects.get(contract=contract).amount == Decimal("128.00")


def test_the_360_page_names_referrals_only_within_the_scope(rep1, rep2, customer_of):
    from guanxi.customers.models import Customer

    referrer = customer_of("rep2", name="推荐人乙")
    customer = customer_of("rep1", name="被推荐客户")
    friend = customer_of("rep1", name="老客户朋友")
    Customer.objects.filter(pk=customer.pk).update(referred_by=referrer)
    Customer.objects.filter(pk=friend.pk).update(referred_by=customer)
    page = login(rep1).get(f"/customers/{customer.pk}/").content.decode()
    assert "老客户朋友" in page and f"/customers/{friend.pk}/" in page
    assert "推荐人乙" not in page and "a customer outside your data scope" in page
    # the ones it referred outside the scope are counted, in the language's plural form
    for n, name in enumerate(("他队朋友甲", "他队朋友乙"), start=1):
        hidden = customer_of("rep2", name=name)
        Customer.objects.filter(pk=hidden.pk).update(referred_by=customer)
        client = login(rep1)
        page = client.get(f"/customers/{customer.pk}/").content.decode()
        assert name not in page
        expected = "1 customer outside" if n == 1 else "2 customers outside"
        assert f"and {expected} your data scope" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "以及您数据权限之外的 2 位客户" in page


def test_a_draft_contract_is_edited_and_listed_on_the_360_page(rep1, rep2, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    quote = services.create_quote(rep1, customer, {}, [{"product": product}])
    contract = services.accept_quote(rep1, quote)
    page = login(rep1)
    response = page.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "title": "2027 年度供货合同",
            "currency": "CNY",
            "start_on": "2027-01-01",
            "end_on": "2026-12-31",
            "version": contract.version,
        },
    )
    assert response.status_code == 200  # ends before it starts
    assert "A contract cannot end before it starts." in response.content.decode()
    response = page.post(
        f"/contracts/{contract.pk}/edit/",
        {"title": "2027 年度供货合同", "currency": "CNY", "version": contract.version},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.title == "2027 年度供货合同"
    assert contract.number in page.get(f"/customers/{customer.pk}/").content.decode()
    assert login(rep2).get(f"/contracts/{contract.pk}/edit/").status_code == 404


def test_select_boxes_name_their_empty_choice(rep1, customer_of):
    customer = customer_of("rep1", name="华茂贸易")
    with translation.override("en"):
        page = login(rep1).get(f"/quotes/new/?customer={customer.pk}").content.decode()
        assert '<option value="" selected>(none)</option>' in page  # the contact
        assert '<option value="" selected>Choose a product</option>' in page
        assert "---------" not in page
        page = login(rep1).get("/contracts/collections/").content.decode()
        assert '<option value="" selected>All sales reps</option>' in page
        assert "---------" not in page
    page = login(rep1, "zh-hans").get("/contracts/collections/").content.decode()
    assert "全部销售代表" in page


def test_the_payment_form_goes_when_nothing_is_left_to_collect(rep1, manager, customer_of, product):
    customer = customer_of("rep1", name="华茂贸易")
    quote = services.create_quote(rep1, customer, {}, [{"product": product}])
    contract = services.accept_quote(rep1, quote)
    services.change_contract_status(rep1, contract, "submit")
    services.change_contract_status(manager, contract, "approve")
    rep = login(rep1)
    page = rep.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="record-payment"' in page and 'id="nothing-to-record"' not in page
    # the whole amount recorded (awaiting confirmation): nothing more to record
    payment = collections.record_payment(rep1, contract, {"amount": "128.00", "method": "cash"})
    page = rep.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="record-payment"' not in page and 'id="nothing-to-record"' in page
    # the void button sits in a small row action, not a full-width form
    assert '<td class="row-actions">' in page and "contracts.css" in page
    collections.void_payment(rep1, payment, reason="记错")
    page = rep.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="record-payment"' in page


def _note(page: str) -> str | None:
    import re

    found = re.search(r'<p class="muted" role="note" id="approval-note">(.*?)</p>', page)
    return found.group(1) if found else None


def test_a_manager_who_submitted_a_contract_is_told_another_manager_approves_it(
    manager, rep1, customer_of, product
):
    """Given a company whose only manager submits a contract of their own customer: the rule
    stays (no Approve or Reject for them), and the page says why and what to do."""
    customer = customer_of("manager", name="经理自己的客户")
    contract = services.accept_quote(
        manager, services.create_quote(manager, customer, {}, [{"product": product}])
    )
    services.change_contract_status(manager, contract, "submit")
    with translation.override("en"):
        page = login(manager).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-action="approve"' not in page and 'data-action="reject"' not in page
    assert _note(page) == (
        "You submitted this contract; another manager must approve it. If you are the only "
        'manager, give a colleague the manager role on the <a href="/team/">team page</a>.'
    )
    page = login(manager, "zh-hans").get(f"/contracts/{contract.pk}/").content.decode()
    assert _note(page).startswith("此合同由您提交，须由另一位经理审批。")


def test_a_rep_waits_for_a_manager_and_an_approver_sees_the_buttons_without_a_note(
    rep1, manager, customer_of, product
):
    customer = customer_of("rep1", name="华茂贸易")
    contract = services.accept_quote(
        rep1, services.create_quote(rep1, customer, {}, [{"product": product}])
    )
    assert _note(login(rep1).get(f"/contracts/{contract.pk}/").content.decode()) is None  # draft
    services.change_contract_status(rep1, contract, "submit")
    with translation.override("en"):
        page = login(rep1).get(f"/contracts/{contract.pk}/").content.decode()
        assert _note(page) == "Waiting for approval by a manager."
        page = login(manager).get(f"/contracts/{contract.pk}/").content.decode()
        assert _note(page) is None and 'data-action="approve"' in page
    page = login(rep1, "zh-hans").get(f"/contracts/{contract.pk}/").content.decode()
    assert _note(page) == "等待经理审批。"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_each_contract_action_says_what_happened_in_a_plain_sentence(
    rep1, manager, customer_of, product
):
    customer = customer_of("rep1", name="华茂贸易")
    rep, boss = login(rep1), login(manager)

    def act(client, contract, action, **extra):
        url = f"/contracts/{contract.pk}/action/"
        with translation.override("en"):
            return _messages(client.post(url, {"action": action, **extra}, follow=True))

    first = services.accept_quote(
        rep1, services.create_quote(rep1, customer, {}, [{"product": product}])
    )
    n = first.number
    assert act(rep, first, "submit") == [f"Contract {n} submitted for approval."]
    assert act(boss, first, "reject", reason="价格不对") == [f"Contract {n} rejected."]
    act(rep, first, "submit")
    assert act(boss, first, "approve") == [f"Contract {n} approved."]
    assert act(rep, first, "activate") == [f"Contract {n} activated."]
    assert act(rep, first, "terminate", reason="客户违约") == [f"Contract {n} terminated."]
    first.refresh_from_db()
    assert first.status == "terminated"

    second = services.accept_quote(
        rep1, services.create_quote(rep1, customer, {}, [{"product": product}])
    )
    response = login(rep1, "zh-hans").post(
        f"/contracts/{second.pk}/action/", {"action": "submit"}, follow=True
    )
    assert _messages(response) == [f"合同 {second.number} 已提交审批。"]
    for action in ("approve", "activate"):
        services.change_contract_status(manager if action == "approve" else rep1, second, action)
    assert act(rep, second, "complete") == [f"Contract {second.number} completed."]
