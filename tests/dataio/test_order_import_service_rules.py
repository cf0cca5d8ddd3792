"""The order import refuses what pages and the API refuse, with the services' messages (issue 7
item 11): quantity 1e30 at price 0 (a 500 before), 2^40, an unknown currency, the year 1."""

from decimal import Decimal

from django.utils import translation

from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_orders
from guanxi.sales.models import Order

FILE = (
    "订单号,客户外部编号,下单时间,商品编码,数量,单价,币种\n"
    "X1,M1,2024/3/5,TEA-001,1e30,0,CNY\n"
    "X2,M1,2024/3/5,TEA-001,1,1,ABC\n"
    "X3,M1,2024/3/5,TEA-001,1099511627776,1,CNY\n"
    "X4,M1,0001/1/1,TEA-001,1,1,CNY\n"
    "X5,M1,2024/3/5,TEA-001,2,1.5,HKD\n"
)


def test_bad_rows_get_the_services_messages_and_the_good_row_is_kept(rep1, product, customer_of):
    customer_of("rep1", name="甲", external_id="M1")
    with translation.override("en"):
        result = import_orders(rep1, read_table(FILE.encode(), "o.csv"), skip_invalid=True)

    messages = {e.row: e.message for e in result.errors}
    quantity = "Line 1: the quantity must be a whole number from 1 to 1,000,000."
    assert messages[2] == quantity and messages[4] == quantity
    assert messages[3].startswith("Choose a currency from: CNY, HKD")
    assert messages[5] == "Enter a date between the years 1900 and 2200."
    assert list(Order.objects.values_list("number", "currency", "total")) == [
        ("X5", "HKD", Decimal("3.00"))
    ]
