"""At 390 × 844 (a phone), in both languages: no page scrolls sideways, the navigation folds,
lists are cards, the 360 timeline comes before the profile, phones are tel: links, and saving
or marking a task done confirms it (with Undo). Screenshots go to var/screenshots/ (ignored)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from guanxi.customers.services import create_contact, update_customer
from guanxi.sales.services import create_order
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WORDS = {
    "zh-CN": {
        "menu": "菜单",
        "customers": "客户",
        "task_saved": "任务已保存。",
        "done": "已标记为完成",
        "undo": "撤销",
        "open_again": "重新打开",
        "save_task": "保存任务",
        "mark_done": "标记完成",
    },
    "en-US": {
        "menu": "Menu",
        "customers": "Customers",
        "task_saved": "Task saved.",
        "done": "marked done",
        "undo": "Undo",
        "open_again": "is open again",
        "save_task": "Save task",
        "mark_done": "Mark done",
    },
}


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at {PHONE['width']} px"


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_as(username: str, locale: str):
        context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        _no_sideways_scroll(page, "the login page")
        # signed out, the languages show as they are: no "☰ Menu" to guess (new-user review)
        for language in ("简体中文", "English"):
            expect(page.get_by_role("button", name=language)).to_be_visible()
        expect(page.locator("summary", has_text="Menu")).to_have_count(0)
        log_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale", list(WORDS))
def test_phone_list_360_and_form(
    transactional_db, live_server, phone, customer_of, product, rep1, locale
):
    words = WORDS[locale]
    SHOTS.mkdir(parents=True, exist_ok=True)
    customer = customer_of(
        "rep1",
        name="欧阳娜娜",
        mobile="13800138000",
        phone="02161234567",
        email="nana.ouyang.long.address@example.com",
        city="杭州市",
        street="西湖区文三路 478 号华星时代广场 A 座 1201 室",
        level="A",
        tags=["VIP", "茶友"],
        delivery_address="浙江省杭州市西湖区文三路 478 号华星时代广场 A 座 1201 室（前台代收）",
        registered_at="2024-03-05T14:30:00+08:00",
    )
    customer_of("rep1", name="张三", mobile="+14155552671")
    organisation = customer_of(
        "rep1", name="杭州西湖龙井茶业有限公司", kind="organisation", category="company"
    )
    create_contact(
        rep1, organisation, {"name": "王采购", "title": "采购经理", "mobile": "13900139000"}
    )
    page = phone("rep1", locale)
    url = live_server.url
    page.goto(f"{url}/customers/")  # login lands on the home dashboard

    # the list: cards, tel: links in the Chinese reading, the navigation folded
    _no_sideways_scroll(page, "the customer list")
    menu = page.locator("#nav-menu")
    links = page.locator("#nav-menu .nav-links")
    expect(links).to_be_hidden()
    expect(menu.locator("> summary")).to_contain_text(words["menu"])
    page.screenshot(path=str(SHOTS / f"list-{locale}.png"), full_page=True)
    tel = page.locator("#results a[href='tel:+8613800138000']")
    expect(tel).to_have_text("138 0013 8000")
    expect(page.locator("#results a[href='tel:+14155552671']")).to_have_text("(415) 555-2671")
    # a card per customer: no column headers, only the "select all" box above the cards
    expect(page.locator("#results thead th a").first).to_be_hidden()
    expect(page.locator("#results thead input[data-select-all]")).to_be_visible()
    menu.locator("> summary").click()
    expect(links).to_be_visible()
    expect(links).to_contain_text(words["customers"])
    _no_sideways_scroll(page, "the list with the menu open")
    page.screenshot(path=str(SHOTS / f"menu-{locale}.png"))
    menu.locator("> summary").click()
    expect(links).to_be_hidden()
    # a tablet still folds the menu and fits; a laptop shows the links in the header
    for width, folded in [(800, True), (1024, False)]:
        page.set_viewport_size({"width": width, "height": 900})
        expect(menu.locator("> summary") if folded else links).to_be_visible()
        page.screenshot(path=str(SHOTS / f"width{width}-{locale}.png"))
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the list is {scroll_width} px wide at {width} px"
    page.set_viewport_size(PHONE)

    # the 360 page: the timeline within reach, the profile folded until asked for
    page.goto(f"{url}/customers/{customer.pk}/")
    _no_sideways_scroll(page, "the 360 page")
    expect(page.locator("#profile")).to_be_hidden()
    expect(page.locator("#interaction-form")).to_be_hidden()  # folded on phones
    timeline_top = page.locator("#timeline-card").bounding_box()["y"]
    assert timeline_top < PHONE["height"], "the timeline starts on the first screen"
    page.locator("#profile-fold > summary").click()
    expect(page.locator("#profile")).to_be_visible()
    expect(page.locator("#profile a[href='tel:+8613800138000']")).to_have_text("138 0013 8000")
    expect(page.locator("#profile a[href='tel:+862161234567']")).to_have_text("021 6123 4567")
    profile_height = page.locator("#profile-fold").bounding_box()["height"]
    assert timeline_top < profile_height, "the timeline should not wait below the whole profile"
    _no_sideways_scroll(page, "the 360 page with the profile open")
    page.locator("#profile-fold > summary").click()
    page.locator("a[href='#timeline-card']").click()  # the jump link on phones

    # a task saved: confirmed in a toast; marked done: confirmed with Undo, which reopens it
    page.locator("#record details").nth(2).locator("summary").click()
    form = page.locator("#task-form")
    form.locator("input[name=title]").fill("回访：明前茶到货")
    form.locator("input[name=due_at]").fill("2030-03-05T10:00")
    form.get_by_role("button", name=words["save_task"]).click()
    toast = page.locator("#messages")
    expect(toast).to_contain_text(words["task_saved"])
    expect(page.locator("#timeline")).to_contain_text("回访：明前茶到货")
    _no_sideways_scroll(page, "the 360 page after saving a task")
    page.locator("#timeline").get_by_role("button", name=words["mark_done"]).click()
    expect(toast).to_contain_text(words["done"])
    page.screenshot(path=str(SHOTS / f"customer360-{locale}.png"), full_page=True)
    expect(page.locator("#timeline").get_by_role("button", name=words["mark_done"])).to_have_count(
        0
    )
    toast.get_by_role("button", name=words["undo"]).click()
    expect(toast).to_contain_text(words["open_again"])
    expect(page.locator("#timeline").get_by_role("button", name=words["mark_done"])).to_have_count(
        1
    )

    # a form: fits, and saving it unchanged records no change
    page.goto(f"{url}/customers/{customer.pk}/edit/")
    _no_sideways_scroll(page, "the customer form")
    page.screenshot(path=str(SHOTS / f"form-{locale}.png"), full_page=True)

    # every other page fits too
    order = create_order(rep1, customer, {}, [{"product": product, "quantity": 2}])
    pages = [
        "/tasks/",
        "/sales/orders/",
        f"/sales/orders/{order.pk}/",
        f"/sales/orders/new/?customer={customer.pk}",
        "/sales/orders/new/?q=欧阳",
        "/sales/products/",
        "/",
        "/data/import/",
        "/customers/new/",
        f"/customers/{organisation.pk}/",
        f"/customers/{organisation.pk}/contacts/new/",
    ]
    for number, path in enumerate(pages, start=1):
        page.goto(url + path)
        _no_sideways_scroll(page, path)
        slug = "-".join(part for part in path.split("?")[0].split("/") if not part.isdigit())
        page.screenshot(
            path=str(SHOTS / f"page{number:02d}{slug.rstrip('-')}-{locale}.png"), full_page=True
        )
    page.goto(f"{url}/tasks/")
    page.screenshot(path=str(SHOTS / f"tasks-{locale}.png"), full_page=True)

    # a manager's 360 page shows the change history: long values wrap, lists read as text
    update_customer(
        rep1,
        customer,
        {"delivery_address": "上海市浦东新区世纪大道 100 号环球金融中心 75 楼"},
        tags=["VIP", "茶友", "老客户"],
    )
    manager_page = phone("manager", locale)
    manager_page.goto(f"{url}/customers/{customer.pk}/")
    _no_sideways_scroll(manager_page, "the manager's 360 page")
    expect(manager_page.locator("#timeline")).to_contain_text("VIP, 老客户, 茶友")
    manager_page.screenshot(path=str(SHOTS / f"customer360-history-{locale}.png"), full_page=True)


@pytest.mark.parametrize("locale", list(WORDS))
def test_phone_duplicate_warning_appears_below_the_field_that_matched(
    transactional_db, live_server, phone, customer_of, rep1, locale
):
    """查重 at 390 px: the warning shows right below the mobile input the user just left (it
    used to appear at the top of the form, 1,500 px above), and a name match below the name."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    customer_of("rep2", name="欧阳娜娜", mobile="13800138000")
    customer_of("rep2", name="王小明")
    page = phone("rep1", locale)
    page.goto(f"{live_server.url}/customers/new/")

    page.fill("input[name=mobile]", "138 0013 8000")
    page.press("input[name=mobile]", "Tab")

    warning = page.locator("#duplicates-mobile .dupes")
    expect(warning).to_be_visible()
    expect(page.locator("#duplicates-name .dupes")).to_have_count(0)
    field = page.locator("input[name=mobile]").bounding_box()
    box = warning.bounding_box()
    assert 0 <= box["y"] - (field["y"] + field["height"]) < 60, (field, box)
    top = "e => e.getBoundingClientRect().top + window.scrollY"
    assert warning.evaluate(top) > 1000  # far down the form, where the mobile field is
    warning.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"duplicates-mobile-{locale}.png"))
    _no_sideways_scroll(page, "the new-customer form with a duplicate warning")

    page.fill("input[name=name]", "王小明")
    page.press("input[name=name]", "Tab")
    name_warning = page.locator("#duplicates-name .dupes")
    expect(name_warning).to_be_visible()
    name_field = page.locator("input[name=name]").bounding_box()
    assert 0 <= name_warning.bounding_box()["y"] - name_field["y"] < 150
    # the answer covers all three fields: the mobile warning stays, nothing is doubled
    expect(page.locator("#duplicates-mobile .dupes")).to_have_count(1)

    page.fill("input[name=mobile]", "13912345678")
    page.press("input[name=mobile]", "Tab")
    expect(page.locator("#duplicates-mobile .dupes")).to_have_count(0)  # cleared
