"""The coding pages as the owner uses them, and the exports of the tree."""

import io
import json

from django.test import Client
from openpyxl import load_workbook

from guanxi.coding import services
from guanxi.coding.models import CodedFragment

from .conftest import INTERVIEW


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_coding_a_selection_with_htmx_swaps_the_panel(personas, interview):
    client = login(personas["rep1"])
    start = INTERVIEW.index("没人理")
    response = client.post(
        f"/coding/documents/{interview.pk}/code/",
        {"quote": "没人理", "start": start, "end": start + 3, "new_codes": "被忽视"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="coding-panel"')
    assert '<mark data-fragments="' in body and ">没人理</mark>" in body
    assert CodedFragment.objects.get().codes.get().name == "被忽视"


def test_a_quote_not_in_the_text_is_shown_next_to_the_field(personas, interview):
    client = login(personas["rep1"])
    response = client.post(
        f"/coding/documents/{interview.pk}/code/", {"quote": "不存在的话", "new_codes": "x"}
    )
    assert response.status_code == 422
    assert "资料中没有这段引文：请一字不差地复制。" in response.content.decode()
    assert not CodedFragment.objects.exists()


def test_every_page_of_a_coded_project_renders(personas, interview):
    rep1 = personas["rep1"]
    project = interview.project
    category = services.create_category(rep1, project, {"name": "服务失误"})
    fragment = services.code_fragment(
        rep1, interview, {"quote": "客服回复太慢", "new_codes": "回复慢"}
    )
    code = fragment.codes.get()
    services.update_code(rep1, code, {"category": category.pk})
    services.set_core(rep1, project, {"core_category": category.pk, "story_line": "故事线"})
    client = login(rep1)
    for url in (
        "/coding/",
        f"/coding/{project.pk}/",
        f"/coding/{project.pk}/edit/",
        f"/coding/{project.pk}/documents/new/",
        f"/coding/{project.pk}/pull/",
        f"/coding/{project.pk}/pull/?kind=review",
        f"/coding/{project.pk}/categories/",
        f"/coding/{project.pk}/core/",
        f"/coding/{project.pk}/tree/",
        f"/coding/documents/{interview.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    tree = client.get(f"/coding/{project.pk}/tree/").content.decode()
    assert 'data-code="回复慢"' in tree and '<span class="badge" data-count>1</span>' in tree


def test_the_tree_exports_as_json_xlsx_and_markdown(personas, interview):
    rep1 = personas["rep1"]
    project = interview.project
    category = services.create_category(rep1, project, {"name": "服务失误"})
    fragment = services.code_fragment(
        rep1, interview, {"quote": "客服回复太慢", "new_codes": "回复慢"}
    )
    services.update_code(rep1, fragment.codes.get(), {"category": category.pk})
    services.set_core(rep1, project, {"core_category": category.pk})
    client = login(rep1)

    as_json = json.loads(client.get(f"/coding/{project.pk}/export.json").content)
    assert as_json["categories"][0]["codes"][0]["fragments"][0]["quote"] == "客服回复太慢"

    sheet = load_workbook(
        io.BytesIO(client.get(f"/coding/{project.pk}/export.xlsx").content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:3] == ("服务失误", 1) and rows[1][5:8] == ("回复慢", 1, "客服回复太慢")

    markdown = client.get(f"/coding/{project.pk}/export.md").content.decode()
    assert "  - 回复慢 (1)\n    - “客服回复太慢” — 访谈一" in markdown
    assert client.get(f"/coding/{project.pk}/export.exe").status_code == 404


def test_properties_and_relation_notes_are_joined_by_the_languages_colon(personas, project):
    """属性：响应速度 and 服务失误 — 因果条件 → 信任流失：慢回复导致 on the pages and in the
    Markdown export; the English colon in English."""
    rep1 = personas["rep1"]
    service = services.create_category(rep1, project, {"name": "服务失误"})
    trust = services.create_category(rep1, project, {"name": "信任流失"})
    services.add_property(
        rep1, service, {"name": "响应速度", "dimension_from": "快", "dimension_to": "慢"}
    )
    services.add_relation(
        rep1,
        project,
        {"source": service.pk, "target": trust.pk, "kind": "cause", "note": "慢回复导致"},
    )
    zh, en = Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), Client(HTTP_ACCEPT_LANGUAGE="en")
    zh.force_login(rep1)
    en.force_login(rep1)

    tree = zh.get(f"/coding/{project.pk}/tree/").content.decode()
    assert "<li>属性：响应速度 (快 … 慢)</li>" in tree
    assert "因果条件 → 信任流失：慢回复导致</li>" in tree
    axial = zh.get(f"/coding/{project.pk}/categories/").content.decode()
    assert "<li>响应速度：快 … 慢" in axial
    assert "→ <strong>信任流失：</strong>慢回复导致" in axial
    markdown = zh.get(f"/coding/{project.pk}/export.md").content.decode()
    assert "  - 属性：响应速度 (快 … 慢)\n" in markdown
    assert "  - 因果条件 → 信任流失：慢回复导致\n" in markdown

    tree = en.get(f"/coding/{project.pk}/tree/").content.decode()
    assert "<li>Property: 响应速度 (快 … 慢)</li>" in tree
    assert "Causal condition → 信任流失: 慢回复导致</li>" in tree
    axial = en.get(f"/coding/{project.pk}/categories/").content.decode()
    assert "<li>响应速度: 快 … 慢" in axial
    assert "→ <strong>信任流失: </strong>慢回复导致" in axial
    markdown = en.get(f"/coding/{project.pk}/export.md").content.decode()
    assert "  - Property: 响应速度 (快 … 慢)\n" in markdown
    assert "  - Causal condition → 信任流失: 慢回复导致\n" in markdown


def test_the_tree_page_costs_no_more_queries_with_more_codes(personas, interview):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rep1, project = personas["rep1"], interview.project
    client = login(rep1)
    category = services.create_category(rep1, project, {"name": "范畴"})

    def queries_for_tree() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/coding/{project.pk}/tree/").status_code == 200
        return len(captured)

    services.code_fragment(rep1, interview, {"quote": INTERVIEW[:2], "new_codes": "码"})
    few = queries_for_tree()
    for i in range(2, 12):
        fragment = services.code_fragment(
            rep1, interview, {"quote": INTERVIEW[i : i + 2], "new_codes": f"码{i}"}
        )
        services.update_code(rep1, fragment.codes.get(), {"category": category.pk})
    assert queries_for_tree() == few


def test_a_code_and_a_category_are_renamed_from_their_pages(personas, project):
    rep1 = personas["rep1"]
    code = services.create_code(rep1, project, {"name": "慢"})
    category = services.create_category(rep1, project, {"name": "服务"})
    client = login(rep1)
    client.post(f"/coding/codes/{code.pk}/edit/", {"name": "回复慢", "memo": "客服", "version": 1})
    client.post(f"/coding/categories/{category.pk}/edit/", {"name": "服务失误", "version": 1})
    stale = client.post(f"/coding/categories/{category.pk}/edit/", {"name": "旧", "version": 1})
    code.refresh_from_db()
    category.refresh_from_db()
    assert (code.name, code.memo, category.name) == ("回复慢", "客服", "服务失误")
    assert stale.status_code == 302  # back to the page, with the message "changed meanwhile"
