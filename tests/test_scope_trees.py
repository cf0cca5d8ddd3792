"""Data scope over deeper structures: subordinates at every depth, department trees."""

import pytest

from guanxi.accounts.models import DataScope
from guanxi.accounts.scope import visible_customers
from guanxi.accounts.services import create_department, create_user
from guanxi.customers.services import create_customer

pytestmark = pytest.mark.django_db


def customer(owner, name):
    return create_customer(owner, {"name": name}, owner=owner)


def names(user):
    return set(visible_customers(user).values_list("name", flat=True))


def test_subordinates_at_every_depth_and_nobody_above_or_beside():
    # given a chain director -> head -> lead -> rep (four levels) and a peer beside the head
    hq = create_department("总部")
    director = create_user("director", "x", department=hq, data_scope=DataScope.SUBORDINATES)
    head = create_user(
        "head", "x", department=hq, manager=director, data_scope=DataScope.SUBORDINATES
    )
    peer = create_user("peer", "x", department=hq, manager=director)
    lead = create_user("lead", "x", department=hq, manager=head, data_scope=DataScope.SUBORDINATES)
    rep = create_user("rep", "x", department=hq, manager=lead)
    for user in (director, head, peer, lead, rep):
        customer(user, f"{user.username}-客户")

    # then each sees their own and everything below, at any depth, never above or beside
    assert names(director) == {f"{u}-客户" for u in ("director", "head", "peer", "lead", "rep")}
    assert names(head) == {"head-客户", "lead-客户", "rep-客户"}
    assert names(lead) == {"lead-客户", "rep-客户"}
    # a self-scoped rep sees only their own, even with a department full of others
    assert names(rep) == {"rep-客户"}


def test_department_tree_covers_sub_departments_but_department_does_not():
    # given 华东 with 杭州 below it and 杭州西湖 below that, and 华南 beside 华东
    root = create_department("总部")
    east = create_department("华东", parent=root)
    hangzhou = create_department("杭州", parent=east)
    xihu = create_department("杭州西湖", parent=hangzhou)
    south = create_department("华南", parent=root)
    tree = create_user("east_tree", "x", department=east, data_scope=DataScope.DEPARTMENT_TREE)
    flat = create_user("east_flat", "x", department=east, data_scope=DataScope.DEPARTMENT)
    mid = create_user("hz_tree", "x", department=hangzhou, data_scope=DataScope.DEPARTMENT_TREE)
    for department, label in ((east, "东"), (hangzhou, "杭"), (xihu, "湖"), (south, "南")):
        owner = create_user(f"rep_{label}", "x", department=department)
        customer(owner, f"{label}-客户")

    # then the tree scope reaches every level below, the department scope only its own level
    assert names(tree) == {"东-客户", "杭-客户", "湖-客户"}
    assert names(flat) == {"东-客户"}
    assert names(mid) == {"杭-客户", "湖-客户"}


def test_a_customer_follows_its_team_when_the_owner_moves():
    # given a rep in 华东 who owns a customer, seen by a department-scoped colleague
    east, south = create_department("华东"), create_department("华南")
    rep = create_user("mover", "x", department=east)
    colleague = create_user("colleague", "x", department=east, data_scope=DataScope.DEPARTMENT)
    customer(rep, "跟随-客户")
    assert "跟随-客户" in names(colleague)
    # a customer records the team it was created in: moving the rep does not move it silently
    rep.profile.department = south
    rep.profile.save()
    assert "跟随-客户" in names(colleague)
    # and the rep still sees their own customer wherever they are
    assert names(rep) == {"跟随-客户"}
