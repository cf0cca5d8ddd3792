"""Shared maximum-likelihood machinery: input checks and L-BFGS-B on log-parameters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from guanxi.analytics.clv.errors import CLVFitError, CLVInputError

LOG_BOUND = 25.0  # parameters stay within e^-25 .. e^25, far beyond any sensible value


def as_array(name: str, values) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise CLVInputError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(arr)):
        raise CLVInputError(f"{name} has missing or infinite values")
    return arr


def check_rft(frequency, recency, T, counts=None, *, allow_empty: bool = False):
    """Validate (x, t_x, T[, counts]) and return float arrays."""
    x = as_array("frequency", frequency)
    t_x = as_array("recency", recency)
    big_t = as_array("T", T)
    if not (len(x) == len(t_x) == len(big_t)):
        raise CLVInputError("frequency, recency and T must have the same length")
    if len(x) == 0 and not allow_empty:
        raise CLVInputError("no customers to fit")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(big_t < 0):
        raise CLVInputError("frequency, recency and T must not be negative")
    if np.any(x != np.floor(x)):
        raise CLVInputError("frequency must be a whole number of repeat purchases")
    if np.any(t_x > big_t * (1 + 1e-12)):
        raise CLVInputError("recency (t_x) must not exceed T")
    if np.any((x == 0) & (t_x > 0)):
        raise CLVInputError("a customer with no repeat purchase (x = 0) must have recency 0")
    if counts is None:
        w = np.ones_like(x)
    else:
        w = as_array("counts", counts)
        if len(w) != len(x):
            raise CLVInputError("counts must have the same length as frequency")
        if np.any(w < 0):
            raise CLVInputError("counts must not be negative")
    return x, t_x, big_t, w


def check_params(params: dict, names: tuple[str, ...]) -> tuple[float, ...]:
    try:
        values = tuple(float(params[n]) for n in names)
    except KeyError as exc:
        raise CLVInputError(f"missing model parameter {exc.args[0]!r}") from None
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise CLVInputError(f"model parameters {', '.join(names)} must be positive")
    return values


def log_hessian(
    neg_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    theta: np.ndarray,
    total_weight: float,
    step: float = 1e-4,
) -> np.ndarray | None:
    """Hessian of the mean negative log-likelihood in log-parameters at ``theta``, by central
    differences of the analytic gradient; None unless it is finite and positive definite."""
    theta = np.asarray(theta, dtype=np.float64)
    k = len(theta)
    scale = 1.0 / max(total_weight, 1e-300)

    def grad(log_theta):
        t = np.exp(log_theta)
        return neg_ll_and_grad(t)[1] * t * scale

    y = np.log(theta)
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        h[:, i] = (grad(y + e) - grad(y - e)) / (2 * step)
    h = 0.5 * (h + h.T)
    if not np.all(np.isfinite(h)):
        return None
    try:
        np.linalg.cholesky(h)
    except np.linalg.LinAlgError:
        return None
    return h


def maximise(
    neg_ll_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: np.ndarray,
    total_weight: float,
    *,
    jac: bool = True,
    hessian: np.ndarray | None = None,
) -> np.ndarray:
    """Maximise a log-likelihood over positive parameters; return the optimum.

    ``neg_ll_and_grad(theta)`` receives the parameters themselves and returns the negative
    log-likelihood and (if ``jac``) its gradient with respect to them. The search runs in
    log-parameters (the chain rule multiplies the gradient by the parameter) and on the mean
    per-customer likelihood so that tolerances do not depend on the number of customers.

    ``hessian`` (of the mean negative log-likelihood in log-parameters near the optimum, e.g.
    from a fit on a subsample, see :func:`log_hessian`) preconditions the search: it runs in
    ``z = Lᵀ (ln θ - ln θ₀)`` with ``H = L Lᵀ``, where the objective is close to ``|z|²/2``
    and L-BFGS needs a handful of iterations instead of dozens. The optimum is the same: only
    the coordinates change.
    """
    scale = 1.0 / max(total_weight, 1e-300)
    y0 = np.log(start)
    if hessian is not None and jac:
        chol = np.linalg.cholesky(hessian)  # H = L Lᵀ
        inv_t = np.linalg.inv(chol.T)  # y = y0 + inv_t @ z

        def objective_z(z):
            y = y0 + inv_t @ z
            if np.any(np.abs(y) > LOG_BOUND):
                return 1e300, np.zeros_like(z)
            theta = np.exp(y)
            value, grad = neg_ll_and_grad(theta)
            if not np.isfinite(value):
                return 1e300, np.zeros_like(z)
            return value * scale, inv_t.T @ (grad * theta * scale)

        result = minimize(
            objective_z,
            np.zeros(len(start)),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20},
        )
        y = y0 + inv_t @ result.x
        if (
            np.all(np.isfinite(y))
            and np.all(np.abs(y) < LOG_BOUND)
            and (result.success or "ABNORMAL" in str(result.message).upper())
        ):
            return np.exp(y)
        # otherwise fall back to the plain search below

    def objective(log_theta):
        theta = np.exp(log_theta)
        if jac:
            value, grad = neg_ll_and_grad(theta)
            if not np.isfinite(value):
                return 1e300, np.zeros_like(theta)
            return value * scale, grad * theta * scale
        value = neg_ll_and_grad(theta)
        return (value * scale) if np.isfinite(value) else 1e300

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = minimize(
        objective,
        y0,
        jac=jac,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9, "maxcor": 20},
    )
    if not np.all(np.isfinite(result.x)) or (
        not result.success and "ABNORMAL" not in str(result.message).upper()
    ):
        raise CLVFitError(f"maximum-likelihood fit did not converge: {result.message}")
    return np.exp(result.x)
