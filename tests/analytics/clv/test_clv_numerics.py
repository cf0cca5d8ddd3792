"""Numerical soundness: analytic gradients, extreme customers, identities, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.integrate import quad
from scipy.special import hyp2f1

from guanxi.analytics.clv import CLVInputError, bgnbd, dwyer, event, gammagamma, paretonbd, sbg

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
X = np.array([0.0, 1, 2, 7, 30, 500])
TX = np.array([0.0, 3.0, 30.43, 29.4, 38.0, 38.86])
T = np.array([38.86, 38.86, 38.86, 38.86, 38.86, 38.86])


def numeric_gradient(f, theta, step=1e-6):
    grad = np.empty(len(theta))
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += step * theta[i]
        down[i] -= step * theta[i]
        grad[i] = (f(up) - f(down)) / (2 * step * theta[i])
    return grad


def test_bgnbd_analytic_gradient_matches_finite_differences():
    w = np.array([5.0, 3, 2, 1, 1, 1])
    d = bgnbd._Prepared(X, TX, T, w)
    theta = np.array(list(BG.values()))
    _, grad = bgnbd._neg_ll_and_grad(theta, d)
    numeric = numeric_gradient(lambda th: bgnbd._neg_ll_and_grad(th, d)[0], theta)
    assert_allclose(grad, numeric, rtol=1e-6)
    # and the prepared likelihood equals the plain formula
    assert_allclose(-bgnbd._neg_ll_and_grad(theta, d)[0], bgnbd.log_likelihood(BG, X, TX, T, w))


def test_gammagamma_analytic_gradient_matches_finite_differences():
    x, m, w = (
        np.array([1.0, 2, 5, 40]),
        np.array([10.0, 35.5, 80.0, 12.0]),
        np.array([3.0, 1, 1, 2]),
    )
    d = gammagamma._Prepared(x, m, w)
    theta = np.array(list(GG.values()))
    _, grad = gammagamma._neg_ll_and_grad(theta, d)
    numeric = numeric_gradient(lambda th: gammagamma._neg_ll_and_grad(th, d)[0], theta)
    assert_allclose(grad, numeric, rtol=1e-6)
    assert_allclose(
        -gammagamma._neg_ll_and_grad(theta, d)[0], gammagamma.log_likelihood(GG, x, m, w)
    )


def test_sbg_analytic_gradient_matches_finite_differences():
    n = np.array([1000.0, 869, 743, 653, 593])
    theta = np.array([0.668, 3.806])
    _, grad = sbg._ll_and_grad(theta, n)
    numeric = numeric_gradient(lambda th: sbg._ll_and_grad(th, n)[0], theta)
    assert_allclose(grad, numeric, rtol=1e-6)


def integrand(u, alpha, beta, r, s, x):
    return (alpha + u) ** -(r + x) * (beta + u) ** -(s + 1)


def test_paretonbd_integral_form_equals_quadrature():
    # s/(r+s+x) * A0 = s * integral_{t_x}^{T} (a+tau)^-(r+x) (b+tau)^-(s+1) dtau, both branches
    for alpha, beta in ((10.578, 11.669), (11.669, 10.578), (1.0, 50.0)):
        for x, t_x, big_t in ((0, 0.0, 38.0), (3, 10.0, 38.0), (20, 37.0, 38.0)):
            r, s = 0.553, 0.606
            exact = quad(integrand, t_x, big_t, args=(alpha, beta, r, s, x))[0]
            g = paretonbd._log_g(np.array([t_x, big_t]), r, alpha, s, beta, x)
            assert_allclose(np.exp(g[0]) - np.exp(g[1]), exact, rtol=1e-7)


def test_bgnbd_expectation_equals_textbook_form_where_that_is_finite():
    # FHL 2005 eq. 10 evaluated directly with hyp2f1 for moderate x
    r, alpha, a, b = BG.values()
    x, t_x, big_t, t = 2, 30.43, 38.86, 39.0
    z = t / (alpha + big_t + t)
    textbook = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, z)
        )
        / (1 + a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x))
    )
    assert_allclose(
        bgnbd.conditional_expected_purchases(BG, t, x, t_x, big_t), textbook, rtol=1e-12
    )


@pytest.mark.parametrize("module,params", [(bgnbd, BG), (paretonbd, PNBD)])
def test_extreme_customers_give_finite_results(module, params):
    # very heavy buyers, last purchase on the last day (t_x == T), and x huge
    x = np.array([1e3, 1e5, 1e6, 5e4, 1.0])
    t_x = np.array([38.86, 38.86, 38.86, 0.001, 38.86])
    big_t = np.full(5, 38.86)
    for values in (
        module.p_alive(params, x, t_x, big_t),
        module.conditional_expected_purchases(params, 52.0, x, t_x, big_t),
        module.individual_log_likelihood(params, x, t_x, big_t)
        if module is bgnbd
        else paretonbd._parts(np.array(list(params.values())), x, t_x, big_t)[0],
    ):
        assert np.all(np.isfinite(values))
    alive = module.p_alive(params, x, t_x, big_t)
    assert np.all((alive >= 0) & (alive <= 1))
    # a customer who buys every day up to T is almost surely alive and keeps buying
    assert alive[1] > 0.99
    expected = module.conditional_expected_purchases(params, 52.0, x, t_x, big_t)
    assert expected[1] > 1e4


@settings(max_examples=200, deadline=None)
@given(
    x=st.integers(0, 10**6),
    frac=st.floats(0, 1),
    big_t=st.floats(0.01, 500),
    t=st.floats(0, 500),
)
def test_scores_are_finite_and_bounded(x, frac, big_t, t):
    t_x = 0.0 if x == 0 else frac * big_t
    for module, params in ((bgnbd, BG), (paretonbd, PNBD)):
        alive = module.p_alive(params, [x], [t_x], [big_t])
        expected = module.conditional_expected_purchases(params, t, [x], [t_x], [big_t])
        assert np.isfinite(alive).all() and (alive >= 0).all() and (alive <= 1).all()
        assert np.isfinite(expected).all() and (expected >= -1e-9).all()


def test_unconditional_expectations():
    # E[X(t)] equals the conditional expectation of a new customer (x = 0, t_x = T = 0)
    assert_allclose(
        bgnbd.expected_purchases(BG, 39.0), bgnbd.conditional_expected_purchases(BG, 39.0, 0, 0, 0)
    )
    assert_allclose(
        paretonbd.expected_purchases(PNBD, 39.0),
        paretonbd.conditional_expected_purchases(PNBD, 39.0, 0, 0, 0),
    )
    assert_allclose(bgnbd.expected_purchases(BG, 0.0), 0.0, atol=1e-12)


def test_gammagamma_expected_spend():
    # note 025 eq. 5, and the population mean for customers without repeat purchases
    assert_allclose(
        gammagamma.conditional_expected_spend(GG, [2, 0], [30.0, np.nan]),
        [6.25 * (15.44 + 60) / (6.25 * 2 + 3.74 - 1), 6.25 * 15.44 / 2.74],
    )


def test_derl_equals_the_discounted_sum():
    params = {"alpha": 0.668, "beta": 3.806}
    for renewals in (0, 4):
        n = renewals + 1
        t = np.arange(n, 3000)
        s = sbg.survival(params, t) / sbg.survival(params, n - 1)
        assert_allclose(sbg.derl(params, 0.1, renewals), (s / 1.1 ** (t - n)).sum(), rtol=1e-10)
    t = np.arange(3000)
    assert_allclose(
        sbg.discounted_expected_lifetime(params, 0.1), (sbg.survival(params, t) / 1.1**t).sum()
    )
    assert np.isinf(sbg.discounted_expected_lifetime(params, 0.0))  # alpha <= 1


def test_dwyer_profit_discounting():
    groups = pd.DataFrame(
        {
            "group": ["A", "B"],
            "revenue": [300.0, 100.0],
            "cost": [100.0, 40.0],
            "retention": [0.8, 0.5],
        }
    )
    out = dwyer.profit_discounting(
        groups, margin=None, revenue="revenue", cost="cost", discount_rate=0.1, horizon=3
    )
    expected_a = sum(200 * 0.8**t / 1.1**t for t in (1, 2, 3))
    expected_b = sum(60 * 0.5**t / 1.1**t for t in (1, 2, 3))
    assert_allclose(out["clv"], [expected_a, expected_b])
    # long format: one row per group and year, margins varying by year
    long = pd.DataFrame(
        {"group": ["A", "A"], "year": [1, 2], "margin": [100.0, 120.0], "retention": [0.8, 0.8]}
    )
    out = dwyer.profit_discounting(long, period="year", discount_rate=0.1)
    assert_allclose(out["clv"], [100 * 0.8 / 1.1 + 120 * 0.64 / 1.21])
    with pytest.raises(CLVInputError, match="retention"):
        dwyer.profit_discounting(
            groups.assign(retention=1.5), margin=None, revenue="revenue", cost="cost"
        )


def test_event_method():
    table = pd.DataFrame(
        {"customer_id": [1, 2], "first_purchase": [100.0, 50.0], "referral_value": [20.0, 0.0]}
    )
    assert event.event_clv(table)["clv"].tolist() == [120.0, 50.0]
    assert event.event_value(100, 300, 50, 20, 30, 10) == 510.0
    with pytest.raises(CLVInputError, match="missing"):
        event.event_clv(table.assign(first_purchase=[1.0, None]))


@pytest.mark.parametrize(
    "frequency,recency,T,match",
    [
        ([-1], [0], [10], "negative"),
        ([1], [11], [10], "exceed"),
        ([], [], [], "no customers"),
        ([0], [2], [10], "recency 0"),
        ([1.5], [1], [10], "whole"),
        ([1], [np.nan], [10], "missing"),
    ],
)
def test_bad_input_is_a_clear_value_error(frequency, recency, T, match):
    with pytest.raises(CLVInputError, match=match) as info:
        bgnbd.fit(frequency, recency, T)
    assert isinstance(info.value, ValueError)
    with pytest.raises(CLVInputError, match=match):
        paretonbd.fit(frequency, recency, T)


def test_bad_spend_and_survivor_input():
    with pytest.raises(CLVInputError, match="repeat buyers"):
        gammagamma.fit([0, 1], [10.0, 5.0])
    with pytest.raises(CLVInputError, match="positive"):
        gammagamma.fit([1], [-5.0])
    with pytest.raises(CLVInputError, match="increase"):
        sbg.fit([1000, 1100])
    with pytest.raises(CLVInputError, match="two periods"):
        sbg.fit([1000])
    with pytest.raises(CLVInputError, match="positive"):
        bgnbd.p_alive({"r": -1, "alpha": 1, "a": 1, "b": 1}, [1], [1], [2])
