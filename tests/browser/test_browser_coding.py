"""Grounded-theory coding in the browser, at 390 px and in both languages: start a project,
paste an interview note, select a passage with the page's selection (the page script turns
it into the quote and its offsets), code it, make a category, put the code in it, choose the
core category and read the count 1 in the tree. Nothing scrolls sideways. Selectors are
structural, so the test holds in either language."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.coding.models import CodedFragment, CodingProject
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NOTE = (
    "我以前每个月都来买茶。后来客服回复太慢，投诉了两次都没人理。\n"
    "现在我去隔壁那家，价格差不多，但是他们会记得我的口味。"
)
QUOTE = "客服回复太慢"

SELECT = """([quote]) => {
  const root = document.getElementById("doc-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(quote);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + quote.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      root.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
      return true;
    }
  }
  return false;
}"""


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_code_a_fragment_and_see_it_in_the_tree_at_390px(
    transactional_db, live_server, browser, personas, locale
):
    from guanxi.activities.services import add_note
    from guanxi.customers.services import create_customer

    customer = create_customer(personas["rep1"], {"name": "钱七"})
    note = add_note(personas["rep1"], customer, "礼盒包装太简陋，送人没面子，" * 8)
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    url = live_server.url
    try:
        log_in(page, url, "rep1")

        # a project
        page.goto(f"{url}/coding/")
        _no_sideways_scroll(page, "the project list")
        page.click("main a[href='/coding/new/']")
        page.fill("input[name=title]", "为什么老客户不再来")
        page.fill("textarea[name=question]", "老客户为什么流失？")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/coding/*/")
        project = CodingProject.objects.get()

        # a customer note of rep1's, pulled in from the records rep1 may read
        page.goto(f"{url}/coding/{project.pk}/pull/?kind=note")
        _no_sideways_scroll(page, "the pull page")
        page.locator(".coding-candidates li", has_text="包装").locator("button").click()
        page.wait_for_url(f"{url}/coding/{project.pk}/pull/?kind=note")
        expect(page.locator(".coding-candidates li .badge")).to_have_count(1)
        pulled = project.documents.get()
        assert (pulled.kind, pulled.origin_id, pulled.customer_id) == ("note", note.pk, customer.pk)
        page.goto(f"{url}/coding/{project.pk}/")

        # an interview note, pasted
        page.click(f"main a[href='/coding/{project.pk}/documents/new/']")
        page.fill("input[name=title]", "访谈一")
        page.fill("input[name=interviewee]", "客户A")
        page.fill("textarea[name=text]", NOTE)
        _no_sideways_scroll(page, "the interview form")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/coding/documents/*/")
        document = project.documents.get(kind="interview")

        # a typed quote that is not in the text is refused next to the field
        page.fill("#code-form textarea[name=quote]", "从来没说过的话")
        page.fill("#code-form input[name=new_codes]", "回复慢")
        page.click("#code-this")
        expect(page.locator("#code-form .has-error small.error")).to_be_visible()
        assert not CodedFragment.objects.exists()

        # select a passage and code it
        assert page.evaluate(SELECT, [QUOTE])
        expect(page.locator("#code-form textarea[name=quote]")).to_have_value(QUOTE)
        expect(page.locator("#code-form input[name=start]")).to_have_value(str(NOTE.index(QUOTE)))
        page.fill("#code-form input[name=new_codes]", "回复慢")
        _no_sideways_scroll(page, "the coding page")
        page.click("#code-this")
        expect(page.locator("#doc-text mark")).to_have_text(QUOTE)
        expect(page.locator(".fragment .code-badge")).to_have_text("回复慢")
        fragment = CodedFragment.objects.get(document=document)
        start = NOTE.index(QUOTE)
        assert (fragment.start, fragment.end, fragment.quote) == (start, start + 6, QUOTE)
        _no_sideways_scroll(page, "the coded page")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"coding-{locale}.png"), full_page=True)

        # a category, with the code in it
        page.goto(f"{url}/coding/{project.pk}/categories/")
        page.fill("input[name=name]", "服务失误")
        page.click(f"form[action='/coding/{project.pk}/categories/new/'] button[type=submit]")
        page.wait_for_url(f"{url}/coding/{project.pk}/categories/")
        code = fragment.codes.get()
        page.select_option(f"#code-cat-{code.pk}", label="服务失误")
        page.click(f"form[action='/coding/codes/{code.pk}/edit/'] button[type=submit]")
        page.wait_for_url(f"{url}/coding/{project.pk}/categories/")
        expect(page.locator("article.category")).to_contain_text("回复慢")
        _no_sideways_scroll(page, "the axial coding page")

        # the core category and the story line
        page.goto(f"{url}/coding/{project.pk}/core/")
        page.select_option("select[name=core_category]", label="服务失误")
        page.fill("textarea[name=story_line]", "客服回复慢让老客户觉得被忽视，于是转投别家。")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/coding/{project.pk}/tree/")

        # the tree shows the count
        category = page.locator("details.tree-category.core")
        expect(category).to_have_attribute("data-category", "服务失误")
        code_node = category.locator("details.tree-code[data-code='回复慢']")
        expect(code_node.locator("[data-count]")).to_have_text("1")
        code_node.locator("summary").click()
        expect(code_node.locator("q")).to_have_text(QUOTE)
        _no_sideways_scroll(page, "the tree")
        page.screenshot(path=str(SHOTS / f"coding-tree-{locale}.png"), full_page=True)
    finally:
        context.close()
