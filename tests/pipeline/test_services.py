"""Stage rules, required fields, probability defaults, win / lose, the hand-offs from the leads
and pool apps, and the scope of every write (given / when / then)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.pipeline import services
from guanxi.pipeline.models import NegotiationPlan, Opportunity, StageVisit, Status


def test_the_default_stages_are_the_5as_in_order(stages):
    from guanxi.pipeline.services import active_stages

    assert [s.key for s in active_stages()] == ["opening", "needs", "fab", "objections", "closing"]
    assert [s.probability for s in active_stages()] == [10, 25, 45, 65, 85]
    assert stages["closing"].required_fields == ["amount", "expected_close"]


def test_a_new_opportunity_starts_in_the_first_stage_with_its_probability(open_opportunity):
    opportunity = open_opportunity()

    assert opportunity.stage.key == "opening"
    assert opportunity.probability == 10
    assert opportunity.status == Status.OPEN
    assert list(
        StageVisit.objects.filter(opportunity=opportunity).values_list("stage__key", flat=True)
    ) == ["opening"]
    assert AuditEntry.objects.filter(
        model="opportunity", object_id=str(opportunity.pk), action="create"
    ).exists()


def test_an_explicit_probability_overrides_the_stage_default(open_opportunity, stages):
    opportunity = open_opportunity(stage=stages["needs"].pk, probability=40)

    assert (opportunity.stage.key, opportunity.probability) == ("needs", 40)


def test_moving_sets_the_stage_probability_and_records_the_visit(
    open_opportunity, personas, stages
):
    opportunity = open_opportunity(probability=50)

    moved = services.move_opportunity(personas["rep1"], opportunity.pk, stages["fab"].pk)

    assert (moved.stage.key, moved.probability) == ("fab", 45)
    visits = list(StageVisit.objects.filter(opportunity=opportunity).order_by("id"))
    assert [v.stage.key for v in visits] == ["opening", "fab"]
    assert visits[0].left_at is not None and visits[1].left_at is None


def test_a_stage_refuses_an_opportunity_without_its_required_fields(
    open_opportunity, personas, stages
):
    opportunity = open_opportunity()

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.move_opportunity(personas["rep1"], opportunity.pk, stages["closing"].pk)

    message = refused.value.message_dict["stage"][0]
    assert "amount" in message and "expected close date" in message
    assert Opportunity.objects.get(pk=opportunity.pk).stage.key == "opening"


def test_with_its_required_fields_the_opportunity_enters_closing(
    open_opportunity, personas, stages
):
    opportunity = open_opportunity(amount="52000", expected_close="2026-12-20")

    moved = services.move_opportunity(personas["rep1"], opportunity.pk, stages["closing"].pk)

    assert (moved.stage.key, moved.probability, moved.amount) == (
        "closing",
        85,
        Decimal("52000.00"),
    )


def test_a_required_field_cannot_be_emptied_in_its_stage(open_opportunity, personas, stages):
    opportunity = open_opportunity(amount="100", stage=stages["objections"].pk)

    with pytest.raises(ValidationError) as refused:
        services.update_opportunity(personas["rep1"], opportunity.pk, {"amount": ""})

    assert "amount" in refused.value.message_dict
    assert Opportunity.objects.get(pk=opportunity.pk).amount == Decimal("100.00")


def test_invalid_input_is_refused_field_by_field(open_opportunity, personas, customer_of):
    customer = customer_of("rep1", name="客户甲")

    with pytest.raises(ValidationError) as refused:
        services.create_opportunity(
            personas["rep1"],
            customer.pk,
            {"name": "", "amount": "12.345", "probability": "120", "expected_close": "2026-13-01"},
        )

    assert set(refused.value.message_dict) == {"name", "amount", "probability", "expected_close"}
    assert not Opportunity.objects.exists()


def test_win_needs_an_amount_and_sets_probability_100(open_opportunity, personas):
    opportunity = open_opportunity()
    with pytest.raises(ValidationError):
        services.win_opportunity(personas["rep1"], opportunity.pk)

    won = services.win_opportunity(personas["rep1"], opportunity.pk, amount="8000")

    assert (won.status, won.probability, won.amount) == ("won", 100, Decimal("8000.00"))
    assert won.won_at is not None
    with pytest.raises(ValidationError):
        services.move_opportunity(personas["rep1"], opportunity.pk, won.stage_id)


def test_lose_needs_a_reason_from_the_list(open_opportunity, personas):
    opportunity = open_opportunity()
    with pytest.raises(ValidationError):
        services.lose_opportunity(personas["rep1"], opportunity.pk, "bored")

    lost = services.lose_opportunity(personas["rep1"], opportunity.pk, "competitor", "选了别家")

    assert (lost.status, lost.lost_reason, lost.probability) == ("lost", "competitor", 0)


def test_a_stale_version_is_refused(open_opportunity, personas, stages):
    from guanxi.services_common import StaleEdit

    opportunity = open_opportunity()
    services.update_opportunity(personas["rep1"], opportunity.pk, {"name": "新名"}, version=1)

    with pytest.raises(StaleEdit):
        services.move_opportunity(personas["rep1"], opportunity.pk, stages["needs"].pk, version=1)


def test_a_rep_of_another_team_gets_404_and_a_reader_403(open_opportunity, personas, stages):
    opportunity = open_opportunity()

    with pytest.raises(Http404):
        services.move_opportunity(personas["rep2"], opportunity.pk, stages["needs"].pk)
    with pytest.raises(Http404):
        services.log_objection(
            personas["rep2"], opportunity.pk, {"kind": "price", "statement": "贵"}
        )
    with pytest.raises(PermissionDenied):
        services.add_spin_note(personas["viewer"], opportunity.pk, {"situation": "x"})
    assert Opportunity.objects.get(pk=opportunity.pk).stage.key == "opening"
    assert not opportunity.objections.exists() and not opportunity.spin_notes.exists()


def test_an_objection_counts_against_the_current_stage(open_opportunity, personas, stages):
    opportunity = open_opportunity(stage=stages["fab"].pk)

    objection = services.log_objection(
        personas["rep1"], opportunity.pk, {"kind": "price", "statement": "比别家贵"}
    )
    updated = services.update_objection(
        personas["rep1"],
        objection.pk,
        {"response": "算总拥有成本", "outcome": "resolved"},
        version=1,
    )

    assert objection.stage.key == "fab"
    assert (updated.outcome, updated.version) == ("resolved", 2)
    with pytest.raises(ValidationError):
        services.log_objection(personas["rep1"], opportunity.pk, {"kind": "mood", "statement": "x"})


def test_spin_needs_one_note_and_questions_a_kind(open_opportunity, personas):
    opportunity = open_opportunity()

    with pytest.raises(ValidationError):
        services.add_spin_note(personas["rep1"], opportunity.pk, {})
    with pytest.raises(ValidationError):
        services.add_question(
            personas["rep1"], opportunity.pk, {"kind": "rhetorical", "question": "?"}
        )
    question = services.add_question(
        personas["rep1"], opportunity.pk, {"kind": "open", "question": "现在用什么茶待客？"}
    )
    services.answer_question(personas["rep1"], question.pk, "普通绿茶")

    assert opportunity.questions.get().answer == "普通绿茶"


def test_the_plan_warns_when_the_offer_is_below_the_walk_away_value(open_opportunity, personas):
    opportunity = open_opportunity(amount="45000")

    plan = services.save_negotiation_plan(
        personas["rep1"], opportunity.pk, {"batna": "卖给另一家酒店", "walk_away": "48000"}
    )

    assert plan.below_walk_away(opportunity.amount) is True
    assert plan.below_walk_away(Decimal("48000")) is False
    assert plan.below_walk_away(None) is False
    services.update_opportunity(personas["rep1"], opportunity.pk, {"amount": "50000"})
    assert (
        NegotiationPlan.objects.get().below_walk_away(
            Opportunity.objects.get(pk=opportunity.pk).amount
        )
        is False
    )


def test_only_managers_configure_stages(personas, stages, open_opportunity):
    with pytest.raises(PermissionDenied):
        services.create_stage(personas["rep1"], {"custom_name": "试用", "probability": 30})

    stage = services.create_stage(
        personas["manager"],
        {"custom_name": "样品试用", "probability": 55, "required_fields": ["contact"]},
    )
    assert (stage.name, stage.order, stage.required_fields) == ("样品试用", 60, ["contact"])
    opportunity = open_opportunity(stage=stages["needs"].pk)
    with pytest.raises(ValidationError):
        services.update_stage(personas["manager"], stages["needs"].pk, {"active": False})
    with pytest.raises(ValidationError):
        services.update_stage(personas["manager"], stage.pk, {"required_fields": ["colour"]})
    assert Opportunity.objects.get(pk=opportunity.pk).stage.active


def test_targets_replace_the_month_of_the_same_rep(personas):
    first = services.save_sales_target(
        personas["manager"],
        {"user": personas["rep1"].pk, "month": "2026-12", "sales_target": "100000"},
    )
    again = services.save_sales_target(
        personas["manager"],
        {
            "user": personas["rep1"].pk,
            "month": "2026-12-15",
            "sales_target": "120000",
            "collection_target": "90000",
        },
    )

    assert first.pk == again.pk
    assert (again.month, again.sales_target, again.collection_target) == (
        date(2026, 12, 1),
        Decimal("120000.00"),
        Decimal("90000.00"),
    )
    with pytest.raises(PermissionDenied):
        services.save_sales_target(
            personas["rep1"], {"user": personas["rep1"].pk, "month": "2026-12", "sales_target": "1"}
        )
    with pytest.raises(ValidationError):
        services.save_sales_target(personas["manager"], {"month": "2026-12", "sales_target": "1"})


def test_a_converted_lead_opens_its_opportunity(personas, customer_of, stages):
    from guanxi.services_common import lead_converted

    customer = customer_of("rep1", name="线索转化客户")

    lead_converted.send(
        sender=None,
        actor=personas["rep1"],
        lead=object(),
        customer=customer,
        contact=None,
        opportunity={
            "name": "首单",
            "amount": Decimal("3000"),
            "expected_close": date(2027, 1, 15),
        },
    )

    opportunity = Opportunity.objects.get(customer=customer)
    assert (opportunity.name, opportunity.amount, opportunity.stage.key) == (
        "首单",
        Decimal("3000.00"),
        "opening",
    )
    assert opportunity.owner == personas["rep1"]


def test_a_transfer_moves_only_open_opportunities_when_asked(open_opportunity, personas):
    from guanxi.services_common import customers_transferred

    open_one = open_opportunity()
    won = open_opportunity(customer=open_one.customer, amount="10")
    services.win_opportunity(personas["rep1"], won.pk)

    customers_transferred.send(
        sender=None,
        actor=personas["manager"],
        customer_ids=[open_one.customer_id],
        from_user=personas["rep1"],
        to_user=personas["rep2"],
        move=set(),
    )
    assert Opportunity.objects.get(pk=open_one.pk).owner == personas["rep1"]
    customers_transferred.send(
        sender=None,
        actor=personas["manager"],
        customer_ids=[open_one.customer_id],
        from_user=personas["rep1"],
        to_user=personas["rep2"],
        move={"opportunities"},
    )

    assert Opportunity.objects.get(pk=open_one.pk).owner == personas["rep2"]
    assert Opportunity.objects.get(pk=won.pk).owner == personas["rep1"]
    assert (
        AuditEntry.objects.filter(
            model="opportunity", object_id=str(open_one.pk), action="assign"
        ).count()
        == 1
    )
