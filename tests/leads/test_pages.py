"""The lead pages and the public web form (honeypot, rate limit per address, validation in
both languages, consent recorded)."""

import pytest
from django.test import Client

from guanxi.leads import webforms
from guanxi.leads.models import Lead


@pytest.fixture
def web_form(personas):
    return webforms.create_lead_form(
        personas["manager"],
        {
            "name": "官网表单",
            "title": "预约品鉴",
            "consent_purpose": "用于联系您介绍我们的产品",
            "source": "online_inquiry",
        },
    )


def visitor(language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    return client


GOOD = {"name": "陈先生", "mobile": "13912345678", "company": "西湖茶楼", "consent": "on"}


def test_the_public_form_takes_an_entry_into_the_pool_with_consent(web_form):
    client = visitor()
    assert client.get(f"/l/{web_form.slug}/").status_code == 200
    response = client.post(f"/l/{web_form.slug}/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/l/thanks/"
    lead = Lead.objects.get()
    assert (lead.name, lead.mobile, lead.owner, lead.form) == (
        "陈先生",
        "+8613912345678",
        None,
        web_form,
    )
    assert lead.consent_purpose == "用于联系您介绍我们的产品" and lead.consent_at is not None
    assert (lead.source, lead.kind, lead.category) == ("online_inquiry", "organisation", "company")
    assert "Thank you" in client.get("/l/thanks/").content.decode()


def test_an_unknown_or_closed_form_is_not_found(personas, web_form):
    assert visitor().get("/l/not-a-real-slug/").status_code == 404
    webforms.update_lead_form(personas["manager"], web_form, {"active": False})
    assert visitor().post(f"/l/{web_form.slug}/", GOOD).status_code == 404
    assert not Lead.objects.exists()


def test_the_honeypot_thanks_a_robot_and_stores_nothing(web_form):
    response = visitor().post(f"/l/{web_form.slug}/", {**GOOD, "website": "http://spam"})
    assert response.status_code == 302
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("language", "consent", "reach"),
    [
        ("en", "Please agree so that we may contact you.", "Give a mobile number"),
        ("zh-hans", "请勾选同意，以便我们与您联系。", "请填写手机号、电子邮箱或微信号"),
    ],
)
def test_validation_speaks_the_visitors_language(web_form, language, consent, reach):
    response = visitor(language).post(f"/l/{web_form.slug}/", {"name": "陈先生"})
    page = response.content.decode()
    assert response.status_code == 422
    assert consent in page and reach in page
    assert not Lead.objects.exists()


def test_one_address_may_send_a_limited_number_of_entries(web_form, settings):
    settings.GUANXI_LEAD_FORM_PER_HOUR = 2
    client = visitor()
    for i in range(2):
        data = {**GOOD, "mobile": f"1391234567{i}"}
        assert client.post(f"/l/{web_form.slug}/", data).status_code == 302
    refused = client.post(f"/l/{web_form.slug}/", {**GOOD, "mobile": "13912345679"})
    assert refused.status_code == 429 and "at most 2 an hour" in refused.content.decode()
    assert Lead.objects.count() == 2


def test_a_rep_lists_claims_and_converts_a_pool_lead(client, personas, web_form):
    visitor().post(f"/l/{web_form.slug}/", GOOD)
    lead = Lead.objects.get()
    client.force_login(personas["rep1"])

    pool = client.get("/leads/pool/").content.decode()
    assert "陈先生" in pool and "13912345678" not in pool
    # the masked mobile reads as the product writes numbers, not as +86139••••5678
    assert "139 •••• 5678" in pool and "+86139" not in pool
    assert client.post(f"/leads/{lead.pk}/claim/").status_code == 302
    detail = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "+8613912345678" in detail
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {"version": 2, "opportunity_name": "", "attach_to": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert response["Location"] == f"/customers/{lead.converted_customer_id}/"


def test_another_teams_lead_is_404_and_a_pool_lead_is_403_to_edit(client, personas, lead_of):
    theirs = lead_of("rep2")
    pooled = lead_of(None, mobile="13900000002")
    client.force_login(personas["rep1"])
    assert client.get(f"/leads/{theirs.pk}/").status_code == 404
    assert client.post(f"/leads/{theirs.pk}/claim/").status_code == 404
    assert client.get(f"/leads/{pooled.pk}/").status_code == 200
    assert client.get(f"/leads/{pooled.pk}/edit/").status_code == 403


def test_the_lead_form_warns_of_duplicates_with_links_only_in_scope(
    client, personas, customer_of, lead_of
):
    customer_of("rep2", name="别组客户", mobile="13900000001")
    own = lead_of("rep1", mobile="13900000001")
    client.force_login(personas["rep1"])
    page = client.get("/leads/duplicates/", {"mobile": "13900000001"}).content.decode()
    assert "刘芳" in page and f"/leads/{own.pk}/" in page and "/customers/" not in page


def test_the_model_page_and_retrain_button(client, personas):
    client.force_login(personas["rep1"])
    assert client.get("/leads/model/").status_code == 200
    assert client.post("/leads/model/retrain/").status_code == 403
    client.force_login(personas["manager"])
    assert client.post("/leads/model/retrain/").status_code == 302
    page = client.get("/leads/model/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "at least 30 are needed" in page


def test_the_list_sorts_by_score(client, personas, lead_of):
    low = lead_of("rep1", name="低分线索")
    high = lead_of("rep1", name="高分线索", mobile="13900000002")
    Lead.objects.filter(pk=low.pk).update(score=0.1)
    Lead.objects.filter(pk=high.pk).update(
        score=0.9, score_reasons=[{"feature": "source=referral", "contribution": 1.2}]
    )
    client.force_login(personas["rep1"])
    page = client.get("/leads/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index("高分线索") < page.index("低分线索")
    assert "Source: Referral" in page
    page = client.get("/leads/", {"sort": "score"}).content.decode()
    assert page.index("低分线索") < page.index("高分线索")


def test_a_manager_filters_the_list_by_rep(client, personas, lead_of):
    lead_of("rep1", name="张的线索")
    lead_of("rep2", name="刘的线索", mobile="13900000002")
    client.force_login(personas["manager"])
    page = client.get("/leads/", {"owner": personas["rep1"].pk}).content.decode()
    assert "张的线索" in page and "刘的线索" not in page
    client.force_login(personas["rep1"])  # a rep's filter offers no colleagues
    page = client.get("/leads/", {"owner": personas["rep2"].pk}).content.decode()
    assert "刘的线索" not in page


@pytest.mark.parametrize(
    "language, said",
    [
        ("en", "Customer · Same mobile number (owner: 刘芳)"),
        ("zh-hans", "客户 · 手机号相同（负责人：刘芳）"),
    ],
)
def test_the_lead_duplicate_check_names_the_owner_in_brackets_after_the_reason(
    personas, customer_of, language, said
):
    """One colon, inside the brackets: "手机号相同：负责人：刘芳" read as a chain of labels."""
    customer_of("rep2", name="李四", mobile="13812345678")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas["rep1"])
    html = client.get("/leads/duplicates/", {"mobile": "13812345678"}).content.decode()
    assert said in html


def _enter_lead(client, **fields):
    data = {"name": "李雷", "kind": "person", "category": "consumer", "source": "other"}
    return client.post("/leads/new/", {**data, **fields}, follow=True)


@pytest.mark.parametrize(
    "language, panel, said, saved",
    [
        (
            "en",
            "Possible duplicates</strong>",
            "Customer · Same mobile number (owner: 张伟)",
            "Lead “李雷” saved. Possible duplicates were found: see the list on its page.",
        ),
        (
            "zh-hans",
            "可能重复（查重）",
            "客户 · 手机号相同（负责人：张伟）",
            "线索“李雷”已保存。发现可能重复的记录，请查看线索页面上的列表。",
        ),
    ],
)
def test_a_lead_saved_with_a_customers_mobile_shows_the_duplicate_on_its_page(
    personas, customer_of, language, panel, said, saved
):
    """The hint shows only on leaving the field: a lead saved at once must say so after."""
    mine = customer_of("rep1", name="杨燕", mobile="13705679036")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas["rep1"])
    response = _enter_lead(client, mobile="137 0567 9036")
    lead = Lead.objects.get()
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    html = response.content.decode()
    assert saved in html
    assert panel in html and said in html and f'href="/customers/{mine.pk}/"' in html
    # and it stays on the lead's page, not only in the one-off message
    again = client.get(f"/leads/{lead.pk}/").content.decode()
    assert panel in again and said in again and saved not in again


@pytest.mark.parametrize(
    "language, panel, saved",
    [
        ("en", "Possible duplicates</strong>", "<span>Lead “李雷” saved.</span>"),
        ("zh-hans", "可能重复（查重）", "<span>线索“李雷”已保存。</span>"),
    ],
)
def test_a_lead_without_matches_shows_no_duplicates(personas, customer_of, language, panel, saved):
    customer_of("rep1", name="杨燕", mobile="13705679036")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas["rep1"])
    html = _enter_lead(client, mobile="13800001111", company="无关公司").content.decode()
    assert saved in html
    assert panel not in html and 'class="dupes"' not in html


def test_another_teams_customer_is_named_on_the_leads_page_but_not_linked(personas, customer_of):
    theirs = customer_of("rep2", name="别组客户", mobile="13705679036")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["rep1"])
    html = _enter_lead(client, mobile="13705679036").content.decode()
    assert "Customer · Same mobile number (owner: 刘芳)" in html
    assert f"/customers/{theirs.pk}/" not in html and "别组客户" not in html
    # the manager sees the same lead with the link
    lead = Lead.objects.get()
    client.force_login(personas["manager"])
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f'href="/customers/{theirs.pk}/"' in html


