"""`guanxi analyze <method>`: the analytics on a CSV or Parquet file, no web app or database.

The top-level ``guanxi`` command hands everything after ``analyze`` to :func:`main`. Errors
print one line on stderr and return exit status 2, never a traceback. This module does not
import Django.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

from guanxi.analytics.io import AnalyticsInputError

EXIT_OK = 0
EXIT_BAD_INPUT = 2

# The app's churn-risk defaults (guanxi.scoring.compute: CLV_PERIOD, DEFAULTS
# ["churn_high_p_alive"], CHURN_MEDIUM_P_ALIVE; tests/analytics/test_analyze_cli.py keeps them
# equal)
P_ALIVE_PERIOD = "week"
CHURN_HIGH_P_ALIVE = 0.3
CHURN_MEDIUM_P_ALIVE = 0.6

TABLE_METHODS = ("rfm", "abc", "pyramid", "cohorts", "lifecycle", "loyalty", "churn")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2 (as argparse does)."""

    def error(self, message: str):  # noqa: D102 - argparse API
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        required=True,
        help="order log, .csv (with header) or .parquet; or the app's own order export "
        "(.csv, UTF-8 or GB18030, or .xlsx from /data/export/ or `guanxi export orders`, either "
        "language: no column options needed, keyed on the customer id, cancelled and refunded "
        "orders left out, partial refunds netted, as the app's scores count them)",
    )
    parser.add_argument("--customer", default="customer_id", help="customer id column")
    parser.add_argument("--date", default="date", help="purchase date column")
    parser.add_argument("--amount", default="amount", help="amount column")
    parser.add_argument(
        "--as-of", help="analysis date YYYY-MM-DD (default: the day after the last purchase)"
    )
    parser.add_argument(
        "--refunds",
        choices=("error", "drop"),
        default="error",
        help="rows with negative amounts (refunds): fail (default), or leave them out; zero "
        "amounts are purchases with no spend",
    )
    parser.add_argument("--lang", choices=("en", "zh-hans"), default="en", help="text language")
    parser.add_argument("--output", help="write the table to .csv or .parquet")
    parser.add_argument("--json", action="store_true", help="print the table as JSON records")
    parser.add_argument("--limit", type=int, default=20, help="rows to print (default 20)")


def _shares(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) / 100 if float(v) > 1 else float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 70,20,10, got {text!r}") from None
    return values


def build_parser() -> argparse.ArgumentParser:
    """The ``guanxi analyze`` argument parser, one sub-command per method."""
    parser = _Parser(
        prog="guanxi analyze",
        description="Customer analytics on an order log (CSV or Parquet), or on the answers "
        "to a KANO survey (CSV or XLSX).",
    )
    sub = parser.add_subparsers(dest="method", required=True, parser_class=_Parser)
    helps = {
        "rfm": "recency, frequency, monetary scores and segments",
        "abc": "ABC (Pareto) classes by revenue",
        "pyramid": "customer pyramid: top, large, medium, small, inactive",
        "cohorts": "acquisition-month cohorts: retention, churn rate, revenue lost",
        "lifecycle": "lifecycle stage per customer with its strategy",
        "loyalty": "loyalty index, ladder and value x loyalty matrix",
        "churn": "churn risk per customer with the reason and recovery priority",
    }
    for method in TABLE_METHODS:
        p = sub.add_parser(method, help=helps[method], description=helps[method])
        _add_common(p)
        if method == "abc":
            p.add_argument(
                "--cuts", type=_shares, default=(0.7, 0.2, 0.1), help="A,B,C shares (70,20,10)"
            )
        if method == "pyramid":
            p.add_argument("--inactive-after-days", type=int, default=365)
        if method == "cohorts":
            p.add_argument(
                "--view",
                choices=("long", "matrix", "churn"),
                default="long",
                help="cohort x period rows, the retention matrix, or churn per period",
            )
        if method == "loyalty":
            p.add_argument("--category", help="product category column (enables A22)")
        if method == "churn":
            p.add_argument(
                "--p-alive",
                choices=("bgnbd", "pareto-nbd", "none"),
                default="bgnbd",
                help="P(alive) from a model fitted on the file (weekly periods), as the app's "
                "scores do (default bgnbd): it decides the risk of repeat buyers, the RFM rules "
                "that of one-time buyers (whose P(alive) is 1 by the model); 'none': RFM rules "
                "for everyone. The app's scores are as of the scoring day (pass the same "
                "--as-of) and add the lost reasons recorded in the app",
            )
            p.add_argument(
                "--p-alive-high",
                type=float,
                default=CHURN_HIGH_P_ALIVE,
                help="high risk below this P(alive), medium below 0.6 (or this, if higher); "
                "the app's analysis settings, default %(default)s",
            )
    _add_kano(sub)
    clv = sub.add_parser("clv", help="customer lifetime value (BG/NBD, Pareto/NBD, Gamma-Gamma)")
    sbg = sub.add_parser("sbg", help="shifted-beta-geometric contractual retention")
    try:
        commands = _clv_commands()
    except ImportError:  # pragma: no cover - the clv package ships with this one
        commands = None
    if commands is not None:
        commands.add_clv_arguments(clv)
        commands.add_sbg_arguments(sbg)
    return parser


