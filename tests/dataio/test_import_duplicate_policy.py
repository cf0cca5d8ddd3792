"""The import honours the 查重 policy at write time: a blocked value that another customer got
after the file was checked (or that two rows share) is refused for that row, never stored twice."""

import pytest
from django.test import override_settings

from guanxi.customers.models import Customer
from guanxi.customers.services import NewCustomers, create_customer, new_customer
from guanxi.dataio.readers import read_table
from guanxi.dataio.services import import_customers

pytestmark = pytest.mark.django_db


def table(text: str):
    return read_table(text.encode("utf-8"), "people.csv")


def test_a_value_registered_after_the_check_is_refused_at_write_time(rep1, rep2):
    # given a customer checked and made ready to save with a mobile nobody has yet
    ready = new_customer({"name": "甲", "mobile": "13812345678"}, owner=rep1)
    batch = NewCustomers(rep1, [ready], [None])
    # when someone else registers the same mobile before the write
    create_customer(rep2, {"name": "乙", "mobile": "13812345678"})
    # then the bulk write refuses it and nothing is stored twice
    with pytest.raises(Exception, match="mobile"):
        batch.save()
    assert Customer.objects.filter(mobile="+8613812345678").count() == 1


@override_settings(GUANXI_DUPLICATE_POLICY={"uscc": "block"})
def test_two_rows_with_one_blocked_value_keep_the_first_and_report_the_second(rep1):
    content = (
        "姓名,统一社会信用代码\n甲公司,91330100000123457J\n乙公司,91330100000123457J\n丙公司,\n"
    )
    result = import_customers(rep1, table(content), skip_invalid=True)
    assert result.created == 2
    assert [e.row for e in result.errors] == [3]
    assert "查重" in result.errors[0].message
    assert Customer.objects.filter(uscc="91330100000123457J").count() == 1
