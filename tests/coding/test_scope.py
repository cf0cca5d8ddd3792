"""Who may read, change and pull what in the coding workspace (guanxi.accounts.scope)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from guanxi.accounts.scope import get_coding_project_or_404, pullable_reviews
from guanxi.coding import services
from guanxi.coding.models import CodingProject, SourceDocument
from guanxi.dataio.readers import read_table
from guanxi.service.services import open_case
from guanxi.voice.models import Review
from guanxi.voice.services import import_reviews


@pytest.fixture
def team_b_records(personas, customer_of):
    """A complaint and a review of a customer of rep2 (team B), and a review of nobody."""
    rep2 = personas["rep2"]
    customer = customer_of("rep2", name="孙八")
    case = open_case(
        rep2,
        customer.pk,
        {
            "channel": "hotline",
            "cause": "service_attitude",
            "subject": "店员态度差",
            "description": "店员不耐烦",
        },
    )
    body = f"评论,评分,客户编号\n茶叶发霉,1,{customer.pk}\n排队太久,2,\n".encode()
    review_set, _report = import_reviews(rep2, read_table(body, "r.csv"), {"name": "点评"})
    linked, anonymous = review_set.reviews.order_by("row")
    return {"customer": customer, "case": case, "linked": linked, "anonymous": anonymous}


def test_a_rep_of_another_team_cannot_pull_their_complaint_or_review(
    personas, project, team_b_records
):
    # given rep1's own project and team B's records
    rep1 = personas["rep1"]

    # when / then: the complaint and the customer's review are as if absent
    with pytest.raises(Http404):
        services.pull_source(rep1, project, "case", team_b_records["case"].pk)
    with pytest.raises(Http404):
        services.pull_source(rep1, project, "review", team_b_records["linked"].pk)
    assert not SourceDocument.objects.exists()
    # a review linked to no customer is every member's to read, so to pull
    document = services.pull_source(rep1, project, "review", team_b_records["anonymous"].pk)
    assert document.text == "排队太久" and document.customer_id is None


def test_the_owner_of_the_customer_pulls_its_complaint_with_a_link(personas, team_b_records):
    rep2 = personas["rep2"]
    project = services.create_project(rep2, {"title": "服务态度"})
    document = services.pull_source(rep2, project, "case", team_b_records["case"].pk)
    assert document.text == "店员态度差\n\n店员不耐烦"
    assert (document.origin_id, document.customer_id) == (
        team_b_records["case"].pk,
        team_b_records["customer"].pk,
    )


def test_pullable_reviews_are_those_of_no_customer_or_one_in_scope(personas, team_b_records):
    for user, expected in (
        ("rep1", {"排队太久"}),
        ("rep2", {"排队太久", "茶叶发霉"}),
        ("manager", {"排队太久", "茶叶发霉"}),
    ):
        found = pullable_reviews(personas[user], Review.objects.all())
        assert set(found.values_list("text", flat=True)) == expected, user


def test_a_private_project_is_nobody_elses_a_shared_one_is_read_by_all(personas, project):
    qs = CodingProject.objects.all()
    for name in ("rep2", "manager", "viewer", "lead_a"):
        with pytest.raises(Http404):
            get_coding_project_or_404(personas[name], qs, project.pk)
    services.update_project(personas["rep1"], project, {"shared": True})
    for name in ("rep2", "manager", "viewer"):
        assert get_coding_project_or_404(personas[name], qs, project.pk) == project


def test_on_a_shared_project_colleagues_code_only_owner_and_manager_manage(personas, project):
    rep1, rep2, viewer, manager = (personas[n] for n in ("rep1", "rep2", "viewer", "manager"))
    services.update_project(rep1, project, {"shared": True})
    code = services.create_code(rep2, project, {"name": "同事的编码"})
    assert code.project == project
    with pytest.raises(PermissionDenied):
        services.create_code(viewer, project, {"name": "只读"})
    with pytest.raises(PermissionDenied):
        services.update_project(rep2, project, {"title": "HACKED"})
    with pytest.raises(PermissionDenied):
        services.delete_project(rep2, project)
    project.refresh_from_db()
    assert project.title == "为什么老客户不再来"
    services.update_project(manager, project, {"title": "老客户流失"})
    project.refresh_from_db()
    assert project.title == "老客户流失"
