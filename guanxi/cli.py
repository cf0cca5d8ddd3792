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


# Commands that work on the app's tables, so need a migrated database (demo and serve migrate
# first; manage may be the migrate itself).
NEEDS_TABLES = {"score", "worker", "import", "export"}


def _database_problem() -> str | None:
    """One line, in the user's language (LANGUAGE / LC_ALL / LANG), if the database cannot be
    opened or is not migrated (GUANXI_DATA_DIR unset points at an empty ./var); else None."""
    import django
    from django.apps import apps

    if not apps.ready:  # a second setup would configure logging again (onto another stderr)
        django.setup()
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import translation
    from django.utils.translation import gettext

    from guanxi.analytics.surveys import language_from_environment

    name = str(connection.settings_dict.get("NAME") or "")
    with translation.override(language_from_environment()):
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            applied = executor.loader.applied_migrations
        except DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return gettext("cannot open the database %(name)s: %(error)s") % {
                "name": name,
                "error": first,
            }
        if not plan:
            return None
        if not applied:
            return gettext(
                "the database %(name)s has no tables: run `guanxi manage migrate` or "
                "`guanxi demo` first (set GUANXI_DATA_DIR to use another data directory)"
            ) % {"name": name}
        return gettext(
            "the database %(name)s is not up to date (%(count)s migrations not applied): run "
            "`guanxi manage migrate` first"
        ) % {"name": name, "count": len(plan)}


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
    if command in NEEDS_TABLES and not {"-h", "--help"} & set(rest):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
        problem = _database_problem()
        if problem:
            print(f"guanxi {command}: {problem}", file=sys.stderr)
            return 1
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
