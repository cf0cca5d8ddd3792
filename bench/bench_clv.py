"""CLV benchmark: `guanxi analyze clv` end to end against lifetimes, a hand-written NumPy/SciPy
maximum-likelihood lower bound and PyMC-Marketing (if installed), side by side in one run.

Every contender reads the same Parquet log, summarises it (same-day purchases merged, weekly
units), fits BG/NBD + Gamma-Gamma, scores every customer (P(alive), expected purchases and
12-month discounted CLV) and writes a Parquet file. Each runs in its own process so its peak
memory (max RSS) is its own.

    python bench/bench_clv.py --customers 1000000
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))

import _data  # noqa: E402

CAL_END = _data.LAST_DAY.isoformat()
HORIZON = 12
DISCOUNT = 0.01


def run_guanxi(path, out):
    from guanxi.analytics.clv.commands import add_clv_arguments, run_clv_command

    parser = argparse.ArgumentParser()
    add_clv_arguments(parser)
    args = parser.parse_args(
        ["--input", str(path), "--output", out, "--calibration-end", CAL_END, "--json"]
        + ["--horizon", str(HORIZON), "--discount-rate", str(DISCOUNT)]
    )
    import contextlib
    import io

    buffer = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        status = run_clv_command(args)
    total = time.perf_counter() - t0
    if status:
        raise RuntimeError(f"guanxi exited {status}")
    result = json.loads(buffer.getvalue())
    return {"total": total}, {**result["params"], **result["spend"]["params"]}


HAND_SUMMARY = """
WITH daily AS (
  SELECT customer_id, date, CAST(sum(CAST(round(amount * 100) AS BIGINT)) AS BIGINT) AS cents
  FROM read_parquet('{path}') WHERE date <= DATE '{cal}' GROUP BY customer_id, date)
SELECT customer_id, count(*) - 1 AS x, max(date) - min(date) AS rec, DATE '{cal}' - min(date) AS t,
  CAST(sum(cents) AS BIGINT)
    - CAST(min((CAST(date - DATE '1970-01-01' AS BIGINT) << 40) + cents) & 1099511627775 AS BIGINT)
    AS repeat_cents
