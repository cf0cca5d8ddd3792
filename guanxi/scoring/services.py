"""Scoring runs: compute every customer's scores and swap them in atomically, one run at a time.

- ``run_scoring`` computes (guanxi.scoring.compute) and writes the scores back in bulk
  (PostgreSQL: COPY; SQLite: executemany in batches) inside one transaction that first deletes
  the previous scores: readers see the old scores until the commit, and a run that fails
  half-way rolls back, leaving the previous scores intact. The run row records the failure.
- Two runs never overlap: on PostgreSQL a session advisory lock; on SQLite the "running" run
  row itself, checked and claimed under SQLite's write lock, with staleness detection (a
  running row whose process is gone, or older than STALE_AFTER, is marked failed). A second
  run is refused with ScoringBusy.
- ``request_scoring`` queues an on-demand run for the worker; ``preview`` computes with given
  parameters and returns the distribution without writing (the analysis settings preview).
Every run is audited (guanxi.audit.services.record): created, then finished or failed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import socket
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit.models import AuditEntry
from guanxi.audit.services import record

from . import compute, signals
from .models import MODEL_VERSION, AnalysisSettings, CustomerScore, RunStatus, ScoringRun

STALE_AFTER = dt.timedelta(hours=6)
ADVISORY_LOCK_KEY = 7_305_119_004  # "guanxi scoring": one key for the whole database
BATCH = 5_000  # SQLite rows per executemany
COPY_CHUNK = 100_000  # PostgreSQL rows per COPY chunk
WRITE_STEP = "write"
#: Steps a run reports to ``progress`` (the compute steps, then the write).
STEPS = (*compute.STEPS, WRITE_STEP)


class ScoringBusy(Exception):
    """Another scoring run is going on; this one was not started."""


def _message(exc: BaseException) -> str:
    """A failure's message for the page: the class and the first line, never a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:500]


def _audit(user, action: str, run: ScoringRun, changes: dict) -> None:
    record(user, action, run, customer_id=None, changes=changes)


# Queueing --------------------------------------------------------------------------------------


def active_run() -> ScoringRun | None:
    """The queued or running run, if any (the page polls while there is one)."""
    return (
        ScoringRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .order_by("-id")
        .first()
    )


def request_scoring(user, trigger: str = "page") -> ScoringRun:
    """Queue an on-demand run for the worker (the page's "Recompute now"). A run already
    queued or running is returned instead of a second one. The caller checks the permission
    (scope.may_run_scoring)."""
    from .tasks import score_on_demand

    with transaction.atomic():
        existing = active_run()
        if existing is not None:
            return existing
        run = ScoringRun.objects.create(
            status=RunStatus.QUEUED, trigger=trigger, requested_by=user if user else None
        )
        _audit(
            user,
            AuditEntry.Action.CREATE,
            run,
            {"status": [None, "queued"], "trigger": [None, trigger]},
        )
    score_on_demand(run.pk)
    return run


# The guard -------------------------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(run: ScoringRun, now) -> bool:
    started = run.started_at or run.created_at
    if started is not None and now - started > STALE_AFTER:
        return True
    owner = run.summary or {}
    return owner.get("host") == socket.gethostname() and not _pid_alive(int(owner.get("pid", 0)))


def _claim(run: ScoringRun) -> None:
    """Make ``run`` the running one, or raise ScoringBusy. Stale running rows are failed."""
    now = timezone.now()
    mark = {"host": socket.gethostname(), "pid": os.getpid()}
    with transaction.atomic():
        # SQLite: the transaction is IMMEDIATE (settings), so this read already holds the write
        # lock and no second process can claim in between. PostgreSQL: the advisory lock is
        # held; a running row without it is left over from a process that died.
        running = ScoringRun.objects.select_for_update().filter(status=RunStatus.RUNNING)
        for other in running.exclude(pk=run.pk):
            if connection.vendor == "postgresql" or _is_stale(other, now):
                other.status = RunStatus.FAILED
                other.finished_at = now
                other.error = _("Interrupted: the process running it stopped.")
                other.save(update_fields=["status", "finished_at", "error"])
            else:
                raise ScoringBusy(
                    _("Another scoring run is in progress (run %(id)s).") % {"id": other.pk}
                )
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.summary = mark
        run.error = ""
        run.save(update_fields=["status", "started_at", "summary", "error"])


class _Lock:
    """PostgreSQL: a session advisory lock on Django's connection (others: nothing to do)."""

    def __enter__(self):
        self.held = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    raise ScoringBusy(_("Another scoring run is in progress."))
            self.held = True
        return self

    def __exit__(self, *exc):
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return False


# Running ---------------------------------------------------------------------------------------


def current_params() -> dict:
    """The analysis settings in force, as a run's parameters."""
    return compute.settings_params(AnalysisSettings.current())


def preview(params: dict) -> dict:
    """What the scores would look like with ``params`` (the analysis settings page shows it
    before saving): ``{"distribution": {field: {code: count}}, "totals": {...}}``. Nothing is
    written. ScoringInputError for parameters the engine cannot use."""
    return run_scoring("page", dry_run=True, params=params)


