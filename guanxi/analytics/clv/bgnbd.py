"""BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
purchase she drops out with probability p ~ Beta(a, b). For a customer with x repeat purchases,
the last at t_x, observed for T (Fader, Hardie & Lee 2005, Marketing Science 24(2), eq. 6):

    L(r, α, a, b | x, t_x, T) = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
                              + δ(x>0) · B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))

Everything is evaluated in log space (log-sum-exp of the two terms), so very heavy buyers and
customers whose last purchase is at T give finite values. Parameters are estimated by true
maximum likelihood (no priors) with L-BFGS-B on log-parameters and the analytic gradient,
on de-duplicated (x, t_x, T) tuples weighted by their counts.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1

from guanxi.analytics.clv._fit import check_params, check_rft, log_hessian, maximise

WARM_START_SIZE = 20_000
PARAMS = ("r", "alpha", "a", "b")


def _terms(theta, x, t_x, big_t):
    r, alpha, a, b = theta
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    common = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    log_t = np.log(alpha + big_t)
    log_tx = np.log(alpha + t_x)
    term3 = -(r + x) * log_t
    term4 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * log_tx, -np.inf)
    top = np.maximum(term3, term4)
    w4 = np.exp(term4 - top)
    w3 = np.exp(term3 - top)
    total = w3 + w4
    ll = common + top + np.log(total)
    return ll, w3 / total, w4 / total, bx1, log_t, log_tx, repeat


class _Prepared:
    """Tuples with their distinct x, t_x and T values, so that the special functions are
    evaluated once per distinct value (a few hundred) rather than once per tuple."""

    def __init__(self, x, t_x, big_t, w):
        self.w = w
        self.ux, self.ix = np.unique(x, return_inverse=True)
        self.wx = np.bincount(self.ix, weights=w, minlength=len(self.ux))
        self.ut, self.it = np.unique(big_t, return_inverse=True)
        self.utx, self.itx = np.unique(t_x, return_inverse=True)
        self.x = x
        self.repeat = x > 0
        self.rep_idx = np.flatnonzero(self.repeat)
        self.w_rep = w[self.rep_idx]
        self.ix_rep = self.ix[self.rep_idx]
        self.itx_rep = self.itx[self.rep_idx]
        self.wx_total = w.sum()


def _neg_ll_and_grad(theta, d: _Prepared):
    r, alpha, a, b = theta
    ux, w = d.ux, d.w
    # per distinct x
    common = (
        gammaln(r + ux)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + ux)
        - gammaln(b)
        - gammaln(a + b + ux)
    )
    bx1 = np.where(ux > 0, b + ux - 1.0, 1.0)
    log_extra = np.log(a) - np.log(bx1)
    # per distinct T and t_x
    log_t = np.log(alpha + d.ut)
    log_tx = np.log(alpha + d.utx)
    rx = r + d.x
    term3 = -rx * log_t[d.it]
    rep = d.rep_idx
    term4 = log_extra[d.ix_rep] - rx[rep] * log_tx[d.itx_rep]
    # log(e^term3 + e^term4) for repeat buyers; p4 = share of the second term
    diff = term4 - term3[rep]
    p4 = np.zeros_like(term3)
    p4[rep] = 1.0 / (1.0 + np.exp(-diff))
    lse = term3.copy()
    lse[rep] = term3[rep] + np.logaddexp(0.0, diff)
    ll = d.wx @ common + w @ lse
    p3 = 1.0 - p4
    wp3 = w * p3
    wp4 = w * p4
    # sums of per-T and per-t_x quantities weighted by p3 and p4
    s3_t = np.bincount(d.it, weights=wp3, minlength=len(d.ut))
    s3_t_rx = np.bincount(d.it, weights=wp3 * rx, minlength=len(d.ut))
    s4_tx = np.bincount(d.itx, weights=wp4, minlength=len(d.utx))
    s4_tx_rx = np.bincount(d.itx, weights=wp4 * rx, minlength=len(d.utx))
    s4_x = np.bincount(d.ix, weights=wp4, minlength=len(ux))
    d_abx = digamma(a + b + ux)
    d_ab = digamma(a + b)
    g_r = d.wx @ (digamma(r + ux) - digamma(r) + np.log(alpha)) - s3_t @ log_t - s4_tx @ log_tx
    g_alpha = (
        d.wx_total * r / alpha
        - s3_t_rx @ (1.0 / (alpha + d.ut))
        - s4_tx_rx @ (1.0 / (alpha + d.utx))
    )
    g_a = d.wx @ (d_ab - d_abx) + s4_x.sum() / a
    g_b = d.wx @ (d_ab + digamma(b + ux) - digamma(b) - d_abx) - s4_x @ np.where(
        ux > 0, 1.0 / bx1, 0.0
    )
    return -ll, -np.array([g_r, g_alpha, g_a, g_b])


def log_likelihood(params: dict, frequency, recency, T, counts=None) -> float:
    """Total log-likelihood Σ counts · ln L(r, α, a, b | x, t_x, T) (eq. 6 of FHL 2005)."""
    theta = check_params(params, PARAMS)
    x, t_x, big_t, w = check_rft(frequency, recency, T, counts)
    return float(w @ _terms(theta, x, t_x, big_t)[0])


def individual_log_likelihood(params: dict, frequency, recency, T) -> np.ndarray:
    """ln L per customer (same formula as :func:`log_likelihood`)."""
    theta = check_params(params, PARAMS)
    x, t_x, big_t, _ = check_rft(frequency, recency, T)
    return _terms(theta, x, t_x, big_t)[0]


def fit(frequency, recency, T, counts=None, *, start: dict | None = None) -> dict:
    """Maximum-likelihood estimates of ``r, alpha, a, b``.

    Parameters
    ----------
    frequency, recency, T : array_like
        x, t_x and T per customer, or per distinct tuple with ``counts``.
    counts : array_like, optional
        Number of customers sharing each tuple (weights of the log-likelihood).
    start : dict, optional
        Starting values; by default r = 1, a = b = 1 and α = mean(T) / (1 + mean(x)).

    Returns
    -------
    dict
        ``{"r": ..., "alpha": ..., "a": ..., "b": ...}``.
    """
    x, t_x, big_t, w = check_rft(frequency, recency, T, counts)
    hessian = None
    if start is None and len(x) > WARM_START_SIZE:
        # Warm start from a fixed random subsample, and precondition the full search with the
        # subsample's curvature at its optimum: the full fit then takes a few iterations.
        idx = np.random.default_rng(0).choice(len(x), WARM_START_SIZE, replace=False)
        start = fit(x[idx], t_x[idx], big_t[idx], w[idx])
        sub = _Prepared(x[idx], t_x[idx], big_t[idx], w[idx])
        hessian = log_hessian(
            lambda th: _neg_ll_and_grad(th, sub),
            np.array(check_params(start, PARAMS)),
            w[idx].sum(),
        )
    if start is None:
        mean_x = float(w @ x / w.sum())
        mean_t = float(w @ big_t / w.sum())
        theta0 = np.array([1.0, max(mean_t, 1e-3) / (1.0 + mean_x), 1.0, 1.0])
    else:
        theta0 = np.array(check_params(start, PARAMS))
    prepared = _Prepared(x, t_x, big_t, w)
    theta = maximise(lambda th: _neg_ll_and_grad(th, prepared), theta0, w.sum(), hessian=hessian)
    return dict(zip(PARAMS, (float(v) for v in theta), strict=True))


def p_alive(params: dict, frequency, recency, T) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)).

    Fader, Hardie & Lee (2005), "Computing P(alive) using the BG/NBD model" (note 008), eq. 1;
    evaluated as a logistic of the log-odds, so it never overflows.
    """
    r, alpha, a, b = check_params(params, PARAMS)
    x, t_x, big_t, _ = check_rft(frequency, recency, T, allow_empty=True)
    return _p_alive(r, alpha, a, b, x, t_x, big_t)


