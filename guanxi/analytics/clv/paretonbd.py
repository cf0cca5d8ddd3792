"""Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987).

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); her lifetime is
exponential with rate μ ~ Gamma(s, β). The likelihood, in the form of Fader, Hardie & Lee
(2005), "A note on implementing the Pareto/NBD model in MATLAB" (note 008), eq. 2-4:

    L(r, α, s, β | x, t_x, T) = Γ(r+x) α^r β^s / Γ(r)
        · [ 1 / ((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A0 ]

with, for α ≥ β,

    A0 = 2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+t_x)) / (α+t_x)^(r+s+x)
       - 2F1(r+s+x, s+1; r+s+x+1; (α-β)/(α+T)) / (α+T)^(r+s+x)

and for α < β the same with (β-α)/(β+·), (β+·)^(r+s+x) and second argument r+x.

Numerically: s/(r+s+x) · A0 = s · ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ = s · (G(t_x) - G(T)).
Each G is evaluated in log space after Euler's transformation
2F1(m, b; m+1; z) = (1-z)^(1-b) 2F1(1, m+1-b; m+1; z), whose value lies between 1 and
1/(1-z) for every x (the untransformed 2F1 overflows for heavy buyers), and the difference is
taken as G(t_x) · (1 - exp(ln G(T) - ln G(t_x))), exactly 0 when t_x = T. The two terms are
combined with log-sum-exp. The fit is true maximum likelihood (no priors) by L-BFGS-B on
log-parameters with a central-difference gradient (the 2F1 parameter derivatives have no
convenient closed form), on de-duplicated (x, t_x, T) tuples weighted by their counts.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from guanxi.analytics.clv._fit import check_params, check_rft, maximise

PARAMS = ("r", "alpha", "s", "beta")


def _log_g(u, r, alpha, s, beta, x):
    """ln ∫_u^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ via the Euler-transformed 2F1."""
    m = r + s + x
    la = np.log(alpha + u)
    lb = np.log(beta + u)
    if alpha >= beta:
        z = (alpha - beta) / (alpha + u)
        return -(r + x) * la - s * lb + np.log(hyp2f1(1.0, r + x, m + 1.0, z)) - np.log(m)
    z = (beta - alpha) / (beta + u)
    return (
        (1.0 - r - x) * la - (s + 1.0) * lb + np.log(hyp2f1(1.0, s + 1.0, m + 1.0, z)) - np.log(m)
    )


def _parts(theta, x, t_x, big_t):
    """(ln L, ln of the 'alive at T' term, ln of the 'died in (t_x, T]' term) per tuple."""
    r, alpha, s, beta = theta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    g_tx = _log_g(t_x, r, alpha, s, beta, x)
    g_t = _log_g(big_t, r, alpha, s, beta, x)
    with np.errstate(divide="ignore"):
        died = np.log(s) + g_tx + np.log(-np.expm1(np.minimum(g_t - g_tx, 0.0)))
    return common + np.logaddexp(alive, died), alive, died


def log_likelihood(params: dict, frequency, recency, T, counts=None) -> float:
    """Total log-likelihood Σ counts · ln L(r, α, s, β | x, t_x, T)."""
    theta = check_params(params, PARAMS)
    x, t_x, big_t, w = check_rft(frequency, recency, T, counts)
    return float(w @ _parts(theta, x, t_x, big_t)[0])


def _neg_ll_and_grad(theta, x, t_x, big_t, w, step=1e-6):
    value = -(w @ _parts(theta, x, t_x, big_t)[0])
    grad = np.empty(len(theta))
    for i in range(len(theta)):
        up = theta.copy()
        down = theta.copy()
        up[i] *= np.exp(step)
        down[i] *= np.exp(-step)
        diff = (w @ _parts(down, x, t_x, big_t)[0]) - (w @ _parts(up, x, t_x, big_t)[0])
        grad[i] = diff / (2 * step) / theta[i]  # d/dθ from d/dlnθ
    return value, grad


def fit(frequency, recency, T, counts=None, *, start: dict | None = None) -> dict:
    """Maximum-likelihood estimates of ``r, alpha, s, beta``.

    Parameters and weights as in :func:`guanxi.analytics.clv.bgnbd.fit`; the default start is
    r = s = 1 and α = β = mean(T) / (1 + mean(x)).
    """
    x, t_x, big_t, w = check_rft(frequency, recency, T, counts)
    if start is None:
        mean_x = float(w @ x / w.sum())
        scale = max(float(w @ big_t / w.sum()), 1e-3) / (1.0 + mean_x)
        theta0 = np.array([1.0, scale, 1.0, scale])
    else:
        theta0 = np.array(check_params(start, PARAMS))
    theta = maximise(lambda th: _neg_ll_and_grad(th, x, t_x, big_t, w), theta0, w.sum())
    return dict(zip(PARAMS, (float(v) for v in theta), strict=True))


def p_alive(params: dict, frequency, recency, T) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0).

    Fader, Hardie & Lee (2005) note 008, eq. 5; the ratio of the 'alive' term to the whole
    likelihood, taken in log space.
    """
    theta = check_params(params, PARAMS)
    x, t_x, big_t, _ = check_rft(frequency, recency, T, allow_empty=True)
    _, alive, died = _parts(theta, x, t_x, big_t)
    return np.exp(alive - np.logaddexp(alive, died))


def _decay(s, log_ratio):
    """[1 - q^(s-1)] / (s-1) with ln q = log_ratio, stable at s = 1 (limit -ln q)."""
    e = s - 1.0
    if abs(e) < 1e-10:
        return -log_ratio
    return -np.expm1(e * log_ratio) / e


def expected_purchases(params: dict, t) -> np.ndarray:
    """Unconditional E[X(t)] = r β / (α (s-1)) · [1 - (β/(β+t))^(s-1)] (SMC 1987)."""
    r, alpha, s, beta = check_params(params, PARAMS)
    t = np.asarray(t, dtype=np.float64)
    return r * beta / alpha * _decay(s, np.log(beta) - np.log(beta + t))


def alive_expectation_grid(params: dict, times, frequency, T) -> np.ndarray:
    """Expected purchases in (T, T+t] of a customer alive at T, per (x, T) and t in ``times``.

    (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)]
    """
    r, alpha, s, beta = check_params(params, PARAMS)
    x = np.asarray(frequency, dtype=np.float64)[:, None]
    big_t = np.asarray(T, dtype=np.float64)[:, None]
    times = np.asarray(times, dtype=np.float64)[None, :]
    rate = (r + x) * (beta + big_t) / (alpha + big_t)
    return rate * _decay(s, np.log(beta + big_t) - np.log(beta + big_t + times))


def conditional_expected_purchases(params: dict, t, frequency, recency, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T)/((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)].

    Fader, Hardie & Lee (2005) note 008, eq. 6 (the SMC 1987 conditional expectation).
    """
    r, alpha, s, beta = check_params(params, PARAMS)
    alive = p_alive(params, frequency, recency, T)
    x, _, big_t, _ = check_rft(frequency, recency, T, allow_empty=True)
    t = np.asarray(t, dtype=np.float64)
    rate = (r + x) * (beta + big_t) / (alpha + big_t)
    return alive * rate * _decay(s, np.log(beta + big_t) - np.log(beta + big_t + t))