def run_scoring(
    trigger: str,
    user=None,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    dry_run: bool = False,
    *,
    params: dict | None = None,
    run: ScoringRun | None = None,
):
    """Compute every customer's scores and swap them in; returns the succeeded ScoringRun.

    ``as_of`` defaults to today (local date); ``params`` to the current analysis settings;
    ``run`` is a queued run to carry out (the on-demand task). ``progress(step)`` is called
    after each of :data:`STEPS`. With ``dry_run`` nothing is written and the distribution is
    returned (see :func:`preview`). Raises ScoringBusy when another run is going on, and the
    computation's error (after recording it on the run) when the run fails.
    """
    as_of = as_of or timezone.localdate()
    if dry_run:
        computed = compute.compute_scores(
            as_of, params if params is not None else current_params(), progress
        )
        totals = computed.summary["totals"]
        return {"as_of": as_of.isoformat(), "distribution": computed.distribution, "totals": totals}
    params = compute.clean_params(params if params is not None else current_params())
    try:
        lock = _Lock().__enter__()
    except ScoringBusy as exc:
        if run is not None and run.status == RunStatus.QUEUED:
            _fail(run, user or run.requested_by, exc)
        raise
    try:
        return _run(trigger, user, as_of, progress, params, run)
    finally:
        lock.__exit__(None, None, None)


def _run(trigger, user, as_of, progress, params, run) -> ScoringRun:
    if run is None:
        run = ScoringRun.objects.create(
            status=RunStatus.QUEUED, trigger=trigger, requested_by=user if user else None
        )
        _audit(
            user,
            AuditEntry.Action.CREATE,
            run,
            {"status": [None, "queued"], "trigger": [None, trigger]},
        )
    user = user or run.requested_by
    try:
        _claim(run)
    except ScoringBusy as exc:
        if run.status == RunStatus.QUEUED:
            _fail(run, user, exc)
        raise
    run.as_of, run.params, run.model_version = as_of, params, MODEL_VERSION
    run.save(update_fields=["as_of", "params", "model_version"])
    started = timezone.now()
    try:
        computed = compute.compute_scores(as_of, params, progress)
        with transaction.atomic():
            written = write_scores(run, computed.frame)
            run.status = RunStatus.SUCCEEDED
            run.finished_at = timezone.now()
            run.customers = written
            run.orders = computed.orders
            computed.summary["seconds"] = round((run.finished_at - started).total_seconds(), 1)
            run.summary = computed.summary
            run.save(update_fields=["status", "finished_at", "customers", "orders", "summary"])
            _audit(
                user,
                AuditEntry.Action.UPDATE,
                run,
                {
                    "status": ["running", "succeeded"],
                    "customers": [None, written],
                    "as_of": [None, as_of.isoformat()],
                },
            )
    except BaseException as exc:
        _fail(run, user, exc)
        raise
    signals.scoring_finished.send_robust(sender=ScoringRun, run=run)  # e.g. warm the dashboards
    if progress:
        progress(WRITE_STEP)
    return run


def _fail(run: ScoringRun, user, exc: BaseException) -> None:
    run.refresh_from_db(fields=["status"])
    before = run.status
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.error = _message(exc)
    run.summary = {}
    run.save(update_fields=["status", "finished_at", "error", "summary"])
    _audit(user, AuditEntry.Action.UPDATE, run, {"status": [before, "failed"]})


# Writing ---------------------------------------------------------------------------------------

COLUMNS = ("customer_id", "run_id", "as_of", "model_version", *compute.SCORE_FIELDS)
# Nullable columns that are not text: an empty CSV field there is NULL (FORCE_NULL).
NULLABLE = (
    "first_order_on",
    "last_order_on",
    "recency_days",
    "loyalty_index",
    "clv_predicted",
    "p_alive",
    "expected_purchases_90d",
    "churn_risk_score",
    "recovery_priority",
    "quality_score",
)


def _rows(run: ScoringRun, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.copy()
    rows.insert(0, "model_version", run.model_version)
    rows.insert(0, "as_of", run.as_of.isoformat())
    rows.insert(0, "run_id", run.pk)
    rows.insert(0, "customer_id", frame.index.to_numpy())
    rows["quality_criteria"] = [json.dumps(v) for v in frame["quality_criteria"]]
    for name in ("first_order_on", "last_order_on"):
        rows[name] = [
            None if v is None or v is pd.NaT or v != v else str(v)[:10] for v in rows[name]
        ]
    return rows[list(COLUMNS)]


def _write_batch(cursor, sql: str, rows) -> None:
    """One batch of the write (a separate function so a test can make it fail half-way)."""
    cursor.executemany(sql, rows)


def _copy_chunk(cursor, sql: str, text: str) -> None:
    """One COPY chunk (a separate function so a test can make it fail half-way)."""
    with cursor.copy(sql) as copy:
        copy.write(text)


def write_scores(run: ScoringRun, frame: pd.DataFrame) -> int:
    """Replace every score by ``frame``'s rows (call inside a transaction: the swap)."""
    table = CustomerScore._meta.db_table
    rows = _rows(run, frame)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table name
        if connection.vendor == "postgresql":
            names = ", ".join(COLUMNS)
            sql = (
                f"COPY {table} ({names}) FROM STDIN "
                f"(FORMAT csv, FORCE_NULL ({', '.join(NULLABLE)}))"
            )
            raw = cursor.cursor  # psycopg's own cursor (COPY is not in the DB-API)
            for start in range(0, len(rows), COPY_CHUNK):
                buffer = io.StringIO()
                rows.iloc[start : start + COPY_CHUNK].to_csv(
                    buffer, index=False, header=False, quoting=csv.QUOTE_NONNUMERIC
                )
                _copy_chunk(raw, sql, buffer.getvalue())
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608
            values = rows.astype(object).where(rows.notna(), None)
            values = values.replace({np.nan: None})
            for start in range(0, len(values), BATCH):
                chunk = values.iloc[start : start + BATCH]
                _write_batch(cursor, sql, list(chunk.itertuples(index=False, name=None)))
    return len(rows)
