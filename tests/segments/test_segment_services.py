"""Segments: criteria checked by the customer list's own form, members in the viewer's scope,
snapshots with their size, value and membership history."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from guanxi.audit.models import AuditEntry
from guanxi.customers.services import update_customer
from guanxi.scoring.models import RunStatus, ScoringRun
from guanxi.segments import services
from guanxi.segments.models import Segment, SegmentMembership, SegmentSnapshot


def names(qs):
    return sorted(c.name for c in qs)


@pytest.fixture
def dept_a(teams, personas):
    """A writing colleague of team A with a department scope (which covers colleagues)."""
    from guanxi.accounts.models import DataScope
    from guanxi.accounts.services import create_user

    return create_user(
        "dept_a", "demo-pass", department=teams["a"], data_scope=DataScope.DEPARTMENT
    )


def test_criteria_are_the_customer_lists_filters(rep1):
    # when
    segment = services.create_segment(
        rep1, {"name": "上海 A 类", "params": {"level": "A", "city": "上海", "page": "3"}}
    )

    # then the pager's position is no criterion, the rest is stored as given
    assert segment.params == {"city": "上海", "level": "A"}
    assert segment.created_by == rep1 and not segment.shared


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "params"),  # not a filter of the list
        ({"level": "Z"}, "level"),  # not a level
        ({"last_order_from": "2024-02-30"}, "last_order_from"),  # not a date
        ({"created_from": "2024-05-01", "created_to": "2024-04-01"}, "created_to"),
        ({"level": ["A", "B"]}, "level"),  # one value per filter
    ],
)
def test_criteria_the_list_would_refuse_are_refused(rep1, params, field):
    with pytest.raises(ValidationError) as caught:
        services.create_segment(rep1, {"name": "坏条件", "params": params})
    assert field in caught.value.message_dict
    assert not Segment.objects.exists()


def test_a_name_is_needed_and_unique_per_creator(rep1, rep2):
    services.create_segment(rep1, {"name": "重点客户", "params": {}})
    with pytest.raises(ValidationError) as caught:
        services.create_segment(rep1, {"name": "重点客户", "params": {}})
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.create_segment(rep1, {"name": "  ", "params": {}})
    # another user may use the same name
    assert services.create_segment(rep2, {"name": "重点客户", "params": {}}).pk


def test_members_are_found_in_the_viewers_scope_never_the_creators(
    personas, customer_of, rep1, rep2, manager
):
    # given A customers of both teams and a shared segment of team A's lead
    customer_of("rep1", name="甲一", level="A")
    customer_of("rep1", name="甲二", level="B")
    customer_of("rep2", name="乙一", level="A")
    segment = services.create_segment(
        personas["lead_a"], {"name": "A 类", "params": {"level": "A"}, "shared": True}
    )

    # then each viewer sees the segment's customers of their own scope
    assert names(services.members(rep1, segment)) == ["甲一"]
    assert names(services.members(rep2, segment)) == ["乙一"]
    assert names(services.members(manager, segment)) == ["乙一", "甲一"]
    assert names(services.members(personas["viewer"], segment)) == ["甲一"]


def test_criteria_that_no_longer_validate_match_nobody(rep1, customer_of):
    customer_of("rep1", name="甲一", level="A")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    Segment.objects.filter(pk=segment.pk).update(params={"level": "gone"})
    segment.refresh_from_db()
    assert not services.is_valid(segment)
    assert list(services.members(rep1, segment)) == []


def test_who_may_change_a_segment(rep1, rep2, manager, personas, dept_a):
    private = services.create_segment(rep1, {"name": "私有", "params": {}})
    # shared by a department-scope colleague of team A (a department scope covers colleagues)
    shared = services.create_segment(dept_a, {"name": "共享", "params": {}, "shared": True})

    # a private segment is nobody else's business: 404, even for a manager
    for user in (rep2, manager):
        with pytest.raises(Http404):
            services.update_segment(user, private.pk, {"name": "改"})
    # a shared one: others see it, only its creator or a manager change it
    with pytest.raises(PermissionDenied):
        services.update_segment(rep2, shared.pk, {"name": "改"})
    with pytest.raises(PermissionDenied):
        services.delete_segment(personas["lead_a"], shared.pk)
    assert services.update_segment(manager, shared.pk, {"name": "经理改"}).name == "经理改"
    services.delete_segment(rep1, private.pk)
    assert list(Segment.objects.values_list("name", flat=True)) == ["经理改"]


def test_writes_are_audited(rep1):
    segment = services.create_segment(rep1, {"name": "审计", "params": {"level": "A"}})
    services.update_segment(rep1, segment.pk, {"params": {"level": "B"}})
    services.delete_segment(rep1, segment.pk)
    entries = AuditEntry.objects.filter(model="segment", object_id=str(segment.pk))
    actions = sorted(entries.values_list("action", flat=True))
    assert actions == ["create", "delete", "update"]
    update = entries.get(action="update")
    assert update.changes == {"params": [{"level": "A"}, {"level": "B"}]}
    assert all(e.actor_id == rep1.pk for e in entries)


def test_membership_history_across_two_snapshots(rep1, rep2, customer_of, scored):
    # given three A customers of two teams, scored
    a1 = customer_of("rep1", name="甲一", level="A")
    a2 = customer_of("rep1", name="甲二", level="A")
    b1 = customer_of("rep2", name="乙一", level="A")
    scored(a1, monetary="100.50", clv="300")
    scored(a2, monetary="20", clv=None)
    scored(b1, monetary="7", clv="10")
    segment = services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    first_at = timezone.now() - timedelta(days=3)

    # when the first snapshot finds all three (the whole base, not the creator's scope)
    first = services.take_snapshot(segment, at=first_at, actor=rep1)

    # then
    assert (first.size, first.entered, first.left) == (3, 3, 0)
    assert str(first.revenue) == "127.50" and str(first.clv_predicted) == "310.00"

    # when a2 becomes a B customer and a new A customer appears, and a second snapshot runs
    update_customer(rep1, a2, {"level": "B"})
    a3 = customer_of("rep1", name="甲三", level="A")
    second_at = timezone.now()
    second = services.take_snapshot(segment, at=second_at, actor=rep1)

    # then a2 left at the second snapshot, a3 entered then, the others stayed
    assert (second.size, second.entered, second.left) == (3, 1, 1)
    stays = {
        m.customer_id: (m.entered_at, m.left_at)
        for m in SegmentMembership.objects.filter(segment=segment)
    }
    assert stays == {
        a1.pk: (first_at, None),
        a2.pk: (first_at, second_at),
        b1.pk: (first_at, None),
        a3.pk: (second_at, None),
    }
    # when a2 comes back, a new stay begins (the old one stays closed)
    update_customer(rep1, a2, {"level": "A"})
    third = services.take_snapshot(segment, actor=rep1)
    assert (third.entered, third.left) == (1, 0)
    assert SegmentMembership.objects.filter(segment=segment, customer=a2).count() == 2


def test_snapshots_after_a_run_are_taken_once(rep1, customer_of, scored):
    customer_of("rep1", name="甲一", level="A")
    services.create_segment(rep1, {"name": "A 类", "params": {"level": "A"}})
    services.create_segment(rep1, {"name": "全部", "params": {}})

    assert services.snapshot_after_run(scored.run.pk) == 2
    assert services.snapshot_after_run(scored.run.pk) == 0
    assert set(SegmentSnapshot.objects.values_list("trigger", "run_id")) == {
        ("scoring", scored.run.pk)
    }
    # a run that did not succeed takes none
    failed = ScoringRun.objects.create(status=RunStatus.FAILED, trigger="command")
    assert services.snapshot_after_run(failed.pk) == 0


def test_the_hourly_job_catches_a_missed_run_and_keeps_snapshots_daily(rep1, customer_of, scored):
    segment = services.create_segment(rep1, {"name": "全部", "params": {}})

    # a succeeded run without snapshots: they are taken for it
    assert services.catch_up() == 1
    assert segment.snapshots.get().run_id == scored.run.pk
    # within the day nothing more
    assert services.catch_up() == 0
    # a day later a daily one
    assert services.catch_up(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert segment.snapshots.order_by("-taken_at").first().trigger == "daily"


def test_the_huey_tasks_run_the_services(rep1, customer_of, scored):
    from huey.contrib.djhuey import HUEY

    from guanxi.segments.tasks import hourly_segment_snapshots, snapshots_after_run

    services.create_segment(rep1, {"name": "全部", "params": {}})
    HUEY.immediate = True
    try:
        snapshots_after_run(scored.run.pk)
        hourly_segment_snapshots()
    finally:
        HUEY.immediate = False
    assert SegmentSnapshot.objects.filter(run=scored.run).count() == 1


def test_a_succeeded_run_queues_snapshots_when_it_commits(
    rep1, customer_of, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    services.create_segment(rep1, {"name": "全部", "params": {}})
    run = ScoringRun.objects.create(status=RunStatus.RUNNING, trigger="command")
    HUEY.immediate = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            run.status = RunStatus.SUCCEEDED
            run.save()
    finally:
        HUEY.immediate = False
    assert len(callbacks) == 1
    assert SegmentSnapshot.objects.filter(run=run, trigger="scoring").count() == 1


def test_deleting_a_segment_audits_its_snapshots_once(rep1, customer_of):
    customer_of("rep1", name="甲一")
    segment = services.create_segment(rep1, {"name": "全部", "params": {}})
    shot = services.take_snapshot(segment, actor=rep1)
    services.delete_segment(rep1, segment.pk)
    gone = AuditEntry.objects.filter(action="delete")
    assert sorted(gone.values_list("model", "object_id")) == [
        ("segment", str(segment.pk)),
        ("segmentsnapshot", str(shot.pk)),
    ]
    assert gone.get(model="segment").changes["memberships"] == [1, 0]
    assert not SegmentMembership.objects.exists()


def test_only_a_scope_covering_colleagues_shares_with_everyone(personas, rep1, dept_a):
    # a rep (self scope) may not: nothing is created, nothing changes
    # read in English whatever an earlier test left active (run alone, the site's Chinese is)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.create_segment(rep1, {"name": "全公司", "params": {}, "shared": True})
    with translation.override("en"):
        assert "covers colleagues" in str(refused.value)
    assert not Segment.objects.exists()
    mine = services.create_segment(rep1, {"name": "我的", "params": {"level": "A"}})
    with pytest.raises(PermissionDenied):
        services.update_segment(rep1, mine.pk, {"shared": True, "params": {"level": "B"}})
    mine.refresh_from_db()
    assert not mine.shared and mine.params == {"level": "A"}
    assert not AuditEntry.objects.filter(model="segment", action="update").exists()

    # a lead, a manager and a department-scope colleague may
    for user in (personas["lead_a"], personas["manager"], dept_a):
        made = services.create_segment(user, {"name": user.username, "params": {}, "shared": True})
        assert made.shared, user.username
    # (the read-only role saves no segment at all: test_segment_read_only.py)

    # a rep's segment shared before the rule: it can be unshared, and changed without sharing
    Segment.objects.filter(pk=mine.pk).update(shared=True)
    assert services.update_segment(rep1, mine.pk, {"name": "改名"}).shared
    assert not services.update_segment(rep1, mine.pk, {"shared": False}).shared


def test_kind_is_a_criterion_as_the_lists_other_filters(customer_of, rep1):
    """The list's Kind menu saves with a segment, reads in the user's language and picks the
    firms only."""
    customer_of("rep1", name="甲公司", kind="organisation")
    customer_of("rep1", name="乙先生")
    segment = services.create_segment(
        rep1, {"name": "企业客户", "params": {"kind": "organisation"}}
    )
    assert names(services.members(rep1, segment)) == ["甲公司"]
    with translation.override("zh-hans"):
        assert services.describe(segment.params) == [("类型", "组织")]
    with pytest.raises(ValidationError):
        services.create_segment(rep1, {"name": "坏", "params": {"kind": "robot"}})