FROM daily WHERE cents >= 0 GROUP BY customer_id
"""


def duckdb_summary(path):
    """The summary as one hand-written DuckDB query (same-day purchases merged; the first
    day's spend taken from a packed (day, cents) minimum)."""
    import duckdb
    import numpy as np

    table = duckdb.sql(HAND_SUMMARY.format(path=path, cal=CAL_END)).to_arrow_table()
    x = table["x"].to_numpy().astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = table["repeat_cents"].to_numpy() / 100.0 / x
    return (
        table["customer_id"].to_numpy(),
        x,
        table["rec"].to_numpy() / 7.0,
        table["t"].to_numpy() / 7.0,
        m,
    )


def run_lower_bound(path, out):
    """Hand-written: one DuckDB query for the summary, a per-customer analytic-gradient
    L-BFGS fit (same tolerances as guanxi), vectorised scoring, pyarrow write."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from scipy.optimize import minimize
    from scipy.special import digamma, expit, gammaln, hyp2f1

    times = {}
    t0 = time.perf_counter()
    cid, x, t_x, big_t, m = duckdb_summary(path)
    times["summary"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    rep = x > 0

    # Special functions once per distinct x (a few hundred values), gathered per customer;
    # everything else per customer, as a careful hand-written fit would do.
    ux, ix = np.unique(x, return_inverse=True)
    n = len(x)

    def bg_nll(lp):
        r, al, a, b = np.exp(lp)
        sp = (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(al)
            + gammaln(a + b)
            + gammaln(b + ux)
            - gammaln(b)
            - gammaln(a + b + ux)
        )
        bx1 = np.where(ux > 0, b + ux - 1, 1.0)
        lt = np.log(al + big_t)
        ltx = np.log(al + t_x)
        rx = r + x
        l3 = -rx * lt
        l4 = np.where(rep, (np.log(a) - np.log(bx1))[ix] - rx * ltx, -np.inf)
        mx = np.maximum(l3, l4)
        e3, e4 = np.exp(l3 - mx), np.exp(l4 - mx)
        tot = e3 + e4
        p3, p4 = e3 / tot, e4 / tot
        ll = sp[ix].sum() + (mx + np.log(tot)).sum()
        cnt = np.bincount(ix, minlength=len(ux))
        p4x = np.bincount(ix, weights=p4, minlength=len(ux))
        d_ab, d_abx = digamma(a + b), digamma(a + b + ux)
        gr = cnt @ (digamma(r + ux) - digamma(r) + np.log(al)) - p3 @ lt - p4 @ ltx
        gal = n * r / al - (rx * p3) @ (1 / (al + big_t)) - (rx * p4) @ (1 / (al + t_x))
        ga = cnt @ (d_ab - d_abx) + p4.sum() / a
        gb = cnt @ (d_ab + digamma(b + ux) - digamma(b) - d_abx) - p4x @ np.where(
            ux > 0, 1 / bx1, 0.0
        )
        g = np.array([gr * r, gal * al, ga * a, gb * b])
        return -ll / n, -g / n

    start = [1.0, max(big_t.mean(), 1e-3) / (1 + x.mean()), 1.0, 1.0]
    res = minimize(
        bg_nll,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-25, 25)] * 4,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000, "maxcor": 20},
    )
    r, al, a, b = np.exp(res.x)
    xs, ms = x[rep], m[rep]
    uxs, ixs = np.unique(xs, return_inverse=True)
    cxs = np.bincount(ixs).astype(float)
    xm = xs * ms
    log_xm = np.log(xm)
    const = (np.log(xs) - log_xm).sum()
    sum_x_log_xm = xs @ log_xm

    def gg_nll(lp):
        p, q, g = np.exp(lp)
        lg = np.log(g + xm)
        pxq = p * uxs + q
        lg_x = np.bincount(ixs, weights=lg, minlength=len(uxs))
        inv_x = np.bincount(ixs, weights=1 / (g + xm), minlength=len(uxs))
        k = len(xs)
        ll = (
            cxs @ (gammaln(pxq) - gammaln(p * uxs))
            - k * (gammaln(q) - q * np.log(g))
            + p * sum_x_log_xm
            + const
            - lg_x @ pxq
        )
        d = digamma(pxq)
        dp = (cxs * uxs) @ (d - digamma(p * uxs)) + sum_x_log_xm - uxs @ lg_x
        dq = cxs @ d - k * (digamma(q) - np.log(g)) - lg_x.sum()
        dg = k * q / g - inv_x @ pxq
        return -ll / k, -np.array([dp * p, dq * q, dg * g]) / k

    res2 = minimize(
        gg_nll,
        np.log([1.0, 3.0, 2 * ms.mean()]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-25, 25)] * 3,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000, "maxcor": 20},
    )
    p, q, g = np.exp(res2.x)
    times["fit"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    bx1 = np.where(rep, b + x - 1, 1.0)
    odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(al + big_t) - np.log(al + t_x))
    alive = np.where(rep, expit(-odds), 1.0)

    def expect(t):  # E[Y(t) | x, t_x, T], Euler-transformed 2F1 (finite for heavy buyers)
        z = t / (al + big_t + t)
        c = a + b + x - 1
        tail = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        return alive * c / (a - 1) * (1 - tail)

    month = 30.4375 / 7
    prev = np.zeros_like(x)
    clv_units = np.zeros_like(x)
    for k in range(1, HORIZON + 1):
        cur = expect(k * month)
        clv_units += (cur - prev) / (1 + DISCOUNT) ** k
        prev = cur
    spend = np.where(rep, p * (g + x * np.nan_to_num(m)) / (p * x + q - 1), p * g / (q - 1))
    out_table = pa.table(
        {
            "customer_id": cid,
            "frequency": x,
            "recency": t_x,
            "T": big_t,
            "p_alive": alive,
            "expected_purchases": prev,
            "expected_spend": spend,
            "clv": clv_units * spend,
        }
    )
    times["score"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    pq.write_table(out_table, out)
    times["write"] = time.perf_counter() - t3
    times["total"] = time.perf_counter() - t0
    params = {"r": r, "alpha": al, "a": a, "b": b, "p": p, "q": q, "gamma": g}
    return times, params


def run_lifetimes(path, out):
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    times = {}
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    df["date"] = pd.to_datetime(df["date"])
    s = summary_data_from_transaction_data(
        df,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=CAL_END,
        freq="D",
    )
    s["recency"] /= 7.0
    s["T"] /= 7.0
    times["summary"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(s["frequency"], s["recency"], s["T"])
    rep = s[s["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(rep["frequency"], rep["monetary_value"])
    times["fit"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    s["p_alive"] = bgf.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    s["expected_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        HORIZON * 30.4375 / 7, s["frequency"], s["recency"], s["T"]
    )
    s["expected_spend"] = ggf.conditional_expected_average_profit(
        s["frequency"], s["monetary_value"]
    )
    s["clv"] = ggf.customer_lifetime_value(
        bgf,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        time=HORIZON,
        discount_rate=DISCOUNT,
        freq="W",
    )
    times["score"] = time.perf_counter() - t2
    s.to_parquet(out)
    times["total"] = time.perf_counter() - t0
    nan = int(s["clv"].isna().sum())
    params = {
        **{k: float(v) for k, v in bgf.params_.items()},
        **{k: float(v) for k, v in ggf.params_.items()},
        "clv_nan": nan,
    }
    return times, params


def run_pymc(path, out):
    import numpy as np
    import pandas as pd
    from pymc_marketing import clv

    times = {}
    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    df["date"] = pd.to_datetime(df["date"])
    s = clv.rfm_summary(
        df, "customer_id", "date", "amount", observation_period_end=CAL_END, time_unit="D"
    )
    s["recency"] = s["recency"] / 7.0
    s["T"] = s["T"] / 7.0
    times["summary"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    bg = clv.BetaGeoModel(data=s[["customer_id", "frequency", "recency", "T"]])
    bg.fit(method="map")
    rep = s[s["frequency"] > 0]
    gg = clv.GammaGammaModel(data=rep[["customer_id", "frequency", "monetary_value"]])
    gg.fit(method="map")
    times["fit"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    spend = gg.expected_customer_spend(data=s[["customer_id", "frequency", "monetary_value"]])
    data = s[["customer_id", "frequency", "recency", "T"]].assign(
        future_spend=np.asarray(spend.mean(("chain", "draw"))).ravel()
    )
    value = clv.customer_lifetime_value(
        transaction_model=bg, data=data, future_t=HORIZON, discount_rate=DISCOUNT, time_unit="W"
    )
    pd.DataFrame({"clv": np.asarray(value.mean(("chain", "draw"))).ravel()}).to_parquet(out)
    times["score"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    post = getattr(bg.fit_result, "posterior", bg.fit_result)
    params = {k: float(post[k].mean()) for k in ("r", "alpha", "a", "b")}
    gpost = getattr(gg.fit_result, "posterior", gg.fit_result)
    params.update({k: float(gpost[k].mean()) for k in ("p", "q", "v") if k in gpost})
    return times, params


RUNNERS = {
    "guanxi": run_guanxi,
    "lower-bound": run_lower_bound,
    "lifetimes": run_lifetimes,
    "pymc-marketing": run_pymc,
}


def child(name, path):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            times, params = RUNNERS[name](path, os.path.join(tmp, "out.parquet"))
            result = {"ok": True, "times": times, "params": params}
        except Exception as exc:  # report breakage instead of stopping the run
            result = {
                "ok": False,
                "error": f"{type(exc).__name__}: {str(exc)[:300]}",
                "trace": traceback.format_exc()[-1500:],
            }
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result, default=float))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--only", help="comma-separated contenders")
    ap.add_argument("--child")
    ap.add_argument("--path")
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.path)
    path = _data.transactions_parquet(args.customers)
    import pyarrow.parquet as pq

    rows = pq.read_metadata(path).num_rows
    print(
        f"{args.customers:,} customers, {rows:,} order lines ({path.name}); calibration end {CAL_END}"
    )
    names = args.only.split(",") if args.only else list(RUNNERS)
    results = {}
    for name in names:
        if name == "pymc-marketing":
            try:
                import pymc_marketing  # noqa: F401
            except ImportError:
                print("pymc-marketing: not installed, skipped")
                continue
        proc = subprocess.run(
            [sys.executable, __file__, "--child", name, "--path", str(path)],
            capture_output=True,
            text=True,
        )
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if not line:
            results[name] = {"ok": False, "error": (proc.stderr or "no output").strip()[-300:]}
        else:
            results[name] = json.loads(line[-1][7:])
        r = results[name]
        print(
            f"  {name:15s} "
            + (
                json.dumps({k: round(v, 2) for k, v in r["times"].items()})
                if r["ok"]
                else "FAILED " + r["error"]
            ),
            flush=True,
        )
    print()
    print(f"{'contender':16s}{'total s':>9s}{'peak MB':>9s}{'ratio to guanxi':>17s}   notes")
    base = results.get("guanxi", {})
    for name, r in results.items():
        if not r["ok"]:
            print(
                f"{name:16s}{'—':>9s}{r.get('peak_mb', 0):9.0f}{'':>17s}   broke: {r['error'][:120]}"
            )
            continue
        ratio = r["times"]["total"] / base["times"]["total"] if base.get("ok") else float("nan")
        parts = ", ".join(f"{k} {v:.2f}" for k, v in r["times"].items() if k != "total")
        print(f"{name:16s}{r['times']['total']:9.2f}{r['peak_mb']:9.0f}{ratio:17.2f}   {parts}")
    if base.get("ok") and results.get("lower-bound", {}).get("ok"):
        lb = results["lower-bound"]["params"]
        print()
        print("parameters (guanxi vs hand-written MLE, relative difference):")
        for k in ("r", "alpha", "a", "b", "p", "q", "gamma"):
            ours, ref = base["params"][k], lb[k]
            print(f"  {k:6s} {ours:12.6f} {ref:12.6f} {abs(ours - ref) / abs(ref):10.2e}")
    for other in ("lifetimes", "pymc-marketing"):
        if results.get(other, {}).get("ok"):
            print(
                f"{other} params: "
                + json.dumps({k: round(v, 4) for k, v in results[other]["params"].items()})
            )


if __name__ == "__main__":
    main()
