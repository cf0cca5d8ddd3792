"""The manager's notice on the home page: the contracts submitted for their approval (not their
own, within their own scope), linked to the contract list filtered to exactly those."""

import re

from django.test import Client
from django.utils import translation

from guanxi.accounts.models import DataScope, Role
from guanxi.accounts.services import create_user
from guanxi.contracts import queries, services
from guanxi.workspace.home import approvals_waiting


def login(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _submitted(owner, customer, product):
    quote = services.create_quote(owner, customer, {}, [{"product": product}])
    contract = services.accept_quote(owner, quote)
    return services.change_contract_status(owner, contract, "submit")


def _contracts(rep1, rep2, manager, customer_of, product):
    team_a = _submitted(rep1, customer_of("rep1", name="华东客户"), product)
    team_b = _submitted(rep2, customer_of("rep2", name="华南客户"), product)
    own = _submitted(manager, customer_of("manager", name="经理自己的客户"), product)
    draft = services.accept_quote(
        rep1,
        services.create_quote(
            rep1, customer_of("rep1", name="草稿客户"), {}, [{"product": product}]
        ),
    )
    return team_a, team_b, own, draft


def test_a_manager_awaits_the_submitted_contracts_of_others_in_scope(
    rep1, rep2, manager, teams, customer_of, product
):
    team_a, team_b, own, draft = _contracts(rep1, rep2, manager, customer_of, product)
    south = create_user(
        "south_boss",
        "demo-pass",
        display_name="南区经理",
        role=Role.MANAGER,
        data_scope=DataScope.DEPARTMENT,
        department=teams["b"],
    )
    # the manager's own contract waits for another manager; a draft waits for nobody
    assert set(queries.awaiting_approval_by(manager)) == {team_a, team_b}
    assert set(queries.awaiting_approval_by(south)) == {team_b}  # team B's only
    assert approvals_waiting(south)["n"] == 1


def test_reps_and_leads_have_nothing_to_approve(
    rep1, rep2, manager, personas, customer_of, product
):
    _contracts(rep1, rep2, manager, customer_of, product)
    assert approvals_waiting(rep1) is None
    assert approvals_waiting(personas["lead_a"]) is None  # a lead, but not a manager
    assert not queries.awaiting_approval_by(personas["lead_a"]).exists()


def test_the_count_is_one_query(
    rep1, rep2, manager, customer_of, product, django_assert_num_queries
):
    _contracts(rep1, rep2, manager, customer_of, product)
    approvals_waiting(manager)  # the profile is read once per request
    with django_assert_num_queries(1):
        assert approvals_waiting(manager)["n"] == 2


def test_the_home_notice_links_to_the_list_of_exactly_those(
    rep1, rep2, manager, customer_of, product
):
    team_a, team_b, own, draft = _contracts(rep1, rep2, manager, customer_of, product)
    boss = login(manager)
    with translation.override("en"):
        home = boss.get("/").content.decode()
    assert "2 contracts wait for your approval" in home
    assert 'href="/contracts/?status=pending&amp;awaiting=me"' in home
    listed = boss.get("/contracts/?status=pending&awaiting=me").content.decode()
    assert team_a.number in listed and team_b.number in listed
    assert own.number not in listed and draft.number not in listed
    assert "Waiting for your approval" in listed
    # without the filter the manager's own submitted contract is listed too
    assert own.number in boss.get("/contracts/?status=pending").content.decode()


def test_the_notice_in_chinese(rep1, rep2, manager, customer_of, product):
    _contracts(rep1, rep2, manager, customer_of, product)
    assert "2 份合同等待您审批" in login(manager, "zh-hans").get("/").content.decode()


def test_a_rep_sees_no_notice_and_the_filter_lists_nothing_for_them(
    rep1, rep2, manager, customer_of, product
):
    team_a, *_ = _contracts(rep1, rep2, manager, customer_of, product)
    rep = login(rep1)
    assert "wait for your approval" not in rep.get("/").content.decode()
    assert team_a.number not in rep.get("/contracts/?awaiting=me").content.decode()


def _heading_and_rows(page: str) -> tuple[int, int]:
    count = re.search(r'id="pending-count" data-count="(\d+)"', page)
    rows = re.findall(r'<td><a href="/contracts/\d+/">', page)
    return (int(count.group(1)) if count else 0), len(rows)


def test_the_list_heading_counts_the_rows_it_lists_and_the_home_number(
    rep1, rep2, manager, customer_of, product
):
    """Given three pending contracts the manager sees, one their own (which another manager
    approves): "awaiting=me" counts and lists two, as the home page says; the plain pending
    list counts and lists all three."""
    team_a, team_b, own, draft = _contracts(rep1, rep2, manager, customer_of, product)
    boss = login(manager)
    with translation.override("en"):
        mine = boss.get("/contracts/?status=pending&awaiting=me").content.decode()
        every = boss.get("/contracts/?status=pending").content.decode()
        unfiltered_mine = boss.get("/contracts/?awaiting=me").content.decode()
    assert _heading_and_rows(mine) == (2, 2) == (approvals_waiting(manager)["n"],) * 2
    assert "2 contracts wait for your approval" in mine
    assert 'href="?status=pending&amp;awaiting=me" id="pending-count"' in mine
    assert _heading_and_rows(every) == (3, 3)
    assert "3 contracts await approval" in every
    assert _heading_and_rows(unfiltered_mine) == (2, 2)
