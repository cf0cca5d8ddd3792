"""The `guanxi` command: the web app, the demo, import/export, the worker and analytics.

`guanxi analyze ...` runs the analytics engine on files and never loads Django, so an analyst
needs no database and no configuration.
"""

import os
import sys

USAGE = """usage: guanxi <command> [options]

commands:
  demo [--size N] [--no-serve] [--port P]   load a demo company and start the web app
  serve [--port P] [--host H] [--workers N] migrate, then serve the web app (gunicorn)
  worker                                    run the task queue worker (nightly scoring, reminders)
  score [--as-of YYYY-MM-DD]                compute every customer's scores now
  import customers|orders FILE [options]    import CSV or XLSX (see `guanxi import --help`)
  export customers|orders FILE [--user U]   export to CSV or XLSX
  analyze <method> [options]                analytics on a CSV/Parquet/XLSX file, no database needed
  manage <django command> [options]         any Django management command (migrate, ...)
"""


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["guanxi", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "analyze":
        from guanxi.analytics.cli import main as analyze

        return analyze(rest)
    if command == "manage":
        return _django(rest)
    if command == "demo":
        return _django(["demo", *rest])
    if command == "serve":
        return _django(["serve", *rest])
    if command == "worker":
        return _django(["run_huey", *rest])
    if command == "score":
        return _django(["score", *rest])
    if command in {"import", "export"}:
        return _django([f"{command}_data", *rest])
    print(f"guanxi: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
