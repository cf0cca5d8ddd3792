"""The demo company: logins and scopes, consistent and valid data, idempotent, deterministic."""

from datetime import UTC, date

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from guanxi.accounts.models import DataScope, Role
from guanxi.accounts.scope import visible_customers
from guanxi.activities.models import Interaction, Note, Task
from guanxi.cli import main as guanxi
from guanxi.customers.models import Contact, Customer
from guanxi.customers.normalize import (
    name_initials,
    name_pinyin,
    normalize_phone,
    normalize_uscc,
)
from guanxi.demo.company import load_demo
from guanxi.demo.generator import mobile_for, mobile_prefixes, uscc_for
from guanxi.privacy.models import Consent
from guanxi.sales.models import Order, OrderLine, Product

TODAY = date(2026, 5, 20)


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    """`guanxi ...` closes every database connection when it ends, as a command should; in a
    test that would close the connection holding the test's transaction (on PostgreSQL)."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def demo(db):
    return load_demo(300, seed=7, today=TODAY)


def test_demo_users_scopes_and_teams(demo):
    from django.contrib.auth import authenticate

    manager = authenticate(username="manager", password="demo")
    rep1 = authenticate(username="rep1", password="demo")
    rep2 = authenticate(username="rep2", password="demo")
    assert manager and rep1 and rep2
    assert (manager.profile.role, manager.profile.data_scope) == (Role.MANAGER, DataScope.ALL)
    assert manager.profile.can_view_sensitive
    assert rep1.profile.data_scope == rep2.profile.data_scope == DataScope.SELF
    assert rep1.profile.department != rep2.profile.department
    assert not rep1.profile.can_view_sensitive

    # the manager sees every customer; each rep exactly their own
    assert visible_customers(manager).count() == 300
    mine = visible_customers(rep1)
    assert mine.count() > 0
    assert set(mine.values_list("owner", flat=True)) == {rep1.pk}
    assert set(mine.values_list("department", flat=True)) == {rep1.profile.department_id}
    assert not visible_customers(rep1).filter(owner=rep2).exists()


def test_orders_are_consistent(demo):
    assert Order.objects.count() > 300
    # every order's total is the sum of its lines, and every line is quantity × unit price
    mismatched = Order.objects.annotate(lines_total=Sum("lines__amount")).exclude(
        total=F("lines_total")
    )
    assert not mismatched.exists()
    assert not OrderLine.objects.exclude(amount=F("quantity") * F("unit_price")).exists()
    assert not Order.objects.annotate(n=Count("lines")).filter(n=0).exists()
    # history ends before the demo's day, and every order is by the customer's owner
    assert Order.objects.filter(ordered_at__date__gte=TODAY).count() == 0
    assert (
        not Order.objects.exclude(owner_id=F("customer__owner_id"))
        .exclude(customer__owner__isnull=True)
        .exists()
    )
    # points are the money spent
    customer = Customer.objects.filter(orders__isnull=False).first()
    spent = customer.orders.aggregate(s=Sum("total"))["s"]
    assert customer.points == int(spent)


def test_phones_credit_codes_and_pinyin_are_what_the_services_produce(demo):
    for customer in Customer.objects.all():
        if customer.mobile:
            assert normalize_phone(customer.mobile) == customer.mobile
        if customer.uscc:
            assert normalize_uscc(customer.uscc) == customer.uscc
            assert customer.kind == "organisation"
        assert customer.name_pinyin == name_pinyin(customer.name)
        assert customer.name_initials == name_initials(customer.name)
    for mobile in Contact.objects.values_list("mobile", flat=True):
        assert normalize_phone(mobile) == mobile
    mobiles = list(Customer.objects.exclude(mobile="").values_list("mobile", flat=True))
    assert len(mobiles) == len(set(mobiles))


def test_every_mobile_prefix_and_many_credit_codes_are_valid():
    for prefix in mobile_prefixes():
        for index in (0, 1, 9_999_999, 123_456):
            number = mobile_for(index, prefix)
            assert normalize_phone(number) == number
            assert normalize_phone(number[3:]) == number  # as a person would type it
    for index in range(0, 2_000_000, 9_973):
        code = uscc_for(index, "330100")
        assert normalize_uscc(code) == code


def test_the_company_has_everything_the_product_shows(demo):
    assert Product.objects.exclude(benefits="").count() >= 10
    assert Customer.objects.filter(kind="organisation").exists()
    assert Contact.objects.exists()
    assert Customer.objects.filter(birthday__isnull=False).exists()
    assert Customer.objects.filter(tags__isnull=False).exists()
    assert Customer.objects.exclude(member_level="").exists()
    assert set(Customer.objects.values_list("level", flat=True)) == {"A", "B", "C"}
    assert Interaction.objects.values("channel").distinct().count() >= 5
    assert set(Interaction.objects.values_list("direction", flat=True)) == {"inbound", "outbound"}
    assert Interaction.objects.values("content_kind").distinct().count() == 5
    assert Task.objects.filter(kind="follow_up").exists()
    assert Note.objects.filter(kind="complaint").exists()
    assert Consent.objects.filter(purpose="marketing", granted=True).exists()
    # sensitive data to show masking on: health notes and precise locations, about 0.5 % and
    # 0.3 % of customers (deterministic for a seed; seed 7 at 300 customers has both)
    assert Customer.objects.exclude(health_notes="").exists()
    assert Customer.objects.exclude(precise_location="").exists()


def test_a_handful_of_lapsed_customers_are_marked_lost_over_the_past_year(demo):
    """The churn dashboard has something to show in `guanxi demo`: about 2.5 % of customers,
    only among those with no order for 180 days, each lost at least 90 days after their last
    order, within the past year, with one of the textbook's reasons."""
    from datetime import timedelta

    from django.db.models import Max
    from django.utils import timezone

    from guanxi.customers.models import LostReason

    lost = Customer.objects.filter(lost_at__isnull=False).annotate(last=Max("orders__ordered_at"))
    assert 3 <= lost.count() <= 15  # 2.5 % of 300 is 7.5
    assert Customer.objects.filter(lost_at__isnull=True).exclude(lost_reason="").count() == 0
    end = timezone.make_aware(timezone.datetime.combine(TODAY, timezone.datetime.min.time()))
    for customer in lost:
        assert customer.lost_reason in LostReason.values
        assert end - timedelta(days=366) <= customer.lost_at < end
        assert customer.last is not None and customer.last < end - timedelta(days=180)
        assert customer.lost_at >= customer.last + timedelta(days=89)
    assert len({c.lost_at.strftime("%Y-%m") for c in lost}) >= 3  # spread over the year
    assert len({c.lost_reason for c in lost}) >= 2
    # each loss has its audit entry, so the 360 timeline shows "Marked lost" at the lost date
    from guanxi.workspace.timeline import timeline

    for customer in lost:
        losses = [item for item in timeline(customer) if item.kind == "lost"]
        assert [item.at for item in losses] == [customer.lost_at]
        assert losses[0].obj.actor_id == customer.owner_id