def _add_kano(sub) -> None:
    text = "KANO classification of product features from a survey's answers"
    p = sub.add_parser(
        "kano",
        help=text,
        description=text + ": per feature the answers in each category, the resulting category "
        "and the Better/Worse coefficients, in priority order (must-be, one-dimensional, "
        "attractive, indifferent, then reverse, questionable).",
    )
    p.add_argument(
        "--input",
        required=True,
        help="answers, .csv (UTF-8 or GB18030) or .xlsx with a header row: one row per "
        "respondent and feature, columns respondent (受访者), feature (功能 or 特性), "
        "functional (正向 or 功能性) and dysfunctional (反向 or 非功能性); answers 1 like, "
        "2 must-be, 3 neutral, 4 live-with, 5 dislike",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"features": [{"feature", "category", "counts", "better", "worse"}, ...]}',
    )
    p.add_argument(
        "--lang",
        choices=("en", "zh-hans"),
        default=None,
        help="language of the table and the errors (default: from LANGUAGE, LC_ALL, "
        "LC_MESSAGES or LANG; zh_* is zh-hans)",
    )


def _clv_commands():
    from guanxi.analytics.clv import commands

    return commands


def _progress(total: int):
    """A tqdm bar on stderr, shown only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def _compute(args: argparse.Namespace, orders):
    # Functions, not modules: the package re-exports functions named like their modules.
    from guanxi.analytics.abc import abc, pyramid
    from guanxi.analytics.churn import churn_risk
    from guanxi.analytics.cohorts import churn_by_period, cohorts, retention_matrix
    from guanxi.analytics.lifecycle import lifecycle
    from guanxi.analytics.loyalty import loyalty
    from guanxi.analytics.rfm import rfm
    from guanxi.analytics.segments import with_segment_labels

    cols = {"customer": "customer_id", "date": "date", "amount": "amount", "as_of": args.as_of}
    method = args.method
    if method == "rfm":
        table = with_segment_labels(rfm(orders, **cols), args.lang)
        return table.order_by([ibis_desc("rfm_score"), "customer_id"])
    if method == "abc":
        table = abc(orders, cuts=args.cuts, lang=args.lang, **cols)
        return table.order_by(["rank", "customer_id"])
    if method == "pyramid":
        table = pyramid(orders, inactive_after_days=args.inactive_after_days, **cols)
        return table.order_by([ibis_desc("revenue"), "customer_id"])
    if method == "cohorts":
        table = cohorts(orders, **cols)
        if args.view == "churn":
            return churn_by_period(table).order_by("period")
        if args.view == "matrix":
            matrix = retention_matrix(table)
            matrix.columns = [f"period_{c}" for c in matrix.columns]
            return matrix.reset_index()
        return table.order_by(["cohort", "period"])
    if method == "lifecycle":
        table = lifecycle(orders, lang=args.lang, **cols)
        return table.order_by("customer_id")
    if method == "loyalty":
        table = loyalty(orders, lang=args.lang, **cols)
        return table.order_by([ibis_desc("loyalty_index"), "customer_id"])
    if method == "churn":
        # as the app's scoring (guanxi.scoring.compute): one as-of for the model and the risk
        cols["as_of"] = args.as_of or _day_after_last(orders)
        repeat, everyone = _p_alive(args, orders, cols["as_of"])
        table = churn_risk(
            orders,
            p_alive=repeat,
            lang=args.lang,
            p_alive_high=args.p_alive_high,
            p_alive_medium=max(CHURN_MEDIUM_P_ALIVE, args.p_alive_high),
            **cols,
        ).order_by([ibis_asc("recovery_priority"), ibis_desc("risk_score"), "customer_id"])
        if everyone is None:
            return table
        # every buyer's P(alive), as the app shows it (1 for one-time buyers)
        arrow = table.to_pyarrow()
        ids = arrow.column("customer_id").to_pylist()
        import pyarrow as pa

        values = pa.array([everyone.get(c) for c in ids], pa.float64())
        return arrow.set_column(arrow.schema.get_field_index("p_alive"), "p_alive", values)
    raise AssertionError(method)  # pragma: no cover


def ibis_desc(column: str):
    import ibis

    return ibis.desc(column)


def ibis_asc(column: str):
    import ibis

    return ibis.asc(column, nulls_first=False)


def _day_after_last(orders) -> str:
    last = orders.date.max().execute()
    if hasattr(last, "date"):  # a pandas Timestamp or datetime
        last = last.date()
    return (last + dt.timedelta(days=1)).isoformat()


def _p_alive(args: argparse.Namespace, orders, as_of: str):
    """P(alive) from the CLV package's model fitted up to ``as_of`` with the app's settings:
    (an Ibis table of the repeat buyers', which decides their risk; {customer: P(alive)} of
    every buyer), or (None, None) for ``--p-alive none`` or a model that cannot be fitted
    (then the RFM rules decide, as in the app)."""
    import ibis

    from guanxi.analytics.clv.errors import CLVFitError, CLVInputError
    from guanxi.analytics.clv.pipeline import fit_clv

    if args.p_alive == "none":
        return None, None
    try:
        result = fit_clv(
            orders,
            calibration_end=dt.date.fromisoformat(as_of),
            model=args.p_alive,
            spend=None,
            period=P_ALIVE_PERIOD,
        )
    except (CLVInputError, CLVFitError, FloatingPointError) as exc:
        print(
            f"guanxi analyze: note: no P(alive), the {args.p_alive} model could not be fitted "
            f"({exc}): the risk comes from the RFM rules alone",
            file=sys.stderr,
        )
        return None, None
    scores = result.customers
    everyone = dict(
        zip(scores["customer_id"].tolist(), scores["p_alive"].astype(float).tolist(), strict=True)
    )
    repeat = scores.loc[scores["frequency"] > 0, ["customer_id", "p_alive"]]
    return ibis.memtable(repeat.astype({"p_alive": "float64"})), everyone


def _to_arrow(result):
    import pyarrow as pa

    if isinstance(result, pa.Table):
        return result
    if hasattr(result, "to_pyarrow"):
        return result.to_pyarrow()
    return pa.Table.from_pandas(result, preserve_index=False)


def _write(table, path: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".parquet", ".pq"):
        pq.write_table(table, target)
    elif suffix == ".csv":
        pacsv.write_csv(table, target)
    else:
        raise AnalyticsInputError(f"--output must end in .csv or .parquet, not '{suffix}'")


def _json_value(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _print(table, args: argparse.Namespace) -> None:
    if args.json:
        rows = [{k: _json_value(v) for k, v in row.items()} for row in table.to_pylist()]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=None)
        sys.stdout.write("\n")
        return
    import pandas as pd

    frame = table.slice(0, max(args.limit, 0)).to_pandas()
    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print(frame.to_string(index=False))
    if table.num_rows > args.limit:
        print(f"... {table.num_rows} rows; use --output FILE for all of them")


def _is_app_export(args: argparse.Namespace) -> bool:
    """The input is Guanxi's own order export and no column was named on the command line."""
    from guanxi.analytics.app_export import sniff_app_export

    defaults = (args.customer, args.date, args.amount) == ("customer_id", "date", "amount")
    return defaults and sniff_app_export(args.input)


