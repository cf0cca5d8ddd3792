"""The dashboards in a real browser, in both languages: every chart is drawn with data (ECharts'
own option, not just a canvas), nothing breaks the CSP, a click on a heat-map cell and on a
bar opens the customers behind it, and the pages fit a 390 px phone. Screenshots go to
test-results/dashboards/ (ignored by git)."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guanxi.customers.models import Customer
from guanxi.insights.data import THEMES
from tests.browser.conftest import log_in
from tests.insights.factory import make_run, score

pytestmark = [pytest.mark.browser]

LOCALES = {"zh-CN": "分析", "en-US": "Analytics"}

# Every series of every chart on the page with the number of data items ECharts holds.
SERIES_JS = """
() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(el => {
  const chart = echarts.getInstanceByDom(el);
  if (!chart) return null;
  return chart.getOption().series.filter(s => !s.silent).map(s => (s.data || []).length);
})
"""


def scored_world(customer_of):
    run = make_run()
    variants = [
        {},
        {
            "r": 4,
            "f": 3,
            "rfm_segment": "potential_loyalist",
            "abc_tier": "B",
            "pyramid_level": "medium",
            "lifecycle_stage": "formation",
            "loyalty_step": "purchase",
            "loyalty_index": 30.0,
            "value_loyalty_quadrant": "butterflies",
            "clv_predicted": Decimal("800"),
            "monetary": Decimal("400"),
            "clv_historical": Decimal("400"),
        },
        {
            "r": 1,
            "f": 2,
            "rfm_segment": "lost",
            "abc_tier": "C",
            "pyramid_level": "small",
            "lifecycle_stage": "decline",
            "loyalty_step": "expectation",
            "loyalty_index": 5.0,
            "value_loyalty_quadrant": "strangers",
            "churn_risk": "high",
            "churn_reason": "long_inactive",
            "recency_days": 420,
            "recovery_priority": 3,
            "recovery_action": "recover_if_opportunity",
            "monetary": Decimal("60"),
            "clv_historical": Decimal("60"),
            "clv_predicted": Decimal("20"),
        },
        {
            "r": 2,
            "f": 4,
            "rfm_segment": "at_risk",
            "abc_tier": "A",
            "pyramid_level": "large",
            "lifecycle_stage": "exploration",
            "loyalty_step": "repeat_purchase",
            "loyalty_index": 65.0,
            "value_loyalty_quadrant": "barnacles",
            "churn_risk": "medium",
            "churn_reason": "overdue",
            "recency_days": 150,
            "recovery_priority": 2,
            "recovery_action": "try_to_recover",
            "customer_status": "new",
        },
    ]
    customers = []
    for i, fields in enumerate(variants):
        customer = customer_of("rep1" if i % 2 else "rep2", name=f"客户{i}")
        score(customer, run, **fields)
        customers.append(customer)
    Customer.objects.filter(pk=customers[2].pk).update(
        lost_at=timezone.now(), lost_reason="competitor"
    )
    Customer.objects.filter(pk=customers[3].pk).update(
        lost_at=timezone.make_aware(
            datetime.combine(run.as_of.replace(day=1), datetime.min.time())
        ),
        lost_reason="price",
    )
    return customers


def click_item(page, selector: str, series: int, value: list):
    """Click where ECharts draws the data item `value` of a series (its own pixel mapping); the
    chart is scrolled into view first (the method notes above it can push it below the fold)."""
    page.locator(selector).scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([sel, series, value]) => {
            const el = document.querySelector(sel);
            return echarts.getInstanceByDom(el).convertToPixel({seriesIndex: series}, value);
        }""",
        [selector, series, value],
    )
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.parametrize("locale", list(LOCALES))
def test_every_dashboard_draws_its_charts_and_links_to_customers(
    transactional_db, live_server, browser, customer_of, screenshot_dir, locale
):
    scored_world(customer_of)
    folder = screenshot_dir / "dashboards"
    folder.mkdir(exist_ok=True)
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    try:
        log_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/analytics/")
        expect(page.locator("nav .nav-links")).to_contain_text(LOCALES[locale])
        assert page.locator(".insight-card").count() == len(THEMES)
        for theme in THEMES:
            page.goto(f"{live_server.url}/analytics/{theme}/")
            charts = page.locator(".chart[data-chart]")
            expect(page.locator(".chart[data-rendered='1']")).to_have_count(charts.count())
            series = page.evaluate(SERIES_JS)
            assert series and all(s and all(n > 0 for n in s) for s in series), (theme, series)
            expect(page.locator("a[download]")).to_have_attribute(
                "href", re.compile(rf"/analytics/{theme}/xlsx/")
            )
            page.screenshot(path=str(folder / f"{locale}-{theme}.png"), full_page=True)

        # a cell of the RFM heat map: R5 x F5 (x = F - 1, y = R - 1)
        page.goto(f"{live_server.url}/analytics/rfm/")
        expect(page.locator(".chart[data-rendered='1']")).to_have_count(1)
        click_item(page, ".chart[data-chart='chart-0']", 0, [4, 4])
        page.wait_for_url(re.compile(r"/customers/\?r=5&f=5$"))

        # a bar of the pyramid (horizontal: value, category index; "top" is drawn last)
        page.goto(f"{live_server.url}/analytics/pyramid/")
        expect(page.locator(".chart[data-rendered='1']")).to_have_count(1)
        click_item(page, ".chart[data-chart='chart-0']", 0, [0.5, 6])
        page.wait_for_url(re.compile(r"/customers/\?pyramid_level=top$"))

        # a stacked bar of the losses by reason
        page.goto(f"{live_server.url}/analytics/churn/")
        expect(page.locator(".chart[data-rendered='1']")).to_have_count(
            page.locator(".chart[data-chart]").count()
        )
        labels = page.evaluate(
            "() => echarts.getInstanceByDom(document.querySelector('.chart')).getOption()"
            ".xAxis[0].data"
        )
        month = timezone.localdate().strftime("%Y-%m")
        click_item(page, ".chart[data-chart='chart-0']", 0, [labels.index(month), 0.5])
        page.wait_for_url(
            re.compile(r"/customers/\?lost=1&lost_reason=\w+&lost_from=[\d-]+&lost_to=[\d-]+$")
        )
        # at 1280 px the satisfaction table fits: its long headings wrap (on one line it was
        # wider than the screen in English)
        page.goto(f"{live_server.url}/analytics/satisfaction/")
        widths = page.evaluate(
            "() => { const t = document.querySelector('table[data-table=indicators]');"
            " return [t.getBoundingClientRect().width, t.parentElement.clientWidth]; }"
        )
        assert widths[0] <= widths[1], widths
        assert not violations, violations
    finally:
        context.close()