def test_second_run_adds_nothing(demo):
    before = (Customer.objects.count(), Order.objects.count(), Interaction.objects.count())
    assert load_demo(300, seed=7, today=TODAY) is None
    assert (Customer.objects.count(), Order.objects.count(), Interaction.objects.count()) == before


def test_reset_reloads_the_same_company_for_the_same_seed(demo):
    def fingerprint():
        return (
            list(
                Customer.objects.order_by("external_id").values_list(
                    "external_id", "name", "mobile", "lost_at", "lost_reason"
                )
            ),
            list(Order.objects.order_by("number").values_list("number", "total", "ordered_at")),
            Interaction.objects.count(),
        )

    first = fingerprint()
    load_demo(300, seed=7, today=TODAY, reset=True)
    assert fingerprint() == first
    load_demo(300, seed=8, today=TODAY, reset=True)
    assert fingerprint() != first


def test_demo_command(db, capsys):
    # when
    status = guanxi(["demo", "--size", "120", "--no-serve", "--seed", "3"])

    # then
    assert status == 0
    out = capsys.readouterr().out
    assert "manager" in out and "rep1" in out and "password: demo" in out
    assert Customer.objects.count() == 120

    # a second run leaves the data alone
    call_command("demo", "--size", "120", "--no-serve")
    assert Customer.objects.count() == 120
    assert "already has customers" in capsys.readouterr().out