def _run_table_method(args: argparse.Namespace) -> int:
    from guanxi.analytics.app_export import read_app_order_export
    from guanxi.analytics.io import connect, read_transactions

    if args.output:
        suffix = Path(args.output).suffix.lower()
        if suffix not in (".csv", ".parquet", ".pq"):
            raise AnalyticsInputError(f"--output must end in .csv or .parquet, not '{suffix}'")
    with contextlib.closing(_progress(3)) as bar:
        bar.set_description("reading")
        if _is_app_export(args):
            # the app's own order export: its headers (either language) name the columns
            orders = read_app_order_export(args.input, con=connect())
        else:
            orders = read_transactions(
                args.input,
                customer=args.customer,
                date=args.date,
                amount=args.amount,
                refunds=args.refunds,
                con=connect(),
            )
        bar.update()
        bar.set_description(args.method)
        table = _to_arrow(_compute(args, orders))
        bar.update()
        bar.set_description("writing")
        if args.output:
            _write(table, args.output)
        bar.update()
    if args.output:
        print(f"{args.method}: {table.num_rows} rows written to {args.output}", file=sys.stderr)
    else:
        _print(table, args)
    return EXIT_OK


def _fail(message: str, lang: str = "en") -> int:
    prefix = "guanxi analyze：错误：" if lang == "zh-hans" else "guanxi analyze: error: "
    print(f"{prefix}{message}", file=sys.stderr)
    return EXIT_BAD_INPUT


