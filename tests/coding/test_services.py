"""Open, axial and selective coding through the services: what is checked, what is counted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from guanxi.audit.models import AuditEntry
from guanxi.coding import queries, services
from guanxi.coding.models import CodedFragment, OpenCode

from .conftest import INTERVIEW


def _span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def test_a_selection_is_coded_with_a_new_and_an_existing_code(personas, interview):
    # given
    rep1 = personas["rep1"]
    existing = services.create_code(rep1, interview.project, {"name": "服务响应", "memo": "慢或快"})
    start, end = _span(INTERVIEW, "客服回复太慢")

    # when
    fragment = services.code_fragment(
        rep1,
        interview,
        {
            "start": start,
            "end": end,
            "quote": "客服回复太慢",
            "codes": [existing.pk],
            "new_codes": "回复慢，被忽视",
        },
    )

    # then
    assert (fragment.start, fragment.end) == (start, end)
    assert sorted(fragment.codes.values_list("name", flat=True)) == ["回复慢", "服务响应", "被忽视"]
    counts = {c.name: c.n_fragments for c in queries.code_counts(interview.project)}
    assert counts == {"服务响应": 1, "回复慢": 1, "被忽视": 1}
    entry = AuditEntry.objects.get(model="codedfragment", object_id=str(fragment.pk))
    assert entry.actor == rep1 and entry.changes["start"] == [None, start]


def test_the_typed_quote_is_found_in_the_text(personas, interview):
    fragment = services.code_fragment(
        personas["rep1"], interview, {"quote": "  记得我的口味 ", "new_codes": ["被记住"]}
    )
    assert INTERVIEW[fragment.start : fragment.end] == "记得我的口味"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quote": "从来没有说过的话"}, "quote"),  # not in the text
        ({"start": 0, "end": 3, "quote": "以前每"}, "quote"),  # not the text at 0..3
        ({"start": 5, "end": 5, "quote": "x"}, "start"),  # empty span
        ({"start": 0, "end": len(INTERVIEW) + 1, "quote": INTERVIEW}, "start"),  # beyond the end
        ({"start": 2, "quote": "每个"}, "start"),  # one offset only
        ({"start": 3, "end": 5, "quote": "每个", "new_codes": " ,， "}, "codes"),  # no code
    ],
)
def test_a_fragment_outside_or_unlike_the_text_is_refused(personas, interview, data, field):
    data = {"new_codes": "某码", **data}
    with pytest.raises(ValidationError) as refused:
        services.code_fragment(personas["rep1"], interview, data)
    assert field in refused.value.message_dict
    assert not CodedFragment.objects.exists() and not OpenCode.objects.exists()


def test_code_names_are_unique_per_project_ignoring_case_and_spaces(personas, project):
    rep1 = personas["rep1"]
    services.create_code(rep1, project, {"name": "Slow reply"})
    with pytest.raises(ValidationError) as refused:
        services.create_code(rep1, project, {"name": "  slow   REPLY "})
    assert "name" in refused.value.message_dict
    other = services.create_project(rep1, {"title": "另一个项目"})
    assert services.create_code(rep1, other, {"name": "slow reply"}).name == "slow reply"


def test_a_new_code_typed_like_an_existing_one_is_that_code(personas, interview):
    rep1 = personas["rep1"]
    code = services.create_code(rep1, interview.project, {"name": "Price"})
    fragment = services.code_fragment(
        rep1, interview, {"quote": "价格差不多", "new_codes": " price "}
    )
    assert list(fragment.codes.all()) == [code]
    assert OpenCode.objects.count() == 1


def test_a_relation_never_relates_a_category_to_itself(personas, project):
    rep1 = personas["rep1"]
    trust = services.create_category(rep1, project, {"name": "信任流失"})
    service = services.create_category(rep1, project, {"name": "服务失误"})
    with pytest.raises(ValidationError) as refused:
        services.add_relation(
            rep1, project, {"source": trust.pk, "target": trust.pk, "kind": "cause"}
        )
    assert "target" in refused.value.message_dict
    relation = services.add_relation(
        rep1,
        project,
        {"source": service.pk, "target": trust.pk, "kind": "cause", "note": "慢回复导致"},
    )
    with translation.override("en"):
        assert relation.get_kind_display() == "Causal condition"
    with translation.override("zh-hans"):
        assert relation.get_kind_display() == "因果条件"


def test_the_core_category_must_be_the_projects_own(personas, project):
    rep1 = personas["rep1"]
    other = services.create_project(rep1, {"title": "别的项目"})
    foreign = services.create_category(rep1, other, {"name": "外来"})
    with pytest.raises(ValidationError) as refused:
        services.set_core(rep1, project, {"core_category": foreign.pk, "story_line": "……"})
    assert "core_category" in refused.value.message_dict
    project.refresh_from_db()
    assert project.core_category_id is None and project.story_line == ""


def test_the_tree_counts_fragments_per_code_and_codes_and_fragments_per_category(
    personas, interview
):
    # given two fragments, one with two codes of the same category
    rep1 = personas["rep1"]
    project = interview.project
    category = services.create_category(rep1, project, {"name": "服务失误"})
    services.add_property(
        rep1, category, {"name": "响应速度", "dimension_from": "快", "dimension_to": "慢"}
    )
    slow = services.code_fragment(
        rep1, interview, {"quote": "客服回复太慢", "new_codes": "回复慢，服务差"}
    )
    services.code_fragment(rep1, interview, {"quote": "没人理", "new_codes": "服务差"})
    for code in slow.codes.all():
        services.update_code(rep1, code, {"category": category.pk})
    services.create_code(rep1, project, {"name": "价格"})
    services.set_core(
        rep1, project, {"core_category": category.pk, "story_line": "服务失误导致流失。"}
    )

    # when
    project.refresh_from_db()
    tree = queries.tree(project)

    # then
    [cat] = tree["categories"]
    assert cat["core"] is True
    assert (cat["code_count"], cat["fragment_count"]) == (2, 2)
    assert {c["name"]: c["count"] for c in cat["codes"]} == {"回复慢": 1, "服务差": 2}
    assert cat["properties"] == [{"name": "响应速度", "from": "快", "to": "慢"}]
    assert [c["name"] for c in tree["uncategorised"]] == ["价格"]
    assert tree["counts"] == {"documents": 1, "fragments": 2, "codes": 3, "categories": 1}


def test_deleting_a_category_keeps_its_codes_and_unsets_the_core(personas, project):
    rep1 = personas["rep1"]
    category = services.create_category(rep1, project, {"name": "流失"})
    code = services.create_code(rep1, project, {"name": "转投竞品", "category": category.pk})
    services.set_core(rep1, project, {"core_category": category.pk})
    services.delete_category(rep1, category)
    code.refresh_from_db()
    project.refresh_from_db()
    assert code.category_id is None and project.core_category_id is None


def test_a_read_only_user_codes_nothing(personas, project):
    services.update_project(personas["rep1"], project, {"shared": True})
    with pytest.raises(PermissionDenied):
        services.create_code(personas["viewer"], project, {"name": "读者"})
    assert not OpenCode.objects.exists()


def test_erasing_the_customer_blanks_the_copies_of_their_records(personas, customer_of):
    from guanxi.activities.services import add_note
    from guanxi.privacy.services import erase_customer, export_personal_data

    rep1, manager = personas["rep1"], personas["manager"]
    customer = customer_of("rep1", name="钱七", mobile="13800138007")
    note = add_note(rep1, customer, "钱七说：包装太简陋，送人没面子。")
    project = services.create_project(rep1, {"title": "包装"})
    document = services.pull_source(rep1, project, "note", note.pk)
    fragment = services.code_fragment(rep1, document, {"quote": "包装太简陋", "new_codes": "包装"})
    assert export_personal_data(customer)["coding_documents"][0]["fragments"] == ["包装太简陋"]

    erase_customer(manager, customer)

    document.refresh_from_db()
    fragment.refresh_from_db()
    assert document.text == "—" and document.title == "—" and document.erased_at is not None
    assert fragment.quote == "—"
    assert OpenCode.objects.get(name="包装").fragments.count() == 1  # the count stays
    with pytest.raises(ValidationError):
        services.code_fragment(rep1, document, {"quote": "—", "new_codes": "x"})


def test_on_a_shared_project_colleagues_code_but_the_conclusion_is_the_owners(personas, project):
    services.update_project(personas["rep1"], project, {"shared": True})
    category = services.create_category(personas["rep2"], project, {"name": "服务"})  # coding
    with pytest.raises(PermissionDenied):
        services.set_core(personas["rep2"], project, {"story_line": "改写"})
    services.set_core(
        personas["rep1"], project, {"core_category": category.pk, "story_line": "故事"}
    )
    project.refresh_from_db()
    assert (project.core_category_id, project.story_line) == (category.pk, "故事")
