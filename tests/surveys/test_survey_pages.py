"""The staff pages: a manager builds, opens and sends a survey; others read it."""

import re

from django.test import Client

from guanxi.surveys import services
from guanxi.surveys.models import Invitation, Survey

from .conftest import answers_for, as_service_data


def test_manager_builds_opens_and_invites_through_the_pages(client_for, customers):
    page = client_for("manager")
    assert page.get("/surveys/new/").status_code == 200
    made = page.post("/surveys/new/", {"title": "售后体验调查", "kind": "experience"})
    survey = Survey.objects.get(title="售后体验调查")
    assert made["Location"] == f"/surveys/{survey.pk}/"
    bad = page.post(
        f"/surveys/{survey.pk}/questions/new/", {"kind": "gap", "text": "服务", "scale": "5"}
    )
    assert bad.status_code == 422 and "Choose the attribute" in bad.content.decode()
    for data in (
        {"kind": "rating", "text": "总体满意度"},
        {"kind": "peak", "text": "最难忘的时刻", "touchpoints": "到店\n等待\n结账"},
        {"kind": "gap", "text": "服务", "attribute": "service", "scale": "7"},
    ):
        assert page.post(f"/surveys/{survey.pk}/questions/new/", data).status_code == 302
    assert survey.questions.count() == 3
    assert page.post(f"/surveys/{survey.pk}/open/").status_code == 302
    links = page.post(
        f"/surveys/{survey.pk}/invite/",
        {"customers": f"{customers['a'][0].name}\n{customers['b'][0].name}"},
    )
    assert links.status_code == 200
    urls = re.findall(r'value="(http://testserver/s/[^"]+/)"', links.content.decode())
    assert len(urls) == 2
    answer_page = Client().get(urls[0].removeprefix("http://testserver"))
    assert answer_page.status_code == 200 and "到店" in answer_page.content.decode()
    # questions are fixed once open
    late = page.post(f"/surveys/{survey.pk}/questions/new/", {"kind": "rating", "text": "x"})
    assert late.status_code == 302 and survey.questions.count() == 3
    # a new link replaces the old one
    invitation = Invitation.objects.get(survey=survey, customer=customers["a"][0])
    renewed = page.post(f"/surveys/invitations/{invitation.pk}/link/")
    assert renewed.status_code == 200
    assert Client().get(urls[0].removeprefix("http://testserver")).status_code == 404


def test_reps_read_surveys_but_cannot_build_them(client_for, survey):
    rep = client_for("rep1")
    assert rep.get("/surveys/").status_code == 200
    assert survey.title in rep.get("/surveys/").content.decode()
    assert rep.get(f"/surveys/{survey.pk}/").status_code == 200
    assert rep.get("/surveys/new/").status_code == 403
    assert rep.post(f"/surveys/{survey.pk}/close/").status_code == 403
    assert rep.get(f"/surveys/{survey.pk}/invite/").status_code == 403
    assert Survey.objects.get(pk=survey.pk).status == "open"
    assert 'href="/surveys/"' in rep.get("/").content.decode()  # the navigation entry


def test_peak_end_results(survey, links, customers, client_for):
    given = [
        ("a", 0, {"rating": 5, "peak": ("送货", 5), "end": ("售后", 4)}),
        ("a", 1, {"rating": 2, "peak": ("下单", 1), "end": ("售后", 2)}),
        ("a", 2, {"rating": 4, "peak": ("送货", 4), "end": ("送货", 5)}),
    ]
    for team, index, answers in given:
        token = links[customers[team][index].pk]
        services.submit_answers(token, as_service_data(survey, answers_for(survey, **answers)))
    from guanxi.surveys.results import compute

    result = compute(customers["a"][0].owner, survey)["peak_end"]
    rows = {r["touchpoint"]: r for r in result["touchpoints"]}
    assert rows["送货"]["named_as_peak"] == 2 and rows["送货"]["peak_rating"] == 4.5
    assert rows["送货"]["overall_when_peak"] == 4.5
    assert rows["售后"]["named_as_end"] == 2 and rows["售后"]["end_rating"] == 3.0
    assert rows["下单"]["overall_when_peak"] == 2.0
    assert result["overall_mean"] == round((5 + 2 + 4) / 3, 2)
    body = client_for("rep1").get(f"/surveys/{survey.pk}/results/").content.decode()
    assert 'data-testid="peak-end"' in body


def test_a_surveys_title_is_a_heading_not_a_job_title_in_chinese(client_for, survey):
    """ "Title" means a person's job title elsewhere (职务); here it is a survey's title."""
    page = client_for("manager", "zh-hans")
    for url in ("/surveys/new/", "/surveys/"):
        body = page.get(url).content.decode()
        assert "职务" not in body, url


def test_invite_takes_external_ids_mobiles_and_names_and_says_what_it_cannot_find(
    client_for, customer_of, survey
):
    by_id = customer_of("rep1", name="王五", external_id="C-1001")
    by_mobile = customer_of("rep1", name="赵六", mobile="13800138000")
    by_name = customer_of("rep1", name="孙七")
    customer_of("rep1", name="重名")
    customer_of("rep2", name="重名")
    page = client_for("manager")
    url = f"/surveys/{survey.pk}/invite/"
    assert "external id" in page.get(url).content.decode()  # the help text says what to give

    refused = page.post(url, {"customers": "C-404、重名"}).content.decode()
    assert "C-404" in refused and "重名" in refused and "/s/" not in refused
    assert not Invitation.objects.filter(survey=survey).exists()

    made = page.post(url, {"customers": "C-1001, 138 0013 8000\n孙七"})
    assert made.status_code == 200
    assert len(re.findall(r'value="(http://testserver/s/[^"]+/)"', made.content.decode())) == 3
    invited = set(Invitation.objects.filter(survey=survey).values_list("customer_id", flat=True))
    assert invited == {by_id.pk, by_mobile.pk, by_name.pk}


def test_a_customers_answers_show_on_their_360_page(survey, links, customers, client_for):
    answered, silent = customers["a"][0], customers["a"][1]
    services.submit_answers(
        links[answered.pk], as_service_data(survey, answers_for(survey, rating=5, nps=9))
    )

    page = client_for("rep1").get(f"/customers/{answered.pk}/").content.decode()
    card = re.search(r'<div class="card" id="survey-answers">(.*?)</div>', page, re.S).group(1)
    assert f'<a href="/surveys/{survey.pk}/results/">{survey.title}</a>' in card
    cells = re.findall(r"<td>([^<]*)</td>", card)
    assert cells[-3:-1] == ["9", "5"]  # recommend 0-10, overall 1-5
    # the gap per attribute, perceived − expected: quality 4 -> 3, price 5 -> 6 (answers_for)
    assert cells[-1] in ("质量 -1, 价格 +1", "Quality -1, Price +1")
    assert (
        'id="survey-answers"'
        not in client_for("rep1").get(f"/customers/{silent.pk}/").content.decode()
    )
    assert client_for("rep2").get(f"/customers/{answered.pk}/").status_code == 404
