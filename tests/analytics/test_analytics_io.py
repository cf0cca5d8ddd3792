"""Reading order logs: every bad input is an AnalyticsInputError with a specific message."""

import datetime as dt

import pandas as pd
import pytest

from guanxi.analytics.io import AnalyticsInputError, read_transactions


def write(tmp_path, text, name="orders.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_csv_and_keeps_leading_zeros(tmp_path):
    # given a CSV with ISO dates and ids with leading zeros
    path = write(tmp_path, "customer_id,date,amount\n007,2024-01-02,10.5\n008,2024-01-03,2\n")
    # when
    rows = read_transactions(path).to_pyarrow().to_pylist()
    # then
    assert rows == [
        {"customer_id": "007", "date": dt.date(2024, 1, 2), "amount": 10.5},
        {"customer_id": "008", "date": dt.date(2024, 1, 3), "amount": 2.0},
    ]


def test_maps_columns_and_parses_compact_and_slashed_dates(tmp_path):
    path = write(tmp_path, "cust,day,value\n1,19970101,29.33\n1,1997/01/18,29.73\n")
    table = read_transactions(path, customer="cust", date="day", amount="value")
    assert table.columns == ("customer_id", "date", "amount")
    assert table.date.to_pyarrow().to_pylist() == [dt.date(1997, 1, 1), dt.date(1997, 1, 18)]


def test_reads_parquet_with_native_types(tmp_path):
    path = tmp_path / "orders.parquet"
    pd.DataFrame(
        {
            "customer_id": [1, 2],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [3, 4],
        }
    ).to_parquet(path)
    rows = read_transactions(path).to_pyarrow().to_pylist()
    assert rows[1] == {"customer_id": 2, "date": dt.date(2024, 1, 2), "amount": 4.0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "customer_id,day,amount\n1,2024-01-01,3\n",
            "missing column 'date' (date) in orders.csv; the file has: customer_id, day, amount",
        ),
        (
            "customer_id,amount\n1,3\n",
            "missing column 'date' (date) in orders.csv; the file has: customer_id, amount",
        ),
        ("customer_id,date,amount\n", "input file has no rows, only a header"),
        (
            "customer_id,date,amount\n1,2024-01-01,3\n2,next tuesday,4\n3,2024-13-45,5\n",
            "column 'date': 2 value(s) cannot be parsed as dates, e.g. 'next tuesday' at data row 2",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-02,ten\n",
            "column 'amount': 1 value(s) are not numbers, e.g. 'ten' at data row 2",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,3\n,2024-01-02,4\n",
            "column 'customer_id': 1 row(s) without a customer id (first at data row 2)",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,3\n1,2024-01-02,-3\n2,2024-01-02,0\n",
            "column 'amount': 1 negative (refunds) amount(s), e.g. -3 at data row 2",
        ),
    ],
)
def test_bad_input_gives_a_specific_error(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(AnalyticsInputError) as error:
        read_transactions(path)
    assert message in str(error.value)


def test_missing_and_empty_files_and_unknown_suffix(tmp_path):
    with pytest.raises(AnalyticsInputError, match="input file not found"):
        read_transactions(tmp_path / "nope.csv")
    with pytest.raises(AnalyticsInputError, match="input file is empty"):
        read_transactions(write(tmp_path, ""))
    with pytest.raises(AnalyticsInputError, match="expected a .csv or .parquet file, got '.xlsx'"):
        read_transactions(write(tmp_path, "x", name="orders.xlsx"))


def test_zero_amounts_are_purchases_with_no_spend(tmp_path):
    # a free order is an order: kept by default (the published CDNOW inputs count them)
    path = write(tmp_path, "customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-02,0\n")
    rows = read_transactions(path).to_pyarrow().to_pylist()
    assert rows[1] == {"customer_id": "2", "date": dt.date(2024, 1, 2), "amount": 0.0}


def test_refunds_drop_leaves_out_negative_rows_and_keeps_zero_amounts(tmp_path):
    path = write(
        tmp_path, "customer_id,date,amount\n1,2024-01-01,3\n1,2024-01-02,-3\n2,2024-01-02,0\n"
    )
    rows = read_transactions(path, refunds="drop").to_pyarrow().to_pylist()
    assert rows == [
        {"customer_id": "1", "date": dt.date(2024, 1, 1), "amount": 3.0},
        {"customer_id": "2", "date": dt.date(2024, 1, 2), "amount": 0.0},
    ]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"customer_id": [1, 2], "amount": [3.0, -1.0]}, "1 negative (refunds)"),
        ({"customer_id": [1, None], "amount": [3.0, 1.0]}, "1 row(s) without a customer id"),
        ({"customer_id": [1, 2], "amount": [3.0, None]}, "1 value(s) are not numbers"),
    ],
)
def test_parquet_statistics_never_hide_bad_rows(tmp_path, frame, message):
    # the footer statistics only skip the validation scan when they prove it would pass
    path = tmp_path / "orders.parquet"
    frame = pd.DataFrame({**frame, "date": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame.to_parquet(path)
    with pytest.raises(AnalyticsInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_transactions(path)


def test_error_is_a_value_error():
    assert issubclass(AnalyticsInputError, ValueError)
