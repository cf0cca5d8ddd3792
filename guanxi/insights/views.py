"""The dashboard pages: an index, one page per theme, its XLSX download, the churn warnings.

Anyone logged in opens them and sees the customers of their own data scope (data.py asks
`visible_customers`); the figures come from the latest succeeded scoring run.
"""

import io
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guanxi.accounts.scope import may_tune_analysis
from guanxi.dataio.exports import _xlsx_row

from . import data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50


def _no_run(request, theme: str | None):
    return render(
        request,
        "insights/no_run.html",
        {"theme": theme, "title": data.THEMES.get(theme, _("Analytics"))},
    )


@login_required
@require_GET
def index(request):
    run = data.latest_run()
    themes = [
        {"slug": slug, "title": title, "blurb": data.THEME_BLURBS[slug]}
        for slug, title in data.THEMES.items()
    ]
    return render(
        request,
        "insights/index.html",
        {"run": run, "themes": themes, "may_tune": may_tune_analysis(request.user)},
    )


def _risk(request) -> str:
    risk = request.GET.get("risk", "high")
    return risk if risk in data.RISKS else "high"


def theme_view(theme: str):
    @login_required
    @require_GET
    def view(request):
        run = data.latest_run()
        if run is None:
            return _no_run(request, theme)
        board = data.dashboard(request.user, theme, run)
        specs = list(enumerate(board["charts"]))
        no_lost = theme == "churn" and not board["charts"][0]["series"]
        if no_lost:
            # Two charts of zeros say nothing: a message instead (the engine's chart stays).
            specs = specs[2:]
        context = {
            "theme": theme,
            "title": data.THEMES[theme],
            "run": run,
            "board": board,
            "computed_at": datetime.fromisoformat(board["computed_at"]),
            "kept_minutes": data.CACHE_SECONDS // 60,
            "warm_minutes": data.WARM_MINUTES,
            "no_lost": no_lost,
            "charts": [{"id": f"chart-{i}", "spec": spec} for i, spec in specs],
        }
        if theme == "warnings":
            risk = _risk(request)
            # The count is the dashboard's cached one: no COUNT(*) over the scope per page.
            pages = data.WarningPages(request.user, run, risk, board["counts"].get(risk, 0))
            paginator = Paginator(pages, PER_PAGE)
            page = paginator.get_page(request.GET.get("page"))
            context.update(
                risk=risk,
                page=page,
                rows=data.warning_rows(page.object_list),
                risks=[
                    (code, label, board["counts"].get(code, 0))
                    for code, label in (("high", _("High risk")), ("medium", _("Medium risk")))
                ],
            )
        return render(request, "insights/theme.html", context)

    view.__name__ = f"{theme}_dashboard"
    return view


def xlsx_view(theme: str):
    @login_required
    @require_GET
    def view(request):
        run = data.latest_run()
        if run is None:
            return _no_run(request, theme)
        board = data.dashboard(request.user, theme, run)
        tables = [*board["tables"], *board.get("xlsx", [])]
        if theme == "warnings":
            risk = _risk(request)
            tables.append(
                data.table(
                    _("Customers at risk"),
                    [
                        _("Customer"),
                        _("Owner"),
                        _("Reason"),
                        _("Recommended action"),
                        _("Recovery priority"),
                        _("Revenue"),
                        _("P(alive)"),
                        _("Last order"),
                    ],
                    data.warnings_xlsx_rows(request.user, risk),
                    name="customers",
                )
            )
        body = workbook(str(data.THEMES[theme]), run, board, tables)
        response = HttpResponse(body, content_type=XLSX)
        as_of = run.as_of.isoformat() if run.as_of else "latest"
        response["Content-Disposition"] = f'attachment; filename="guanxi-{theme}-{as_of}.xlsx"'
        return response

    view.__name__ = f"{theme}_xlsx"
    return view


def _value(cell):
    return cell["text"] if isinstance(cell, dict) else cell


def workbook(title: str, run, board: dict, tables: list[dict]) -> bytes:
    """A sheet describing the method, then one sheet per table; every text cell an explicit
    string (dataio's _xlsx_row: never a formula, XML-safe)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    about = book.create_sheet(title=_sheet_title(_("Method")))
    about.append(_xlsx_row(about, [title]))
    about.append(_xlsx_row(about, [_("As of"), run.as_of.isoformat() if run.as_of else ""]))
    about.append(_xlsx_row(about, [_("Model version"), run.model_version]))
    about.append(_xlsx_row(about, [_("Scoring run"), run.pk]))
    about.append(_xlsx_row(about, [_("Method"), board["method"]]))
    for name, value in board.get("params", []):
        about.append(_xlsx_row(about, [name, value]))
    for note in board.get("notes", []):
        about.append(_xlsx_row(about, [_("Note"), note]))
    used = set()
    for tab in tables:
        name = _sheet_title(tab["title"])
        while name in used:
            name = _sheet_title(name[:28] + "_")
        used.add(name)
        sheet = book.create_sheet(title=name)
        sheet.append(_xlsx_row(sheet, tab["headers"]))
        for row in tab["rows"]:
            sheet.append(_xlsx_row(sheet, [_value(cell) for cell in row]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(name))
    return cleaned[:31] or "Sheet"
