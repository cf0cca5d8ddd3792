"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, "How to
project customer retention", Journal of Interactive Marketing 21(1), 76-90).

Each customer renews at the end of every period with a constant probability 1 - θ, and θ
varies across customers as Beta(α, β). For the period T in which a customer churns:

    P(T = t | α, β) = B(α+1, β+t-1) / B(α, β),      t = 1, 2, ...
    S(t | α, β)     = B(α, β+t) / B(α, β)            (survival: still a customer after t)
    r_t             = S(t) / S(t-1) = (β+t-1) / (α+β+t-1)   (retention rate, rising with t)

Fitted from a cohort's survivor counts n_0, n_1, ..., n_k (customers alive at the start of
each period) by maximising (Fader & Hardie 2007, eq. 7)

    LL(α, β) = Σ_{t=1..k} (n_{t-1} - n_t) ln P(T = t) + n_k ln S(k)

with the analytic gradient and L-BFGS-B on log-parameters. Discounted expected residual
lifetime (Fader & Hardie 2010, "Customer-base valuation in a contractual setting: the perils
of ignoring heterogeneity", Marketing Science 29(1), 85-93, eq. 6), for a customer who has made
n - 1 renewals and discount rate d per period:

    DERL(d | α, β, n-1) = (β+n-1)/(α+β+n-1) · 2F1(1, β+n; α+β+n; 1/(1+d))
                        = Σ_{t≥n} S(t)/S(n-1) · (1+d)^-(t-n)

(the expected number of payments still to come, the next one undiscounted); multiply by the
margin per period for the residual value. For a just-acquired customer, the discounted
expected lifetime is DEL(d) = 2F1(1, β; α+β; 1/(1+d)) = Σ_{t≥0} S(t) (1+d)^-t. Both are
infinite when α ≤ 1 and d = 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, hyp2f1

from guanxi.analytics.clv._fit import as_array, check_params, maximise
from guanxi.analytics.clv.errors import CLVInputError

PARAMS = ("alpha", "beta")


def check_survivors(survivors) -> np.ndarray:
    """Validate a survivor curve: at least two counts, non-negative, never increasing."""
    n = as_array("survivors", survivors)
    if len(n) < 2:
        raise CLVInputError("survivors needs at least two periods (the cohort size and one more)")
    if np.any(n < 0):
        raise CLVInputError("survivors must not be negative")
    if n[0] <= 0:
        raise CLVInputError("the cohort must start with at least one customer")
    if np.any(np.diff(n) > 0):
        raise CLVInputError("survivors must never increase from one period to the next")
    if n[-1] == n[0]:
        raise CLVInputError("no customer churned: the sBG parameters cannot be estimated")
    return n


def _ll_and_grad(theta, n):
    alpha, beta = theta
    t = np.arange(1, len(n))
    lost = n[:-1] - n[1:]
    kept = n[-1]
    base = betaln(alpha, beta)
    log_p = betaln(alpha + 1.0, beta + t - 1.0) - base
    log_s = betaln(alpha, beta + t[-1]) - base
    ll = lost @ log_p + kept * log_s
    d_base_a = digamma(alpha) - digamma(alpha + beta)
    d_base_b = digamma(beta) - digamma(alpha + beta)
    dp_a = digamma(alpha + 1.0) - digamma(alpha + beta + t) - d_base_a
    dp_b = digamma(beta + t - 1.0) - digamma(alpha + beta + t) - d_base_b
    ds_a = digamma(alpha) - digamma(alpha + beta + t[-1]) - d_base_a
    ds_b = digamma(beta + t[-1]) - digamma(alpha + beta + t[-1]) - d_base_b
    grad = np.array([lost @ dp_a + kept * ds_a, lost @ dp_b + kept * ds_b])
    return ll, grad


def log_likelihood(params: dict, survivors) -> float:
    """LL(α, β) of a survivor curve (Fader & Hardie 2007, eq. 7)."""
    theta = np.array(check_params(params, PARAMS))
    return float(_ll_and_grad(theta, check_survivors(survivors))[0])


def fit(survivors, *, start: dict | None = None) -> dict:
    """Maximum-likelihood ``alpha, beta`` from survivor counts n_0, n_1, ..., n_k."""
    n = check_survivors(survivors)
    theta0 = np.array([1.0, 1.0] if start is None else check_params(start, PARAMS))

    def negative(theta):
        ll, grad = _ll_and_grad(theta, n)
        return -ll, -grad

    theta = maximise(negative, theta0, n[0])
    return dict(zip(PARAMS, (float(v) for v in theta), strict=True))


def survival(params: dict, periods) -> np.ndarray:
    """S(t) = B(α, β+t) / B(α, β) for each t in ``periods`` (S(0) = 1)."""
    alpha, beta = check_params(params, PARAMS)
    t = np.asarray(periods, dtype=np.float64)
    if np.any(t < 0):
        raise CLVInputError("periods must not be negative")
    return np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))


def churn_probability(params: dict, periods) -> np.ndarray:
    """P(T = t) = B(α+1, β+t-1) / B(α, β) for t ≥ 1."""
    alpha, beta = check_params(params, PARAMS)
    t = np.asarray(periods, dtype=np.float64)
    if np.any(t < 1):
        raise CLVInputError("churn periods start at 1")
    return np.exp(betaln(alpha + 1.0, beta + t - 1.0) - betaln(alpha, beta))


def retention_rate(params: dict, periods) -> np.ndarray:
    """r_t = (β+t-1) / (α+β+t-1): the share of period t-1's customers who renew at t."""
    alpha, beta = check_params(params, PARAMS)
    t = np.asarray(periods, dtype=np.float64)
    if np.any(t < 1):
        raise CLVInputError("retention periods start at 1")
    return (beta + t - 1.0) / (alpha + beta + t - 1.0)


def project(params: dict, cohort_size: float, horizon: int) -> np.ndarray:
    """Expected survivors n_0 · S(t) for t = 0..horizon."""
    if horizon < 0:
        raise CLVInputError("horizon must not be negative")
    return cohort_size * survival(params, np.arange(horizon + 1))


def _hyp_value(alpha, beta, n, discount_rate):
    if discount_rate < 0:
        raise CLVInputError("discount rate must not be negative")
    if discount_rate == 0 and alpha <= 1:
        return np.inf  # the expected lifetime is infinite for α ≤ 1
    return hyp2f1(1.0, beta + n, alpha + beta + n, 1.0 / (1.0 + discount_rate))


def derl(params: dict, discount_rate: float, renewals=0) -> np.ndarray:
    """DERL(d | α, β, n-1 renewals) (Fader & Hardie 2010, eq. 6); ``renewals`` is n - 1."""
    alpha, beta = check_params(params, PARAMS)
    n = np.asarray(renewals, dtype=np.float64) + 1.0
    if np.any(n < 1):
        raise CLVInputError("renewals must not be negative")
    ratio = (beta + n - 1.0) / (alpha + beta + n - 1.0)
    return ratio * _hyp_value(alpha, beta, n, discount_rate)


def discounted_expected_lifetime(params: dict, discount_rate: float) -> float:
    """DEL(d) = 2F1(1, β; α+β; 1/(1+d)): discounted expected payments of a new customer."""
    alpha, beta = check_params(params, PARAMS)
    return float(_hyp_value(alpha, beta, 0.0, discount_rate))
