"""The pipeline pages: the board and its htmx move, the opportunity page (BATNA warning, style
advice, FAB), win / lose, the settings and targets pages, both languages."""

from decimal import Decimal

import pytest

from guanxi.pipeline.models import Objection, Opportunity, SalesTarget


def test_the_board_shows_a_column_per_stage_and_the_card(client_for, open_opportunity):
    opportunity = open_opportunity(amount="52000")

    page = client_for("rep1").get("/pipeline/")

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('class="board-column"') == 5
    assert f'id="card-{opportunity.pk}"' in text and "年度茶礼采购" in text


def test_cards_in_the_last_stage_lead_to_winning_them(client_for, open_opportunity, stages):
    """New-user review: the last stage (成交) is not a win, and the board offered no way to
    mark a deal won; its cards now link to the opportunity's win form, opened."""
    first = open_opportunity()
    last_stage = max(stages.values(), key=lambda s: s.order)
    closing = open_opportunity(
        stage=last_stage.pk, name="年底团购", amount="8000", expected_close="2026-12-20"
    )
    board = client_for("rep1").get("/pipeline/").content.decode()
    link = f"/pipeline/{closing.pk}/?close=win#win"
    assert link in board and f"/pipeline/{first.pk}/?close=win" not in board
    assert "/?close=win" not in client_for("viewer").get("/pipeline/").content.decode()
    detail = client_for("rep1").get(f"/pipeline/{closing.pk}/?close=win").content.decode()
    assert '<details id="win" open>' in detail


def test_the_board_in_chinese(client_for, open_opportunity):
    open_opportunity()

    text = client_for("rep1", "zh-hans").get("/pipeline/").content.decode()

    for name in ("开场", "需求探询", "核心信息", "异议与谈判", "成交"):
        assert name in text


def test_another_teams_rep_sees_no_card_and_gets_404(client_for, open_opportunity, stages):
    opportunity = open_opportunity()
    rep2 = client_for("rep2")

    board = rep2.get("/pipeline/").content.decode()
    detail = rep2.get(f"/pipeline/{opportunity.pk}/")
    move = rep2.post(f"/pipeline/{opportunity.pk}/move/", {"stage": stages["needs"].pk})

    assert "年度茶礼采购" not in board
    assert (detail.status_code, move.status_code) == (404, 404)
    assert Opportunity.objects.get(pk=opportunity.pk).stage_id == stages["opening"].pk


def test_an_htmx_move_answers_the_board_with_the_refusal(
    client_for, htmx, open_opportunity, stages
):
    opportunity = open_opportunity()
    rep1 = client_for("rep1")

    refused = rep1.post(
        f"/pipeline/{opportunity.pk}/move/",
        {"stage": stages["closing"].pk, "version": opportunity.version},
        **htmx,
    )
    moved = rep1.post(
        f"/pipeline/{opportunity.pk}/move/",
        {"stage": stages["needs"].pk, "version": opportunity.version},
        **htmx,
    )

    assert refused.status_code == 200 and 'id="board"' in refused.content.decode()
    assert "needs amount, expected close date first" in refused.content.decode()
    assert "<html" not in moved.content.decode()
    assert Opportunity.objects.get(pk=opportunity.pk).stage_id == stages["needs"].pk


def test_the_page_warns_when_the_offer_is_below_the_walk_away_value(
    client_for, open_opportunity, personas
):
    from guanxi.pipeline import services

    opportunity = open_opportunity(amount="45000")
    services.save_negotiation_plan(personas["rep1"], opportunity.pk, {"walk_away": "48000"})

    text = client_for("rep1").get(f"/pipeline/{opportunity.pk}/").content.decode()
    zh = client_for("rep1", "zh-hans").get(f"/pipeline/{opportunity.pk}/").content.decode()

    assert 'id="batna-warning"' in text and "below your walk-away value" in text
    assert 'id="batna-warning"' in zh
    services.update_opportunity(personas["rep1"], opportunity.pk, {"amount": "48000"})
    again = client_for("rep1").get(f"/pipeline/{opportunity.pk}/").content.decode()
    assert 'id="batna-warning"' not in again


