"""Issue 8 item 6: order numbers and dates in the site's time zone, an unchanged save records no
change, and the change history reads as text."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.utils import timezone, translation

from guanxi.audit.models import AuditEntry
from guanxi.audit.services import diff, snapshot
from guanxi.customers.templatetags.guanxi_ui import change_rows
from guanxi.sales.models import Order
from guanxi.sales.services import create_order, order_number

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^SO(\d{8})-\d{8}$")
# 30 November, 06:27 in Shanghai is still 29 November in UTC
SHANGHAI_MORNING = datetime(2026, 11, 29, 22, 27, tzinfo=UTC)


def test_an_order_placed_early_in_the_morning_is_numbered_with_the_local_day(
    customer_of, product, settings
):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    customer = customer_of("rep1", name="张三")
    order = create_order(
        None, customer, {"ordered_at": SHANGHAI_MORNING}, [{"product": product, "quantity": 1}]
    )
    assert NUMBER.match(order.number).group(1) == "20261130"
    assert order_number(SHANGHAI_MORNING, 42) == "SO20261130-00000042"
    # another site time zone, another day
    settings.TIME_ZONE = "UTC"
    assert order_number(SHANGHAI_MORNING, 42) == "SO20261129-00000042"


def test_new_orders_get_distinct_numbers(customer_of, product):
    customer = customer_of("rep1", name="张三")
    numbers = {
        create_order(None, customer, {}, [{"product": product, "quantity": 1}]).number
        for _ in range(5)
    }
    assert len(numbers) == 5
    today = timezone.localdate().strftime("%Y%m%d")
    assert all(NUMBER.match(n).group(1) == today for n in numbers)


def test_demo_orders_use_the_same_format_and_the_local_day(db):
    from datetime import date

    from guanxi.demo.company import load_demo

    load_demo(40, seed=3, today=date(2026, 5, 20))
    orders = list(Order.objects.all())
    assert orders
    for order in orders:
        match = NUMBER.match(order.number)
        assert match, order.number
        assert match.group(1) == timezone.localtime(order.ordered_at).strftime("%Y%m%d")
    # some were placed before 08:00 in Shanghai, i.e. on the previous day in UTC
    early = [o for o in orders if timezone.localtime(o.ordered_at).hour < 8]
    assert early
    assert all(o.ordered_at.astimezone(UTC).strftime("%Y%m%d") not in o.number for o in early)


def test_one_moment_in_two_spellings_is_no_change():
    utc = datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    local = timezone.localtime(utc)
    assert diff({"registered_at": utc.isoformat()}, {"registered_at": local.isoformat()}) == {}

    class Thing:
        registered_at = local

    assert snapshot(Thing(), ["registered_at"]) == {"registered_at": "2024-03-05T06:30:00+00:00"}
    assert diff({"nickname": None}, {"nickname": ""}) == {}  # empty either way
    later = {"registered_at": "2024-03-05T15:30:00+08:00"}
    assert diff({"registered_at": utc.isoformat()}, later) == {
        "registered_at": ["2024-03-05T06:30:00+00:00", "2024-03-05T15:30:00+08:00"]
    }


class _FormValues(HTMLParser):
    """The values a browser would send back for the page's main form, unchanged."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self._in_main_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and a.get("method", "").lower() == "post"
            and "lang-switch" not in (a.get("class") or "")
        ):
            self._in_main_form = "logout" not in (a.get("action") or "")
        if not self._in_main_form or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.data.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data.setdefault(a["name"], []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_main_form = False


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_saving_an_unchanged_customer_form_records_no_change(client_for, customer_of, language):
    customer = customer_of(
        "rep1",
        name="张三",
        mobile="13812345678",
        registered_at=SHANGHAI_MORNING,
        birthday="1990-03-07",
        credit_limit="5000.00",
        other_addresses=["上海市徐汇区", "杭州市西湖区"],
        tags=["VIP", "茶友"],
    )
    client = client_for("rep1", language)
    url = f"/customers/{customer.pk}/edit/"
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    data = {k: v if len(v) > 1 else v[0] for k, v in parser.data.items()}
    data.pop("csrfmiddlewaretoken", None)
    assert data["registered_at"]  # the form shows the moment (in local time)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not AuditEntry.objects.filter(action="update", customer_id=customer.pk).exists()


def test_change_history_reads_as_text(client_for, customer_of):
    from guanxi.customers.services import update_customer

    customer = customer_of("rep1", name="张三", tags=["老客户"])
    update_customer(
        customer.owner,
        customer,
        {"registered_at": SHANGHAI_MORNING, "verified": True},
        tags=["VIP", "茶友"],
    )
    entry = AuditEntry.objects.get(action="update")
    with translation.override("zh-hans"):
        rows = {str(label): (old, new) for label, old, new in change_rows(entry)}
    assert rows == {
        "标签": ("老客户", "VIP, 茶友"),
        "注册时间": ("—", "2026-11-30 06:27"),  # stored in UTC, shown in Shanghai time
        "已认证": ("否", "是"),
    }
    with translation.override("en"):
        rows = {str(label): (old, new) for label, old, new in change_rows(entry)}
    assert rows["tags"] == ("老客户", "VIP, 茶友")
    assert rows["verified"] == ("No", "Yes")
    html = client_for("manager").get(f"/customers/{customer.pk}/").content.decode()
    assert "VIP, 茶友" in html and "[&#x27;" not in html and "['" not in html
    assert "2026-11-30 06:27" in html


def test_a_new_customers_record_reads_as_text(customer_of):
    customer_of("rep1", name="张三", level="A", mobile="13800138000")
    entry = AuditEntry.objects.get(action="create")
    with translation.override("en"):
        rows = {str(label): (old, new) for label, old, new in change_rows(entry)}
    assert rows["customer level"] == ("—", "A key customer")  # the choice's label, not "A"
    assert rows["mobile"] == ("—", "138 0013 8000")
    assert rows["owner"] == ("—", "张伟")  # the person, not an id
    assert "bank account" not in rows and "nickname" not in rows  # nothing to nothing is no row


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu"])
def test_the_demos_fast_local_day_is_the_local_day(settings, zone):
    from guanxi.demo.generator import _local_days

    settings.TIME_ZONE = zone
    local_day = _local_days()
    start = int(datetime(2026, 3, 7, tzinfo=UTC).timestamp())  # over New York's DST change
    for epoch in range(start, start + 3 * 86400, 7 * 60 + 13):
        expected = timezone.localtime(datetime.fromtimestamp(epoch, UTC)).date()
        assert local_day(epoch) == expected, (zone, epoch)