@pytest.mark.parametrize(
    "language, said",
    [("en", "<li>Row 3: 手机号码: "), ("zh-hans", "<li>第 3 行：手机号码：")],
)
def test_an_import_error_joins_row_column_and_message_by_the_languages_colon(
    personas, language, said
):
    """The column is named by the file's own header (手机号码), as the customer import does,
    not by the field behind it (mobile)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(personas["rep1"])
    body = "姓名,手机号码\n张三,13900000001\n李四,12\n".encode()
    response = client.post(
        "/leads/import/", {"file": SimpleUploadedFile("leads.csv", body, "text/csv")}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert said in html and ": " not in html[html.index(said) + len(said) :].split("</li>")[0]
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    "language, model, region",
    [
        ("zh-hans", "评分模型：2026-12-01 17:50 训练", "<dt>地区</dt><dd>—</dd>"),
        ("en", "Scoring model: trained 2026-12-01 17:50", "<dt>Region</dt><dd>—</dd>"),
    ],
)
def test_the_lead_page_reads_like_the_customer_pages(
    client, personas, lead_of, language, model, region
):
    """A demo review: the lead page showed +8613705679036, the login name in its history, the
    model as its raw UTC version string and an empty region as nothing."""
    lead = lead_of("rep1", name="李雷", mobile="13705679036")
    Lead.objects.filter(pk=lead.pk).update(score=0.8, score_model_version="20261201-095009-727179")
    client.force_login(personas["rep1"])
    page = client.get(f"/leads/{lead.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    # the mobile as people read it, a tel: link
    assert '<a href="tel:+8613705679036" class="tel">137 0567 9036</a>' in page
    # the history names people by their display name
    assert "张伟</small></li>" in page and "· rep1<" not in page
    # the model by when it was trained, in local time (the version stays in the title)
    assert model in page and 'title="' in page and "20261201-095009-727179" in page
    assert "Model 20261201" not in page and "模型 20261201" not in page
    assert region in page
    # the list shows the mobile the same way; a pool lead's stays masked
    lead_of(None, name="池中线索", mobile="13900000002")
    listed = client.get("/leads/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert '<a href="tel:+8613705679036" class="tel">137 0567 9036</a>' in listed
    assert "139 •••• 0002" in listed
