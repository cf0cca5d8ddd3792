"""Case services: transitions, refusals, the service level, escalation, audit, versions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from guanxi.accounts.preferences import set_own_language
from guanxi.activities.models import Task
from guanxi.audit.models import AuditEntry
from guanxi.service import services, sla
from guanxi.service.models import Case, CaseStatus
from guanxi.services_common import StaleEdit


def test_open_computes_the_service_level_from_the_priority(open_case, rep1, settings):
    case = open_case(priority="urgent")
    assert case.sla_due_at - case.opened_at == timedelta(hours=4)
    assert case.assignee == rep1 and case.opened_by == rep1 and case.status == CaseStatus.OPEN
    low = open_case(priority="low")
    assert low.sla_due_at - low.opened_at == timedelta(hours=168)
    settings.GUANXI_CASE_SLA_HOURS = {"low": 10}
    assert sla.sla_hours("low") == 10 and sla.sla_hours("urgent") == 4


def test_open_writes_a_create_entry_on_the_customers_trail(open_case):
    case = open_case()
    entry = AuditEntry.objects.get(model="case", object_id=str(case.pk))
    assert entry.action == "create" and entry.customer_id == case.customer_id
    assert entry.changes["cause"] == [None, "product_quality"]


def test_open_refuses_bad_input_with_every_error_per_field(personas, customer_of):
    customer = customer_of("rep1")
    with pytest.raises(ValidationError) as caught:
        services.open_case(
            personas["rep1"],
            customer.pk,
            {"channel": "fax", "cause": "", "subject": "  ", "priority": "asap"},
        )
    errors = caught.value.message_dict
    assert set(errors) == {"channel", "cause", "subject", "priority"}
    assert not Case.objects.exists()
    with pytest.raises(ValidationError):
        services.open_case(personas["rep1"], customer.pk, {"colour": "red"})


def test_priority_change_moves_the_service_level(open_case, rep1):
    case = open_case(priority="normal")
    changed = services.update_case(rep1, case.pk, {"priority": "high"}, version=case.version)
    assert changed.sla_due_at == case.opened_at + timedelta(hours=24)
    assert changed.version == case.version + 1
    entry = AuditEntry.objects.filter(model="case", action="update").get()
    assert entry.changes["priority"] == ["normal", "high"]
    assert "sla_due_at" in entry.changes


def test_the_whole_life_of_a_case(open_case, personas):
    rep1, lead = personas["rep1"], personas["lead_a"]
    case = open_case()
    case = services.assign_case(rep1, case.pk, lead.pk)
    assert case.status == CaseStatus.IN_PROGRESS and case.assignee == lead
    case = services.resolve_case(
        rep1,
        case.pk,
        {"resolution": "换货并致歉", "compensation_kind": "gift", "compensation_amount": "50"},
    )
    assert case.status == CaseStatus.RESOLVED and case.resolved_at is not None
    assert str(case.compensation_amount) == "50.00" or case.compensation_amount == 50
    case = services.record_follow_up(rep1, case.pk, {"satisfaction_score": 4})
    assert case.satisfaction_score == 4 and case.followed_up_at is not None
    case = services.close_case(rep1, case.pk)
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    actions = list(
        AuditEntry.objects.filter(model="case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "update", "update", "update"]


def test_invalid_transitions_are_refused(open_case, rep1):
    case = open_case()
    with pytest.raises(ValidationError) as caught:
        services.close_case(rep1, case.pk)
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.record_follow_up(rep1, case.pk, {"satisfaction_score": 5})
    services.resolve_case(rep1, case.pk, {"resolution": "已退款", "compensation_kind": "refund"})
    for refused in (
        lambda: services.resolve_case(rep1, case.pk, {"resolution": "again"}),
        lambda: services.escalate_case(rep1, case.pk),
        lambda: services.assign_case(rep1, case.pk, rep1.pk),
    ):
        with pytest.raises(ValidationError):
            refused()
    services.close_case(rep1, case.pk)
    with pytest.raises(ValidationError):
        services.update_case(rep1, case.pk, {"subject": "改"})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_resolution_and_follow_up_values_are_checked(open_case, rep1):
    case = open_case()
    with pytest.raises(ValidationError) as caught:
        services.resolve_case(
            rep1,
            case.pk,
            {"resolution": "", "compensation_kind": "cash", "compensation_amount": "-1"},
        )
    assert set(caught.value.message_dict) == {
        "resolution",
        "compensation_kind",
        "compensation_amount",
    }
    with pytest.raises(ValidationError) as caught:
        services.resolve_case(rep1, case.pk, {"resolution": "ok", "compensation_amount": "5"})
    assert "compensation_kind" in caught.value.message_dict
    services.resolve_case(rep1, case.pk, {"resolution": "ok"})
    for bad in (0, 6, "3.5", "x", None, True):
        with pytest.raises(ValidationError):
            services.record_follow_up(rep1, case.pk, {"satisfaction_score": bad})


def test_an_assignee_must_be_able_to_work_on_the_customer(open_case, personas):
    case = open_case()
    with pytest.raises(ValidationError) as caught:
        services.assign_case(personas["rep1"], case.pk, personas["rep2"].pk)
    assert "assignee" in caught.value.message_dict
    with pytest.raises(ValidationError):  # the read-only viewer covers the team, writes nothing
        services.assign_case(personas["rep1"], case.pk, personas["viewer"].pk)


def test_scope_another_team_gets_404_a_reader_403(open_case, personas):
    case = open_case()
    with pytest.raises(Http404):
        services.close_case(personas["rep2"], case.pk)
    with pytest.raises(Http404):
        services.update_case(personas["rep2"], case.pk, {"subject": "x"})
    with pytest.raises(PermissionDenied):
        services.update_case(personas["viewer"], case.pk, {"subject": "x"})
    with pytest.raises(PermissionDenied):
        services.open_case(
            personas["viewer"],
            case.customer_id,
            {"channel": "email", "cause": "other", "subject": "x"},
        )
    assert Case.objects.get(pk=case.pk).subject == "茶叶受潮"


def test_a_stale_version_is_refused_and_changes_nothing(open_case, rep1, personas):
    case = open_case()
    services.update_case(personas["lead_a"], case.pk, {"subject": "新"}, version=case.version)
    with pytest.raises(StaleEdit) as caught:
        services.update_case(rep1, case.pk, {"subject": "旧"}, version=case.version)
    assert caught.value.changes == {"subject": ["新", "旧"]}
    assert caught.value.changed_by == personas["lead_a"]
    assert Case.objects.get(pk=case.pk).subject == "新"
    with pytest.raises(StaleEdit):
        services.close_case(rep1, case.pk, version=case.version)


def test_escalation_goes_up_the_management_line_with_a_task(open_case, personas):
    case = open_case()  # rep1's manager is lead_a
    assert services.escalation_target(case) == personas["lead_a"]
    case = services.escalate_case(personas["rep1"], case.pk, reason="客户要求主管处理")
    assert case.status == CaseStatus.ESCALATED and case.escalated_to == personas["lead_a"]
    assert case.escalated_by == personas["rep1"]
    task = Task.objects.get(assignee=personas["lead_a"], customer=case.customer)
    assert f"#{case.pk}" in task.title and task.description == "客户要求主管处理"
    assert AuditEntry.objects.filter(model="task", object_id=str(task.pk)).exists()


def test_the_job_escalates_overdue_cases_once(open_case, personas):
    due = open_case(priority="urgent")
    not_due = open_case(priority="low")
    resolved = open_case(priority="urgent")
    services.resolve_case(personas["rep1"], resolved.pk, {"resolution": "done"})
    later = timezone.now() + timedelta(hours=5)
    assert services.escalate_overdue(later) == 1
    due.refresh_from_db()
    assert due.status == CaseStatus.ESCALATED and due.escalated_to == personas["lead_a"]
    assert due.escalated_by is None and due.escalated_at == later
    assert Case.objects.get(pk=not_due.pk).status == CaseStatus.OPEN
    assert Case.objects.get(pk=resolved.pk).status == CaseStatus.RESOLVED
    task = Task.objects.get(assignee=personas["lead_a"])
    assert task.created_by is None and f"#{due.pk}" in task.title
    entry = AuditEntry.objects.filter(model="case", object_id=str(due.pk), action="update").get()
    assert entry.actor is None and entry.changes["status"] == ["open", "escalated"]
    assert services.escalate_overdue(later) == 0  # escalated once


@pytest.mark.parametrize(
    ("language", "active", "title", "description"),
    [
        ("en", "zh-hans", "Escalated case #{id}: 茶叶受潮", "The case ran past its service level"),
        ("zh-hans", "en", "已升级工单 #{id}：茶叶受潮", "该工单超过服务时限"),
    ],
)
def test_the_escalation_task_is_in_the_language_of_whom_it_goes_to(
    open_case, personas, language, active, title, description
):
    # given: lead_a (rep1's manager) reads another language than the one active
    set_own_language(personas["lead_a"], language)
    overdue = open_case(priority="urgent")
    by_hand = open_case()

    # when: the job escalates one, rep1 the other (with a reason typed in Chinese)
    with translation.override(active):
        services.escalate_overdue(timezone.now() + timedelta(hours=5))
        services.escalate_case(personas["rep1"], by_hand.pk, reason="客户要求主管处理")

    # then: titles and the job's description in lead_a's language; a typed reason as typed
    tasks = Task.objects.filter(assignee=personas["lead_a"])
    job, hand = (
        tasks.get(title__contains=f"#{overdue.pk}"),
        tasks.get(title__contains=f"#{by_hand.pk}"),
    )
    assert job.title == title.format(id=overdue.pk) and job.description.startswith(description)
    assert hand.title == title.format(id=by_hand.pk) and hand.description == "客户要求主管处理"


def test_the_huey_task_runs_the_job(open_case, personas):
    from guanxi.service.tasks import escalate_overdue_cases

    case = open_case(priority="urgent")
    Case.objects.filter(pk=case.pk).update(sla_due_at=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue_cases.call_local() == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ESCALATED


def test_without_a_manager_the_department_lead_gets_it(personas, customer_of, teams):
    from guanxi.accounts.models import DataScope, Role
    from guanxi.accounts.services import create_user

    lead = create_user(
        "lead_b",
        "demo-pass",
        role=Role.MANAGER,
        data_scope=DataScope.DEPARTMENT,
        department=teams["b"],
    )
    loner = create_user("loner", "demo-pass", department=teams["b"])
    customer = customer_of("rep2")
    customer.owner = loner
    customer.save()
    case = services.open_case(
        loner, customer.pk, {"channel": "visit", "cause": "service_attitude", "subject": "态度"}
    )
    assert services.escalation_target(case) == lead
