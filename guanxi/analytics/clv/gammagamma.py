"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis"; Fader & Hardie 2013, "The Gamma-Gamma model of
monetary value", note 025).

A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers. For a
customer with x transactions of mean value m_x, the density of m_x is (note 025, eq. 4)

    f(m_x | p, q, γ, x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q (m_x x)^(px-1) x / (γ + m_x x)^(px+q)

and the conditional expected transaction value (note 025, eq. 5) is

    E[M | p, q, γ, m_x, x] = p (γ + m_x x) / (p x + q - 1),

a weighted mean of the population mean p γ/(q-1) and the customer's own mean m_x. The model is
fitted on repeat buyers only (x > 0; x counts the repeat purchase days and m_x is their mean,
see :mod:`guanxi.analytics.clv.summary`), by true maximum likelihood with the analytic
gradient and L-BFGS-B on log-parameters, on de-duplicated (x, m_x) pairs weighted by counts.
Spend is assumed independent of the purchase process.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from guanxi.analytics.clv._fit import as_array, check_params, log_hessian, maximise
from guanxi.analytics.clv.errors import CLVInputError

WARM_START_SIZE = 20_000
PARAMS = ("p", "q", "gamma")


def _check(frequency, monetary, counts=None):
    x = as_array("frequency", frequency)
    m = as_array("monetary", monetary)
    if len(x) != len(m):
        raise CLVInputError("frequency and monetary must have the same length")
    if len(x) == 0:
        raise CLVInputError("no repeat buyers to fit the spend model on")
    if np.any(x <= 0):
        raise CLVInputError("the Gamma-Gamma model needs repeat buyers only (frequency > 0)")
    if np.any(m <= 0):
        raise CLVInputError("the Gamma-Gamma model needs a positive mean spend")
    w = np.ones_like(x) if counts is None else as_array("counts", counts)
    if len(w) != len(x):
        raise CLVInputError("counts must have the same length as frequency")
    return x, m, w


def _ll(theta, x, m):
    p, q, gamma = theta
    xm = x * m
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1.0) * np.log(xm)
        + np.log(x)
        - (p * x + q) * np.log(gamma + xm)
    )


class _Prepared:
    """Constant parts of the likelihood, and the distinct x for the gamma functions."""

    def __init__(self, x, m, w):
        self.w = w
        self.xm = x * m
        log_xm = np.log(self.xm)
        self.ux, ix = np.unique(x, return_inverse=True)
        self.wx = np.bincount(ix, weights=w, minlength=len(self.ux))
        self.ix = ix
        self.wx_x = self.wx * self.ux
        self.sum_w_x_logxm = w @ (x * log_xm)
        self.const = w @ (np.log(x) - log_xm)
        self.total = w.sum()


def _neg_ll_and_grad(theta, d: _Prepared):
    p, q, gamma = theta
    ux = d.ux
    log_gxm = np.log(gamma + d.xm)
    px_q = p * ux + q
    ll = (
        d.wx @ (gammaln(px_q) - gammaln(p * ux))
        - d.total * (gammaln(q) - q * np.log(gamma))
        + p * d.sum_w_x_logxm
        + d.const
        - np.bincount(d.ix, weights=d.w * log_gxm, minlength=len(ux)) @ px_q
    )
    sum_log_gxm_x = np.bincount(d.ix, weights=d.w * log_gxm, minlength=len(ux))
    inv = np.bincount(d.ix, weights=d.w / (gamma + d.xm), minlength=len(ux))
    d_pxq = digamma(px_q)
    g_p = d.wx_x @ (d_pxq - digamma(p * ux)) + d.sum_w_x_logxm - ux @ sum_log_gxm_x
    g_q = d.wx @ d_pxq - d.total * (digamma(q) - np.log(gamma)) - sum_log_gxm_x.sum()
    g_gamma = d.total * q / gamma - inv @ px_q
    return -ll, -np.array([g_p, g_q, g_gamma])


def log_likelihood(params: dict, frequency, monetary, counts=None) -> float:
    """Σ counts · ln f(m_x | p, q, γ, x) over repeat buyers (note 025, eq. 4)."""
    theta = check_params(params, PARAMS)
    x, m, w = _check(frequency, monetary, counts)
    return float(w @ _ll(theta, x, m))


def fit(frequency, monetary, counts=None, *, start: dict | None = None) -> dict:
    """Maximum-likelihood estimates of ``p, q, gamma`` on repeat buyers.

    The default start matches the first two moments of the customers' mean spends:
    p = 1, q = 3 and γ = 2 · mean(m_x) (so that p γ / (q - 1) = mean(m_x)).
    """
    x, m, w = _check(frequency, monetary, counts)
    hessian = None
    if start is None and len(x) > WARM_START_SIZE:
        # warm start from a fixed random subsample, preconditioned by its curvature (as in
        # guanxi.analytics.clv.bgnbd.fit)
        idx = np.random.default_rng(0).choice(len(x), WARM_START_SIZE, replace=False)
        start = fit(x[idx], m[idx], w[idx])
        sub = _Prepared(x[idx], m[idx], w[idx])
        hessian = log_hessian(
            lambda th: _neg_ll_and_grad(th, sub),
            np.array(check_params(start, PARAMS)),
            w[idx].sum(),
        )
    if start is None:
        theta0 = np.array([1.0, 3.0, 2.0 * float(w @ m / w.sum())])
    else:
        theta0 = np.array(check_params(start, PARAMS))
    prepared = _Prepared(x, m, w)
    theta = maximise(lambda th: _neg_ll_and_grad(th, prepared), theta0, w.sum(), hessian=hessian)
    return dict(zip(PARAMS, (float(v) for v in theta), strict=True))


def conditional_expected_spend(params: dict, frequency, monetary) -> np.ndarray:
    """E[M | x, m_x] = p (γ + m_x x) / (p x + q - 1) (note 025, eq. 5).

    Customers with x = 0 (or a missing m_x) get the population mean p γ / (q - 1). Needs
    q > 1 for a finite mean; otherwise a :class:`CLVInputError` is raised.
    """
    p, q, gamma = check_params(params, PARAMS)
    if q <= 1:
        raise CLVInputError(f"q = {q:g} <= 1: the Gamma-Gamma mean spend is infinite")
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary, dtype=np.float64)
    known = (x > 0) & np.isfinite(m)
    xm = np.where(known, x * m, 0.0)
    xx = np.where(known, x, 0.0)
    return p * (gamma + xm) / (p * xx + q - 1.0)


def population_mean_spend(params: dict) -> float:
    """E[M] = p γ / (q - 1) for a customer with no repeat purchase yet."""
    p, q, gamma = check_params(params, PARAMS)
    if q <= 1:
        raise CLVInputError(f"q = {q:g} <= 1: the Gamma-Gamma mean spend is infinite")
    return p * gamma / (q - 1.0)
