"""`guanxi analyze clv` and `guanxi analyze sbg`: argparse wiring for the CLV models.

The analytics CLI (guanxi/analytics/cli.py) adds these arguments to its sub-parsers and calls
the run functions, which return the exit status: 0 on success, 2 on bad input with one line
on stderr (no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from guanxi.analytics.clv import sbg
from guanxi.analytics.clv.errors import CLVFitError, CLVInputError
from guanxi.analytics.clv.pipeline import MODELS, SPEND_MODELS, fit_clv
from guanxi.analytics.clv.summary import PERIOD_DAYS


def add_clv_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `guanxi analyze clv`."""
    parser.add_argument(
        "--input",
        required=True,
        help="transaction log, CSV or Parquet, or the app's own order export (CSV or XLSX)",
    )
    parser.add_argument("--customer", default="customer_id", help="customer id column")
    parser.add_argument("--date", default="date", help="purchase date column")
    parser.add_argument("--amount", default="amount", help="amount column")
    parser.add_argument("--model", choices=sorted(MODELS), default="bgnbd")
    parser.add_argument("--spend", choices=SPEND_MODELS, default="gamma-gamma")
    parser.add_argument("--period", choices=sorted(PERIOD_DAYS), default="week")
    parser.add_argument(
        "--calibration-end", help="last day of history used (default: latest purchase)"
    )
    parser.add_argument("--horizon", type=int, default=12, help="months of future value")
    parser.add_argument(
        "--discount-rate", type=float, default=0.01, help="monthly discount rate (default 0.01)"
    )
    parser.add_argument("--margin", type=float, default=1.0, help="profit share of spend")
    parser.add_argument(
        "--refunds",
        choices=("error", "drop"),
        default="error",
        help="rows with negative amounts (refunds): fail, or leave them out; zero amounts "
        "are purchases with no spend",
    )
    parser.add_argument("--output", help="per-customer scores, .csv or .parquet")
    parser.add_argument("--json", action="store_true", help="print the fit as JSON")