def test_the_page_shows_the_contacts_style_approach_and_the_fab(
    client_for, personas, customer_of, product, open_opportunity
):
    from guanxi.customers.services import create_contact

    customer = customer_of("rep1", name="华茂贸易", kind="organisation")
    contact = create_contact(
        personas["rep1"], customer, {"name": "赵总", "interpersonal_style": "authoritarian"}
    )
    opportunity = open_opportunity(customer=customer, contact=contact.pk, products=[product.pk])

    text = client_for("rep1").get(f"/pipeline/{opportunity.pk}/").content.decode()

    assert "lead with results and the bottom line" in text
    assert "明前采摘" in text and "香气持久" in text and "待客有面子" in text


def test_logging_an_objection_and_losing_from_the_page(client_for, open_opportunity):
    opportunity = open_opportunity()
    rep1 = client_for("rep1")

    logged = rep1.post(
        f"/pipeline/{opportunity.pk}/objections/",
        {"kind": "price", "statement": "比去年贵", "response": "", "outcome": "open"},
    )
    bad = rep1.post(f"/pipeline/{opportunity.pk}/lose/", {"lost_reason": ""})
    lost = rep1.post(
        f"/pipeline/{opportunity.pk}/lose/",
        {"lost_reason": "price", "lost_note": "", "version": Opportunity.objects.get().version},
    )

    assert logged.status_code == 302 and Objection.objects.get().kind == "price"
    assert bad.status_code == 422
    assert lost.status_code == 302
    assert Opportunity.objects.get().status == "lost"


def test_a_reader_may_look_but_not_win(client_for, open_opportunity, personas):
    opportunity = open_opportunity(amount="100")

    page = client_for("viewer").get(f"/pipeline/{opportunity.pk}/")
    win = client_for("viewer").post(f"/pipeline/{opportunity.pk}/win/", {"amount": "1"})

    assert page.status_code == 200 and "Mark won" not in page.content.decode()
    assert win.status_code == 403
    assert Opportunity.objects.get().status == "open"


def test_only_managers_reach_settings_and_targets(client_for, personas):
    assert client_for("rep1").get("/pipeline/stages/").status_code == 403
    assert client_for("rep1").get("/pipeline/targets/").status_code == 403
    manager = client_for("manager")
    assert manager.get("/pipeline/stages/").status_code == 200

    saved = manager.post(
        "/pipeline/targets/",
        {"user": personas["rep1"].pk, "month": "2026-12", "sales_target": "80000"},
    )

    assert saved.status_code == 302
    assert SalesTarget.objects.get().sales_target == Decimal("80000.00")


def test_the_reports_page_in_both_languages(client_for, open_opportunity):
    open_opportunity(amount="1000", expected_close="2026-12-20")

    en = client_for("manager").get("/pipeline/reports/")
    zh = client_for("manager", "zh-hans").get("/pipeline/reports/")

    assert en.status_code == zh.status_code == 200
    assert "Funnel conversion" in en.content.decode()
    assert 'data-chart="pipeline-chart-0"' in zh.content.decode()
    assert "Funnel conversion" not in zh.content.decode()


def test_an_expected_close_out_of_range_gets_the_message_of_every_date(
    client_for, open_opportunity
):
    # given an opportunity expected to close on a date
    opportunity = open_opportunity(expected_close="2026-05-01")
    # when its page form is sent with the year 9999
    page = client_for("rep1").post(
        f"/pipeline/{opportunity.pk}/edit/",
        {"name": opportunity.name, "currency": "CNY", "expected_close": "9999-01-01"},
    )
    # then the form says what every date field says, and the date is kept
    assert "Enter a date between the years 1900 and 2200." in page.content.decode()
    opportunity.refresh_from_db()
    assert str(opportunity.expected_close) == "2026-05-01"


@pytest.mark.parametrize(
    "language, owners_label, teams_label, all_label",
    [("en", "All owners", "All teams", "All"), ("zh-hans", "全部负责人", "全部团队", "全部")],
)
def test_the_filters_start_at_all_as_on_the_other_lists(
    client_for, stages, language, owners_label, teams_label, all_label
):
    # given no filter chosen: the owner, team and status menus say "All" / "全部", not "—"
    for path in ("/pipeline/", "/pipeline/list/"):
        page = client_for("rep1", language).get(path).content.decode()
        form = page[page.index('class="filters pipeline-filters"') :].split("</form>")[0]
        assert f'<option value="" selected>{owners_label}</option>' in form, form
        assert f'<option value="" selected>{teams_label}</option>' in form, form
        assert '<option value="">—</option>' not in form and ">—</option>" not in form, form
        if 'name="status"' in form:
            assert f'<option value="">{all_label}</option>' in form, form
