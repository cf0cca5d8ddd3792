"""`guanxi analyze clv` / `sbg` through their argparse functions: JSON shape and errors."""

import argparse
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from numpy.testing import assert_allclose

from guanxi.analytics.clv import fit_clv
from guanxi.analytics.clv.commands import (
    add_clv_arguments,
    add_sbg_arguments,
    run_clv_command,
    run_sbg_command,
)
from tests.analytics.clv.conftest import DATASETS, read_cdnow


def run(add, command, argv):
    parser = argparse.ArgumentParser()
    add(parser)
    return command(parser.parse_args(argv))


@pytest.fixture(scope="module")
def cdnow_parquet(tmp_path_factory):
    # the whole sample, its 8 zero-amount rows included (purchases with no spend)
    path = tmp_path_factory.mktemp("clv") / "cdnow.parquet"
    read_cdnow().to_parquet(path)
    return path


def test_clv_json_and_output(cdnow_parquet, tmp_path, capsys):
    out = tmp_path / "scores.parquet"
    argv = ["--input", str(cdnow_parquet), "--calibration-end", "1997-09-30", "--json"]
    status = run(add_clv_arguments, run_clv_command, argv + ["--output", str(out)])
    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "bgnbd"
    assert set(result["params"]) == {"r", "alpha", "a", "b"}
    assert set(result["spend"]["params"]) == {"p", "q", "gamma"}
    assert isinstance(result["log_likelihood"], float)
    assert result["customers"] == 2357
    # the command gives what the Python API gives on the same log
    api = fit_clv(pd.read_parquet(cdnow_parquet), calibration_end="1997-09-30")
    for name, value in api.params.items():
        assert_allclose(result["params"][name], value, rtol=1e-6)
    scores = pq.read_table(out)
    assert scores.num_rows == 2357
    assert {"customer_id", "p_alive", "expected_purchases", "expected_spend", "clv"} <= set(
        scores.column_names
    )


def test_clv_pareto_nbd(cdnow_parquet, capsys):
    argv = ["--input", str(cdnow_parquet), "--calibration-end", "1997-09-30", "--json"]
    assert run(add_clv_arguments, run_clv_command, argv + ["--model", "pareto-nbd"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["params"]) == {"r", "alpha", "s", "beta"}
    assert result["log_likelihood"] < 0


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--input", "/nonexistent/file.csv"], "not found"),
        (["--customer", "who"], "who"),
        (["--calibration-end", "yesterday"], "date"),
        (["--output", "/tmp/scores.xlsx"], ".csv or .parquet"),
        (["--calibration-end", "1990-01-01"], "calibration end"),
    ],
)
def test_clv_errors_are_one_line_exit_2(cdnow_parquet, capsys, argv, message):
    base = ["--input", str(cdnow_parquet)]
    status = run(add_clv_arguments, run_clv_command, base + argv)
    err = capsys.readouterr().err
    assert status == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_sbg_json(capsys):
    argv = ["--survivors", "1000,869,743,653,593,551,517,491", "--horizon", "12", "--json"]
    assert run(add_sbg_arguments, run_sbg_command, argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "sbg"
    assert_allclose(
        [result["params"]["alpha"], result["params"]["beta"]], [0.668, 3.806], atol=5e-4
    )
    assert result["customers"] == 1000
    assert len(result["projection"]) == 13
    assert "log_likelihood" in result and "spend" in result


@pytest.mark.parametrize("survivors", ["1000,abc", "1000", "1000,1200", "1000,1000"])
def test_sbg_errors(capsys, survivors):
    assert run(add_sbg_arguments, run_sbg_command, ["--survivors", survivors]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory):
    """customer_id,date,amount taken verbatim from lifetimes/datasets/CDNOW_sample.txt (ids
    with their leading zeros, dates as YYYYMMDD, all 6,919 rows, 8 of them with amount 0)."""
    path = tmp_path_factory.mktemp("clv") / "cdnow.csv"
    lines = ["customer_id,date,amount"]
    for row in (DATASETS / "CDNOW_sample.txt").read_text().split("\n"):
        if row.strip():
            customer, _master, day, _cds, amount = row.split()
            lines.append(f"{customer},{day},{amount}")
    path.write_text("\n".join(lines) + "\n")
    return path


# Published maximum-likelihood estimates on the CDNOW 1/10th sample, 39-week calibration ending
# 1997-09-30, weekly units (2,357 customers, 946 repeat buyers):
# - BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative
#   to the Pareto/NBD model", Marketing Science 24(2), 275-284: r = 0.243, alpha = 4.414,
#   a = 0.793, b = 2.426, LL = -9582.4;
# - Pareto/NBD: same paper (and Fader & Hardie's note "A note on implementing the Pareto/NBD
#   model in MATLAB"): r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0;
# - Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (note 025):
#   p = 6.25, q = 3.74, gamma = 15.44.
PUBLISHED = {
    "bgnbd": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4),
    "pareto-nbd": ({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0),
}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_cli_on_the_cdnow_csv_gives_the_published_estimates(cdnow_csv, model):
    # given the raw CDNOW sample as a CSV; when the documented command runs
    import subprocess
    import sys

    argv = [sys.executable, "-m", "guanxi.analytics.cli", "clv", "--input", str(cdnow_csv)]
    argv += ["--calibration-end", "1997-09-30", "--period", "week", "--model", model]
    argv += ["--spend", "gamma-gamma", "--json"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    # then the published figures, to the digits published
    params, ll = PUBLISHED[model]
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946
    for name, value in params.items():
        assert round(result["params"][name], 3) == value, name
    assert round(result["log_likelihood"], 1) == ll
    for name, value in GAMMA_GAMMA.items():
        assert round(result["spend"]["params"][name], 2) == value, name