def test_dashboards_fit_a_phone(
    transactional_db, live_server, browser, customer_of, screenshot_dir
):
    customers = scored_world(customer_of)
    # predictions over eight CLV bands, so the CLV bars' labels turn (more than six)
    run = customers[0].score.run
    for i, value in enumerate((50, 300, 700, 1500, 3000, 7000, 15000, 30000)):
        score(customer_of("rep1", name=f"价值{i}"), run, clv_predicted=Decimal(value))
    folder = screenshot_dir / "dashboards"
    folder.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "manager")
        for theme in ("rfm", "quadrants", "warnings"):
            page.goto(f"{live_server.url}/analytics/{theme}/")
            expect(page.locator(".chart[data-rendered='1']").first).to_be_visible()
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (theme, width)
            chart_width = page.locator(".chart").first.bounding_box()["width"]
            assert chart_width <= 390
            page.screenshot(path=str(folder / f"phone-{theme}.png"), full_page=True)
        # the cohort table: one line per cell (no "1/0/0" one digit per line), scrolled inside
        # its figure; the page itself does not scroll sideways
        page.goto(f"{live_server.url}/analytics/cohorts/")
        cells = page.locator("table[data-table=retention] tbody td")
        assert cells.count() > 0
        heights = page.evaluate(
            "() => Array.from(document.querySelectorAll('table[data-table=retention] td'))"
            ".map(td => td.getBoundingClientRect().height)"
        )
        line = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector("
            "'table[data-table=retention] td')).lineHeight)"
        )
        assert max(heights) < 2 * line + 20, (max(heights), line)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        # every insight table's rows on one line: "2026-" / "01" in the satisfaction table (a
        # second review), an owner's name 张/伟 once the headings wrapped (a row is as tall as
        # its tallest cell)
        for theme in ("satisfaction", "clv"):
            page.goto(f"{live_server.url}/analytics/{theme}/")
            firsts = page.evaluate(
                "() => Array.from(document.querySelectorAll('.insight-table tbody td:first-child'))"
                ".map(td => [td.getBoundingClientRect().height,"
                " parseFloat(getComputedStyle(td).lineHeight), td.parentElement.innerText])"
            )
            assert firsts, theme
            for height, line, text in firsts:
                assert height < 2 * line, (theme, text, height, line)
        # the CLV bars' axis name below its turned labels, within the chart (it was cut in
        # half at the bottom edge: the server's estimate of the labels' height was too tall)
        room = page.evaluate(
            """() => {
                const el = document.querySelector('.chart[data-rendered="1"]');
                const chart = echarts.getInstanceByDom(el);
                const axis = chart.getOption().xAxis[0];
                const lineY = chart.convertToPixel({yAxisIndex: 0}, 0);
                return [axis.name, axis.data.length, lineY + axis.nameGap + 12, chart.getHeight()];
            }"""
        )
        name, categories, name_bottom, height = room
        assert name and categories > 6, room  # the labels turned
        assert name_bottom <= height, room
        # the warnings: one card per customer, every value in full within the screen
        page.goto(f"{live_server.url}/analytics/warnings/?risk=high")
        action = page.locator("table[data-table=warnings] tbody tr").first.locator("td").nth(3)
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert box["width"] > 250, box  # the full card width, not a sliver of a column
        words = page.evaluate(
            """() => {
                const td = document.querySelector('table[data-table=warnings] tbody td:nth-child(3)');
                const range = document.createRange();
                range.selectNodeContents(td);
                return [td.textContent.trim().split(/\\s+/).length, range.getClientRects().length];
            }"""
        )
        assert words[1] <= words[0], words  # no word broken over two lines
        page.screenshot(path=str(folder / "phone-warnings-cards.png"), full_page=True)
    finally:
        context.close()


