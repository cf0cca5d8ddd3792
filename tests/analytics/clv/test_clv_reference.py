"""Published reference results reproduced on the CDNOW sample and the sBG retention data."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from guanxi.analytics.clv import bgnbd, gammagamma, paretonbd, sbg
from guanxi.analytics.clv.summary import compact
from tests.analytics.clv.conftest import DATASETS


def rounded(value, decimals):
    return round(float(value), decimals)


def test_cdnow_summary_matches_published_inputs(cdnow_summary):
    # given the CDNOW 1/10th sample, 39-week calibration ending 1997-09-30
    s = cdnow_summary
    # then: 2,357 customers, 946 repeat buyers, 2,457 repeat transactions (FHL 2005, sec. 4)
    assert len(s) == 2357
    assert int((s.frequency > 0).sum()) == 946
    assert int(s.frequency.sum()) == 2457
    # and the per-customer inputs equal the published summary shipped with lifetimes
    # (cdnow_customers_summary.csv: frequency, recency, T rounded to 2 decimals; its ID is the
    # sample's second column, the customer's number in the master file)
    ref = pd.read_csv(DATASETS / "cdnow_customers_summary.csv").set_index("ID")
    raw = pd.read_csv(DATASETS / "CDNOW_sample.txt", sep=r"\s+", header=None)
    master = raw.groupby(0)[1].first()
    ours = s.to_pandas()
    ours = ours.set_index(ours["customer_id"].map(master)).loc[ref.index]
    assert (ours["frequency"].to_numpy() == ref["frequency"].to_numpy()).all()
    assert_allclose(ours["recency"].round(2), ref["recency"], atol=1e-9)
    assert_allclose(ours["T"].round(2), ref["T"], atol=1e-9)


def test_cdnow_holdout_counts(cdnow, cdnow_summary):
    # the holdout (1997-10-01 .. 1998-06-30) counts each customer's distinct purchase days in it,
    # computed here independently with plain pandas from the raw log
    days = cdnow.drop_duplicates(["customer_id", "date"])
    holdout = days[(days["date"] > "1997-09-30") & (days["date"] <= "1998-06-30")]
    expected = holdout.groupby("customer_id").size()
    ours = pd.Series(cdnow_summary.holdout, index=cdnow_summary.customer_id)
    expected = expected.reindex(ours.index, fill_value=0)
    assert (ours.to_numpy() == expected.to_numpy()).all()
    # every customer in the sample made a first purchase in the calibration period (the
    # sample's cohort is Q1 1997), so the summary covers all 2,357 of them
    assert len(ours) == 2357 and int(ours.sum()) == int(expected.sum()) > 1000


@pytest.fixture(scope="module")
def tuples(cdnow_summary):
    s = cdnow_summary
    (x, rec, big_t), counts, _ = compact(s.frequency, s.recency_days, s.T_days)
    return x, rec / 7, big_t / 7, counts


def test_bgnbd_cdnow_mle(tuples):
    # Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
    # 24(2), p. 281: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    params = bgnbd.fit(*tuples[:3], tuples[3])
    ll = bgnbd.log_likelihood(params, *tuples[:3], tuples[3])
    assert_allclose(
        [rounded(params[k], 3) for k in ("r", "alpha", "a", "b")], [0.243, 4.414, 0.793, 2.426]
    )
    assert_allclose(rounded(ll, 1), -9582.4)


def test_bgnbd_fit_on_tuples_equals_fit_on_customers(cdnow_summary, tuples):
    s = cdnow_summary
    per_customer = bgnbd.fit(s.frequency, s.recency, s.T)
    deduplicated = bgnbd.fit(*tuples[:3], tuples[3])
    for k in per_customer:
        assert_allclose(deduplicated[k], per_customer[k], rtol=1e-6)


def test_bgnbd_conditional_expectation_hardie_spreadsheet():
    # Hardie's BG/NBD spreadsheet (bgnbd.xls, "Conditional expectations"):
    # E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226 at the published parameters
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    value = bgnbd.conditional_expected_purchases(params, 39, 2, 30.43, 38.86)
    assert_allclose(rounded(value[0], 3), 1.226)


def test_paretonbd_cdnow_mle(tuples):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 281 (Pareto/NBD on the same
    # data): r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    params = paretonbd.fit(*tuples[:3], tuples[3])
    ll = paretonbd.log_likelihood(params, *tuples[:3], tuples[3])
    assert_allclose(
        [rounded(params[k], 3) for k in ("r", "alpha", "s", "beta")],
        [0.553, 10.578, 0.606, 11.669],
    )
    assert_allclose(rounded(ll, 1), -9595.0)


def test_gammagamma_cdnow_mle(cdnow_summary):
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (note 025), on the 946
    # repeat buyers' mean repeat-purchase spend: p = 6.25, q = 3.74, gamma = 15.44
    s = cdnow_summary
    repeat = s.frequency > 0
    assert int(repeat.sum()) == 946
    params = gammagamma.fit(s.frequency[repeat], s.monetary[repeat])
    assert_allclose(
        [rounded(params["p"], 2), rounded(params["q"], 2), rounded(params["gamma"], 2)],
        [6.25, 3.74, 15.44],
    )


# Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1),
# table 1: customers surviving at the start of years 0..12 of two 1,000-customer cohorts.
# Years 0-7 calibrate the model; years 8-12 are the holdout. The years 8-12 values below are
# table 1 as reproduced in public replications of the paper (e.g. the R and Stan replications
# listing regular 1000, 631, ..., 241, 223, 207, 194, 183, 173).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("survivors", "published"),
    [
        (REGULAR, {"alpha": 0.704, "beta": 1.182}),  # paper, sec. "Model estimation"
        (HIGH_END, {"alpha": 0.668, "beta": 3.806}),
    ],
)
def test_sbg_mle_and_projection(survivors, published):
    params = sbg.fit(survivors[:8])
    assert_allclose(
        [rounded(params["alpha"], 3), rounded(params["beta"], 3)], list(published.values())
    )
    projected = sbg.project(params, 1000, 12)
    assert_allclose(projected[:8], survivors[:8], rtol=0.05)  # the in-sample fit, figure 3
    # The paper's point is that the sBG projection for years 8-12 tracks the holdout closely
    # (its figure 4); the largest gap is the high-end cohort's year 12, 378 projected vs 394
    # observed (4.1 %), so 5 % bounds the paper's own forecast error.
    assert_allclose(projected[8:], survivors[8:], rtol=0.05)
    # and the model slightly under-forecasts both cohorts' holdout, as in the paper's figure 4
    assert (projected[8:] < np.asarray(survivors[8:])).all()


def test_sbg_retention_rates_rise():
    params = sbg.fit(HIGH_END[:8])
    rates = sbg.retention_rate(params, np.arange(1, 13))
    assert (np.diff(rates) > 0).all()
    survival = sbg.survival(params, np.arange(13))
    assert_allclose(survival[1:] / survival[:-1], rates)