def _p_alive(r, alpha, a, b, x, t_x, big_t):
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    log_odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
    return np.where(repeat, expit(-log_odds), 1.0)


def _alive_expectation(t, r, alpha, a, b):
    """U(t) = (a+b-1)/(a-1) · [1 - (α/(α+t))^r · 2F1(r, b; a+b-1; t/(α+t))].

    The expected purchases in (0, t] of a BG/NBD customer alive at 0 (FHL 2005 eq. 9). The
    hypergeometric term is rewritten with Euler's transformation,
    (1-z)^r 2F1(r, b; c; z) = (1-z)^(a-1) 2F1(c-r, a-1; c; z) with c = a+b-1 and
    z = t/(α+t), which stays bounded where the textbook form overflows (large b, i.e. x).
    All arguments broadcast.
    """
    if abs(a - 1.0) < 1e-7:  # removable singularity at a = 1: average the two sides
        return 0.5 * (
            _alive_expectation(t, r, alpha, 1.0 - 1e-7, b)
            + _alive_expectation(t, r, alpha, 1.0 + 1e-7, b)
        )
    c = a + b - 1.0
    z = t / (alpha + t)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(c - r, a - 1.0, c, z)
        result = c / (a - 1.0) * (1.0 - tail)
    bad = ~np.isfinite(result)
    if np.any(bad):
        # A fit with huge a and b (Beta(a, b) a point mass at p = a / (a + b): every customer
        # drops out with the same probability after a purchase) makes 0 · inf here. Use the
        # limit, FHL 2005 eq. 7 averaged over the Gamma purchase rate only:
        # E[X(t) | p] = (1 - (α / (α + p·t))^r) / p, exact up to O(1/a).
        p = a / (a + b)
        limit = -np.expm1(r * (np.log(alpha) - np.log(alpha + p * t))) / p
        result = np.where(bad, limit, result)
    return result