KANO_TEXT = {
    "title": {
        "en": "KANO: {features} feature(s), {respondents} respondent(s), in priority order "
        "(must-be > one-dimensional > attractive > indifferent, then reverse, questionable)",
        "zh-hans": "KANO 分析：{features} 个功能，{respondents} 位受访者，按优先级排列"
        "（必备 > 期望 > 魅力 > 无差异，其后为反向、可疑）",
    },
    "columns": {
        "en": ("#", "feature", "category", "answers"),
        "zh-hans": ("#", "功能", "类别", "答卷数"),
    },
    "coefficients": {
        "en": "Better = (A+O)/(A+O+M+I): how far satisfaction rises when the feature is there; "
        "Worse = -(O+M)/(A+O+M+I): how far it falls when it is missing.",
        "zh-hans": "满意系数 Better = (A+O)/(A+O+M+I)：具备该功能时满意度提升的程度；"
        "不满意系数 Worse = -(O+M)/(A+O+M+I)：不具备时满意度下降的程度。",
    },
}


def _kano_text(table, respondents: int, lang: str) -> str:
    """The KANO result as a table for people, in ``lang``, with what each category means."""
    import pandas as pd

    from guanxi.analytics.kano import ADVICE, CATEGORIES, CATEGORY_NAMES, LETTERS

    number, feature, category, answers = KANO_TEXT["columns"][lang]
    shown = pd.DataFrame(
        {
            number: table["priority"],
            feature: table["feature"],
            category: [CATEGORY_NAMES[c][lang] for c in table["category"]],
            answers: table["answers"],
            **{LETTERS[c]: table[c] for c in CATEGORIES},
            "Better": table["better"].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}"),
            "Worse": table["worse"].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}"),
        }
    )
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        body = shown.to_string(index=False)
    colon = "：" if lang == "zh-hans" else ": "
    legend = [f"{LETTERS[c]} {CATEGORY_NAMES[c][lang]}{colon}{ADVICE[c][lang]}" for c in CATEGORIES]
    title = KANO_TEXT["title"][lang].format(features=len(table), respondents=respondents)
    return "\n".join([title, body, "", *legend, KANO_TEXT["coefficients"][lang]])


def _run_kano(args: argparse.Namespace) -> int:
    from guanxi.analytics.kano import as_records, kano, read_kano_answers
    from guanxi.analytics.surveys import language_from_environment

    lang = args.lang or language_from_environment()
    try:
        answers = read_kano_answers(args.input, lang=lang)
        table = kano(answers, lang=lang)
    except AnalyticsInputError as exc:
        return _fail(str(exc), lang)
    if args.json:
        json.dump({"features": as_records(table)}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_kano_text(table, answers["respondent"].str.strip().nunique(), lang))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run ``guanxi analyze`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except _UsageError as exc:
        return _fail(str(exc))
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    runners: dict[str, Callable[[argparse.Namespace], int]] = {
        "clv": lambda a: _clv_commands().run_clv_command(a),
        "sbg": lambda a: _clv_commands().run_sbg_command(a),
        "kano": _run_kano,
    }
    try:
        if args.method in runners:
            return runners[args.method](args)
        return _run_table_method(args)
    except AnalyticsInputError as exc:
        return _fail(str(exc))
    except (OSError, ValueError) as exc:
        return _fail(f"{type(exc).__name__}: {exc}")
    except KeyboardInterrupt:
        return _fail("interrupted")
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return _fail(f"unexpected {type(exc).__name__}: {first}")


if __name__ == "__main__":
    sys.exit(main())