def add_sbg_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `guanxi analyze sbg`."""
    parser.add_argument(
        "--survivors",
        required=True,
        help="customers alive at the start of each period, e.g. 1000,869,743",
    )
    parser.add_argument("--horizon", type=int, help="project survival up to this period")
    parser.add_argument("--discount-rate", type=float, default=0.1, help="per period, for DERL")
    parser.add_argument("--output", help="projection table, .csv or .parquet")
    parser.add_argument("--json", action="store_true", help="print the fit as JSON")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _write(table, path: str) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    target = Path(path)
    arrow = (
        table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)
    )
    if target.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(arrow, target)
    elif target.suffix.lower() in (".csv", ".txt"):
        pacsv.write_csv(arrow, target)
    else:
        raise CLVInputError(f"output must end in .csv or .parquet: {path}")


def _read(args):
    from guanxi.analytics.app_export import read_app_order_export, sniff_app_export
    from guanxi.analytics.io import read_transactions

    columns = (args.customer, args.date, args.amount)
    if columns == ("customer_id", "date", "amount") and sniff_app_export(args.input):
        return read_app_order_export(args.input)  # the app's own export: see app_export
    return read_transactions(
        args.input,
        customer=args.customer,
        date=args.date,
        amount=args.amount,
        refunds=args.refunds,
    )


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, disable=not sys.stderr.isatty(), file=sys.stderr, leave=False)


def run_clv_command(args: argparse.Namespace) -> int:
    """Read, summarise, fit, score and write; print the fit (JSON with --json)."""
    try:
        if args.output:
            _write_check(args.output)
        with _progress(3) as bar:
            bar.set_description("reading")
            table = _read(args)
            bar.update()
            bar.set_description("fitting")
            result = fit_clv(
                table,
                calibration_end=args.calibration_end,
                model=args.model,
                spend=args.spend,
                period=args.period,
                horizon=args.horizon,
                discount_rate=args.discount_rate,
                margin=args.margin,
            )
            bar.update()
            if args.output:
                bar.set_description("writing")
                _write(result.customers, args.output)
            bar.update()
    except (CLVInputError, ValueError, CLVFitError, OSError) as exc:
        return _fail(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
    except Exception as exc:  # an engine error: still one line, no traceback
        return _fail(
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )
    summary = result.as_dict()
    if args.output:
        summary["output"] = args.output
    if args.json:
        print(json.dumps(summary))
    else:
        p = ", ".join(f"{k}={v:.4g}" for k, v in result.params.items())
        g = ", ".join(f"{k}={v:.4g}" for k, v in (result.spend_params or {}).items())
        print(f"{result.model}: {p} (log-likelihood {result.log_likelihood:.2f})")
        if g:
            print(f"gamma-gamma: {g}")
        print(
            f"{summary['customers']} customers, {summary['repeat_customers']} repeat buyers; "
            f"total {args.horizon}-month CLV {result.customers['clv'].sum():,.2f}"
        )
        if args.output:
            print(f"scores written to {args.output}")
    return 0


def _write_check(path: str) -> None:
    target = Path(path)
    if target.suffix.lower() not in (".parquet", ".pq", ".csv", ".txt"):
        raise CLVInputError(f"output must end in .csv or .parquet: {path}")
    if not target.parent.exists():
        raise CLVInputError(f"output directory does not exist: {target.parent}")


def _parse_survivors(text: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").split(",") if v != ""]
    except ValueError:
        raise CLVInputError(
            f"--survivors must be comma-separated numbers, e.g. 1000,869,743; got {text!r}"
        ) from None


def run_sbg_command(args: argparse.Namespace) -> int:
    """Fit the sBG model to a survivor curve and project survival, retention and DERL."""
    import pandas as pd

    try:
        survivors = sbg.check_survivors(_parse_survivors(args.survivors))
        horizon = args.horizon if args.horizon is not None else len(survivors) - 1
        if horizon < 0:
            raise CLVInputError("--horizon must not be negative")
        if args.output:
            _write_check(args.output)
        params = sbg.fit(survivors)
        ll = sbg.log_likelihood(params, survivors)
        projected = sbg.project(params, survivors[0], horizon)
        periods = list(range(horizon + 1))
        observed = [float(survivors[t]) if t < len(survivors) else None for t in periods]
        retention = [None] + [float(v) for v in sbg.retention_rate(params, periods[1:])]
        table = pd.DataFrame(
            {
                "period": periods,
                "observed": observed,
                "expected": projected,
                "survival": projected / survivors[0],
                "retention_rate": retention,
            }
        )
        renewals = len(survivors) - 1  # alive at the start of the last observed period
        derl_value = float(sbg.derl(params, args.discount_rate, renewals))
        if args.output:
            _write(table, args.output)
    except (CLVInputError, ValueError, CLVFitError, OSError) as exc:
        return _fail(str(exc).strip().splitlines()[0])
    summary = {
        "model": "sbg",
        "params": params,
        "log_likelihood": ll,
        "spend": {"params": {}},
        "customers": int(survivors[0]),
        "projection": [
            {k: (None if pd.isna(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")
        ],
        "discount_rate": args.discount_rate,
        "derl": derl_value,
        "derl_renewals": renewals,
        "del": sbg.discounted_expected_lifetime(params, args.discount_rate),
    }
    if args.output:
        summary["output"] = args.output
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"sBG: alpha={params['alpha']:.4g}, beta={params['beta']:.4g} (log-likelihood {ll:.2f})"
        )
        for row in table.itertuples(index=False):
            seen = "" if row.observed is None or pd.isna(row.observed) else f"{row.observed:8.0f}"
            print(f"  period {row.period:3d}  expected {row.expected:9.1f}  observed {seen:>8}")
        print(
            f"DERL at d={args.discount_rate:g} for a customer with {renewals} "
            f"renewals: {derl_value:.3f} periods"
        )
    return 0