def expected_purchases(params: dict, t) -> np.ndarray:
    """Unconditional E[X(t)] for a customer acquired at 0 (FHL 2005 eq. 9)."""
    r, alpha, a, b = check_params(params, PARAMS)
    return _alive_expectation(np.asarray(t, dtype=np.float64), r, alpha, a, b)


def conditional_expected_purchases(params: dict, t, frequency, recency, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] (FHL 2005 eq. 10).

        E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1)
            · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]
            / [1 + δ(x>0) · a/(b+x-1) · ((α+T)/(α+t_x))^(r+x)]

    computed as P(alive) · U(t) with the alive customer's posterior parameters
    (r+x, α+T, a, b+x) and the Euler-transformed 2F1, so it is finite for any x.
    """
    r, alpha, a, b = check_params(params, PARAMS)
    x, t_x, big_t, _ = check_rft(frequency, recency, T, allow_empty=True)
    t = np.asarray(t, dtype=np.float64)
    return _p_alive(r, alpha, a, b, x, t_x, big_t) * _alive_expectation(
        t, r + x, alpha + big_t, a, b + x
    )


def alive_expectation_grid(params: dict, times, frequency, T) -> np.ndarray:
    """U(t) of the posterior alive process for each (x, T) and each t in ``times``.

    Shape ``(len(frequency), len(times))``; multiply a row by P(alive) to get
    E[Y(t) | x, t_x, T]. The grid depends on (x, T) only, not on t_x, which lets scoring
    evaluate the hypergeometric function once per distinct (x, T).
    """
    r, alpha, a, b = check_params(params, PARAMS)
    x = np.asarray(frequency, dtype=np.float64)[:, None]
    big_t = np.asarray(T, dtype=np.float64)[:, None]
    times = np.asarray(times, dtype=np.float64)[None, :]
    return _alive_expectation(times, r + x, alpha + big_t, a, b + x)