def item_point(page, selector: str, series: int, value: list):
    """The page coordinates where ECharts draws the data item `value` of a series."""
    x, y = page.evaluate(
        """([sel, series, value]) => {
            const el = document.querySelector(sel);
            return echarts.getInstanceByDom(el).convertToPixel({seriesIndex: series}, value);
        }""",
        [selector, series, value],
    )
    box = page.locator(selector).bounding_box()
    return box["x"] + x, box["y"] + y


# (theme, series, value of the item, the customers URL it must open)
TAP_TARGETS = [
    ("rfm", 0, [4, 4], r"/customers/\?r=5&f=5$"),
    ("pyramid", 0, [0.5, 6], r"/customers/\?pyramid_level=top$"),
]


def test_a_plain_click_and_a_phone_tap_open_the_customers(
    transactional_db, live_server, browser, customer_of
):
    """The first click on a fresh page (no hover before it) and a tap on a touch phone open the
    customers behind a cell or bar, as the tables' links do."""
    scored_world(customer_of)
    desktop = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        for context, action in ((desktop, "click"), (phone, "tap")):
            page = context.new_page()
            log_in(page, live_server.url, "manager")
            for theme, series, value, url in TAP_TARGETS:
                page.goto(f"{live_server.url}/analytics/{theme}/")
                expect(page.locator(".chart[data-rendered='1']")).to_have_count(1)
                page.locator(".chart").first.scroll_into_view_if_needed()
                x, y = item_point(page, ".chart[data-chart='chart-0']", series, value)
                if action == "click":
                    # down and up at the point with no mouse move before (a real first click)
                    page.evaluate(
                        """([x, y]) => {
                            const el = document.elementFromPoint(x, y);
                            const o = {bubbles: true, cancelable: true, clientX: x, clientY: y,
                                       button: 0, pointerType: "mouse", isPrimary: true};
                            for (const t of ["pointerdown", "mousedown", "pointerup", "mouseup",
                                             "click"]) {
                                const E = t.startsWith("pointer") ? PointerEvent : MouseEvent;
                                el.dispatchEvent(new E(t, o));
                            }
                        }""",
                        [x, y],
                    )
                else:
                    page.touchscreen.tap(x, y)
                page.wait_for_url(re.compile(url), timeout=5000)
            # beside a short bar (an empty level, where the longest bar would end): a finger
            # cannot hit a bar a few pixels long
            page.goto(f"{live_server.url}/analytics/pyramid/")
            expect(page.locator(".chart[data-rendered='1']")).to_have_count(1)
            page.locator(".chart").first.scroll_into_view_if_needed()
            index, top, url = page.evaluate(
                """() => {
                    const c = echarts.getInstanceByDom(document.querySelector('.chart'));
                    const data = c.getOption().series[0].data;
                    const i = data.findIndex(d => d.value === 0);
                    const top = c.getModel().getComponent('xAxis', 0).axis.scale.getExtent()[1];
                    return [i, top, data[i].url];
                }"""
            )
            assert index >= 0 and top > 0
            x, y = item_point(page, ".chart[data-chart='chart-0']", 0, [top * 0.9, index])
            getattr(page.touchscreen if action == "tap" else page.mouse, action)(x, y)
            page.wait_for_url(re.compile(re.escape(url) + "$"), timeout=5000)
    finally:
        desktop.close()
        phone.close()
