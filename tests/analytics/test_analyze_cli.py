"""`guanxi analyze` through main([...]): output formats, JSON, and one-line errors (exit 2)."""

import json

import pyarrow.parquet as pq
import pytest

from guanxi.analytics.cli import main
from tests.analytics.conftest import SMALL_ORDERS


@pytest.fixture
def orders_csv(tmp_path):
    path = tmp_path / "orders.csv"
    SMALL_ORDERS.rename(columns={"customer_id": "cust"}).to_csv(path, index=False)
    return path


def test_rfm_json(orders_csv, capsys):
    code = main(["rfm", "--input", str(orders_csv), "--customer", "cust", "--json"])
    assert code == 0
    rows = {row["customer_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["a"]["recency_days"] == 1
    assert rows["a"]["frequency"] == 3
    assert rows["a"]["monetary"] == 60.0
    assert rows["a"]["segment"] == "champions"
    assert rows["a"]["segment_name"] == "Champions"
    assert rows["e"]["segment"] == "lost"


def test_cohorts_json_has_dates_and_nulls(orders_csv, capsys):
    code = main(["cohorts", "--input", str(orders_csv), "--customer", "cust", "--json"])
    assert code == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert first["cohort"] == "2023-12-01"
    assert first["churn_rate"] is None


def test_abc_to_parquet_and_csv(orders_csv, tmp_path, capsys):
    target = tmp_path / "abc.parquet"
    assert (
        main(["abc", "--input", str(orders_csv), "--customer", "cust", "--output", str(target)])
        == 0
    )
    table = pq.read_table(target).to_pandas().set_index("customer_id")
    assert table["abc_class"].to_dict() == {"d": "A", "a": "A", "b": "B", "c": "C", "e": "C"}
    assert "5 rows written" in capsys.readouterr().err
    csv_target = tmp_path / "lifecycle.csv"
    assert (
        main(
            [
                "lifecycle",
                "--input",
                str(orders_csv),
                "--customer",
                "cust",
                "--output",
                str(csv_target),
            ]
        )
        == 0
    )
    assert csv_target.read_text().splitlines()[0].startswith('"customer_id","first_date"')


@pytest.mark.parametrize("method", ["pyramid", "loyalty", "churn"])
def test_every_table_method_prints_a_table(orders_csv, capsys, method):
    assert (
        main([method, "--input", str(orders_csv), "--customer", "cust", "--lang", "zh-hans"]) == 0
    )
    assert "customer_id" in capsys.readouterr().out


def test_cohort_views(orders_csv, capsys):
    assert (
        main(
            [
                "cohorts",
                "--input",
                str(orders_csv),
                "--customer",
                "cust",
                "--view",
                "churn",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)[0] == {
        "period": 1,
        "start_customers": 5,
        "churned_customers": 4,
        "revenue_lost": 113.5,
        "churn_rate": 0.8,
    }
    assert (
        main(["cohorts", "--input", str(orders_csv), "--customer", "cust", "--view", "matrix"]) == 0
    )
    assert "period_4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rfm", "--input", "missing.csv"], "input file not found: missing.csv"),
        (["rfm", "--input", "{csv}"], "missing column 'customer_id' (customer)"),
        (
            ["rfm", "--input", "{csv}", "--customer", "cust", "--as-of", "soon"],
            "as-of date 'soon' is not a date",
        ),
        (
            ["rfm", "--input", "{csv}", "--customer", "cust", "--output", "x.xlsx"],
            "--output must end in .csv or .parquet",
        ),
        (["rfm"], "the following arguments are required: --input"),
        (["segment", "--input", "{csv}"], "invalid choice: 'segment'"),
        (
            ["abc", "--input", "{csv}", "--customer", "cust", "--cuts", "50,50"],
            "cuts must be 3 positive shares",
        ),
    ],
)
def test_errors_are_one_line_with_exit_code_2(orders_csv, capsys, argv, message):
    argv = [a.replace("{csv}", str(orders_csv)) for a in argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_refunds_flag(tmp_path, capsys):
    path = tmp_path / "refunds.csv"
    path.write_text("customer_id,date,amount\n1,2024-01-01,10\n1,2024-01-05,-4\n")
    assert main(["rfm", "--input", str(path)]) == 2
    assert "1 negative (refunds)" in capsys.readouterr().err
    assert main(["rfm", "--input", str(path), "--refunds", "drop", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["monetary"] == 10.0


def test_sbg_is_wired_to_the_clv_commands(capsys):
    code = main(["sbg", "--survivors", "1000,869,743,653,593,551,517,491", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["model"] == "sbg"


def test_analytics_cli_does_not_import_django():
    import subprocess
    import sys

    code = "import sys, guanxi.analytics.cli as c; c.build_parser(); print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