def test_the_demo_has_a_finished_coding_example(demo):
    from guanxi.accounts.scope import coding_project_q
    from guanxi.coding.models import CodingProject
    from guanxi.coding.queries import tree

    project = CodingProject.objects.get()
    rep = Customer.objects.first().owner
    assert CodingProject.objects.filter(coding_project_q(rep)).get() == project  # shared
    found = tree(project)
    assert found["counts"] == {"documents": 3, "fragments": 15, "codes": 10, "categories": 3}
    core = found["categories"][0]
    assert core["name"] == "关系淡化" and core["core"] is True
    assert (core["code_count"], core["fragment_count"]) == (4, 4)
    assert {c["name"]: c["count"] for c in found["categories"][2]["codes"]} == {
        "价格差不多": 2,
        "朋友推荐别家": 2,
        "竞品记得口味": 2,
    }
    assert len(found["relations"]) == 3 and project.story_line
    assert load_demo(300, seed=7, today=TODAY) is None  # not twice
    assert CodingProject.objects.count() == 1


def test_the_demo_has_answered_surveys_and_checked_back_cases(demo):
    """The satisfaction indicators, survey results and case charts show real figures."""
    from guanxi.service.models import Case
    from guanxi.surveys.models import Answer, Response

    responses = Response.objects.all()
    assert responses.count() >= 20
    months = {r.submitted_at.strftime("%Y-%m") for r in responses}
    assert len(months) >= 4  # spread over the year
    assert Answer.objects.filter(question__kind="nps", value__isnull=False).exists()
    assert Answer.objects.filter(question__kind="gap", value2__isnull=False).exists()
    assert Case.objects.count() >= 20
    checked = Case.objects.filter(satisfaction_score__isnull=False)
    assert checked.exists()
    assert all(c.followed_up_at > c.resolved_at > c.opened_at for c in checked)


def test_a_demo_cases_history_carries_the_cases_own_times(demo):
    """New-user review: every demo case's history read "today" (when the demo was loaded)."""
    from guanxi.audit.services import trail_for
    from guanxi.service.models import Case

    cases = list(Case.objects.all())
    assert any(c.followed_up_at for c in cases)
    for case in cases:
        # its history, oldest first: opened, then resolved and checked back if it was
        trail = list(trail_for(case).order_by("at", "id"))
        moments = [case.opened_at, case.resolved_at, case.followed_up_at]
        assert [e.at for e in trail] == [m for m in moments if m is not None]
        assert [e.action for e in trail][:1] == ["create"]
        assert max(e.at.date() for e in trail) < TODAY
        # and what the entries say changed is the case's own time too
        if case.resolved_at:
            assert (
                trail[1].changes["resolved_at"][1] == case.resolved_at.astimezone(UTC).isoformat()
            )
        if case.followed_up_at:
            assert trail[2].changes["followed_up_at"][1] == (
                case.followed_up_at.astimezone(UTC).isoformat()
            )


def test_demo_contracts_are_signed_before_they_are_paid(demo):
    """New-user review: an active contract was signed today while its instalments had been
    paid months ago (activating dated the signing)."""
    from guanxi.contracts.models import Contract, ContractStatus, Payment

    active = Contract.objects.filter(status=ContractStatus.ACTIVE)
    assert active.exists()
    for contract in active:
        assert contract.signed_on is not None and contract.start_on == contract.signed_on
        first = Payment.objects.filter(contract=contract).order_by("received_on").first()
        if first is not None:
            assert contract.signed_on <= first.received_on, contract.number
