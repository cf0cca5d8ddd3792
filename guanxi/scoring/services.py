"""Scoring runs: compute every customer's scores and swap them in atomically, one run at a time.

- ``run_scoring`` computes (guanxi.scoring.compute) and writes the scores back in bulk. On
  PostgreSQL the new scores are staged as a complete copy of the score table outside any long
  transaction (COPY of an Arrow-written CSV, then the indexes built once), and one short
  transaction swaps the tables (drop, rename, keys added NOT VALID and validated after the
  commit): 1,000,000 rows were 85 s of INSERT into the indexed table (12 indexes, deferred
  foreign-key checks) on the loaded bench machine, the swap a few catalogue updates. On SQLite:
  DELETE and executemany in batches in one transaction. Either way readers see the old scores
  until the commit, and a run that fails half-way rolls back, leaving the previous scores
  intact. The run row records the failure.
- Two runs never overlap: on PostgreSQL a session advisory lock; on SQLite the "running" run
  row itself, checked and claimed under SQLite's write lock, with staleness detection (a
  running row whose process is gone, or older than STALE_AFTER, is marked failed). A second
  run is refused with ScoringBusy.
- ``request_scoring`` queues an on-demand run for the worker; ``preview`` computes with given
  parameters and returns the distribution without writing (the analysis settings preview).
Every run is audited (guanxi.audit.services.record): created, then finished or failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import socket
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit.models import AuditEntry
from guanxi.audit.services import record

from . import compute, signals
from .models import MODEL_VERSION, AnalysisSettings, CustomerScore, RunStatus, ScoringRun

logger = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(hours=6)
ADVISORY_LOCK_KEY = 7_305_119_004  # "guanxi scoring": one key for the whole database
BATCH = 5_000  # SQLite rows per executemany
COPY_CHUNK = 100_000  # PostgreSQL rows per COPY chunk
WRITE_STEP = "write"
#: Steps a run reports to ``progress`` (the compute steps, then the write).
STEPS = (*compute.STEPS, WRITE_STEP)


PREVIEW_LOCK = "guanxi:scoring:preview"
PREVIEW_LOCK_SECONDS = 30 * 60  # released at the end; this only bounds a crashed process's hold


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
    written. ScoringInputError for parameters the engine cannot use; ScoringBusy while another
    preview is computed (each is a whole dry run: ten at once would starve the pages; the lock
    is the cache's, so it holds across processes where the cache is shared, e.g. Redis)."""
    if not cache.add(PREVIEW_LOCK, 1, timeout=PREVIEW_LOCK_SECONDS):
        raise ScoringBusy(_("Another preview is being computed; try again in a minute."))
    try:
        return run_scoring("page", dry_run=True, params=params)
    finally:
        cache.delete(PREVIEW_LOCK)


def run_scoring(
    trigger: str,
    user=None,
    as_of: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    dry_run: bool = False,
    *,
    params: dict | None = None,
    run: ScoringRun | None = None,
    engine: str | None = None,
):
    """Compute every customer's scores and swap them in; returns the succeeded ScoringRun.

    ``as_of`` defaults to today (local date); ``params`` to the current analysis settings;
    ``run`` is a queued run to carry out (the on-demand task). ``progress(step)`` is called
    after each of :data:`STEPS`; ``engine`` chooses where the analyses run on PostgreSQL
    (compute.POSTGRES_ENGINE by default). With ``dry_run`` nothing is written and the distribution is
    returned (see :func:`preview`). Raises ScoringBusy when another run is going on, and the
    computation's error (after recording it on the run) when the run fails.
    """
    as_of = as_of or timezone.localdate()
    if dry_run:
        computed = compute.compute_scores(
            as_of, params if params is not None else current_params(), progress, engine=engine
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
        return _run(trigger, user, as_of, progress, params, run, engine)
    finally:
        lock.__exit__(None, None, None)


def _run(trigger, user, as_of, progress, params, run, engine=None) -> ScoringRun:
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
    steps = _Progress(run, progress)
    try:
        steps.start()
        computed = compute.compute_scores(as_of, params, steps, engine=engine)
        try:
            _stage(run, computed.frame)
            with transaction.atomic():
                written = _swap(run, computed.frame)
                run.status = RunStatus.SUCCEEDED
                run.finished_at = timezone.now()
                run.customers = written
                run.orders = computed.orders
                run.progress, run.stage = 100, ""
                computed.summary["seconds"] = round((run.finished_at - started).total_seconds(), 1)
                run.summary = computed.summary
                run.save(
                    update_fields=[
                        "status",
                        "finished_at",
                        "customers",
                        "orders",
                        "summary",
                        "progress",
                        "stage",
                    ]
                )
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
        finally:
            _unstage()
    except BaseException as exc:
        _fail(run, user, exc)
        raise
    finally:
        steps.close()
    _validate()
    signals.scoring_finished.send_robust(sender=ScoringRun, run=run)  # e.g. warm the dashboards
    steps(WRITE_STEP)
    return run


PROGRESS_LOCK_TIMEOUT = "2s"


class _Progress:
    """Records a running run's progress on its row for the scoring page (percentage of
    :data:`STEPS` done, the step under way) and passes each step on to the caller's
    ``report``.

    On PostgreSQL the computation reads in one REPEATABLE READ transaction of its own, where
    an update of the run row would show only when it ends: there the row is updated over a
    connection of its own (autocommit), never waiting for a lock (a row being changed is
    skipped; a table lock gives up after PROGRESS_LOCK_TIMEOUT): the progress is for the eyes
    only, no run fails over it. When the caller runs the scoring inside its own transaction
    nobody else sees the run before it commits: the row is updated in that transaction."""

    def __init__(self, run: ScoringRun, report: Callable[[str], None] | None = None):
        self.run, self.report, self._own = run, report, None
        # decided before the computation opens its transaction
        self.own_connection = connection.vendor == "postgresql" and not connection.in_atomic_block

    def start(self) -> None:
        self._write(0, STEPS[0])

    def __call__(self, step: str) -> None:
        if step != WRITE_STEP:  # the write's end is the run's success (saved with it)
            done = STEPS.index(step) + 1
            self._write(round(100 * done / len(STEPS)), STEPS[done])
        if self.report:
            self.report(step)

    def _write(self, percent: int, stage: str) -> None:
        self.run.progress, self.run.stage = percent, stage
        if not (self.own_connection and connection.in_atomic_block):
            ScoringRun.objects.filter(pk=self.run.pk).update(progress=percent, stage=stage)
            return
        table = ScoringRun._meta.db_table
        try:
            if self._own is None:
                self._own = connections.create_connection(DEFAULT_DB_ALIAS)
                with self._own.cursor() as cursor:
                    cursor.execute(f"SET lock_timeout = '{PROGRESS_LOCK_TIMEOUT}'")
            with self._own.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, stage = %s WHERE id IN "  # noqa: S608 - our own table name
                    f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)",
                    [percent, stage, self.run.pk],
                )
        except DatabaseError as exc:
            logger.warning("scoring: progress of run %s not recorded: %s", self.run.pk, exc)

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None


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


def _rows(run: ScoringRun, frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame.copy()
    rows.insert(0, "model_version", run.model_version)
    rows.insert(0, "as_of", run.as_of.isoformat())
    rows.insert(0, "run_id", run.pk)
    rows.insert(0, "customer_id", frame.index.to_numpy())
    rows["quality_criteria"] = _json_lists(frame["quality_criteria"])
    for name in ("first_order_on", "last_order_on"):
        rows[name] = [
            None if v is None or v is pd.NaT or v != v else str(v)[:10] for v in rows[name]
        ]
    return rows[list(COLUMNS)]


def _json_lists(values: pd.Series) -> list[str]:
    """Each list as JSON; the few distinct lists are encoded once each."""
    cache: dict[int, str] = {}  # by identity: the frame hands out shared lists
    out = []
    for value in values:
        key = id(value)
        text = cache.get(key)
        if text is None:
            text = cache[key] = json.dumps(list(value))
        out.append(text)
    return out


def _arrow_rows(run: ScoringRun, frame: pd.DataFrame) -> pa.Table:
    """The rows as Arrow (vectorised; NaN and missing values become nulls)."""
    n = len(frame)
    columns = {
        "customer_id": pa.array(frame.index.to_numpy(dtype="int64")),
        "run_id": pa.array(np.full(n, run.pk, dtype="int64")),
        "as_of": pa.array([run.as_of] * n, pa.date32()) if n else pa.array([], pa.date32()),
        "model_version": pa.array([run.model_version] * n, pa.string()),
    }
    for name in compute.SCORE_FIELDS:
        series = frame[name]
        if name == "quality_criteria":
            columns[name] = pa.array(_json_lists(series), pa.string())
        elif name in ("first_order_on", "last_order_on"):
            stamps = pd.to_datetime(series, errors="coerce")
            columns[name] = pa.array(stamps, from_pandas=True).cast(pa.date32())
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            columns[name] = pa.array(series.fillna("").astype(str).to_numpy(), pa.string())
        else:
            columns[name] = pa.array(series, from_pandas=True)
    return pa.table(columns)


def _write_batch(cursor, sql: str, rows) -> None:
    """One batch of the write (a separate function so a test can make it fail half-way)."""
    cursor.executemany(sql, rows)


def _copy_chunk(cursor, sql: str, data: bytes) -> None:
    """One COPY chunk (a separate function so a test can make it fail half-way)."""
    with cursor.copy(sql) as copy:
        copy.write(data)


NEW_TABLE = "gx_scores_new"


def _index_definitions(cursor, table: str) -> list[tuple[str, str, bool]]:
    """``(name, CREATE INDEX statement, is the primary key)`` of ``table``'s indexes."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef, c.contype = 'p' FROM pg_indexes i "
        "LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.conrelid = %s::regclass "
        "WHERE i.tablename = %s AND i.schemaname = current_schema()",
        [table, table],
    )
    return [(name, definition, bool(pk)) for name, definition, pk in cursor.fetchall()]


def _temporary_index_name(name: str) -> str:
    return "gxn_" + hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:24]


def _stage(run: ScoringRun, frame: pd.DataFrame) -> int:
    """PostgreSQL: the new scores as a complete copy of the score table, built outside the
    swap's transaction: a bare table (columns, defaults, checks), filled with COPY (Arrow
    writes the CSV: strings quoted, so an unquoted empty field is NULL and a quoted one an
    empty text), then the table's indexes built once over all rows. Other databases: nothing
    to stage."""
    if connection.vendor != "postgresql":
        return len(frame)
    table = CustomerScore._meta.db_table
    arrow = _arrow_rows(run, frame)
    options = pacsv.WriteOptions(include_header=False)
    sql = f"COPY {NEW_TABLE} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)"
    # Its own transaction (a savepoint inside a caller's): a failed COPY leaves nothing behind.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEW_TABLE}")
        cursor.execute(
            f"CREATE TABLE {NEW_TABLE} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"  # noqa: S608 - our own table names
        )
        raw = cursor.cursor  # psycopg's own cursor (COPY is not in the DB-API)
        for start in range(0, max(len(arrow), 1), COPY_CHUNK):
            buffer = io.BytesIO()
            pacsv.write_csv(arrow.slice(start, COPY_CHUNK), buffer, options)
            _copy_chunk(raw, sql, buffer.getvalue())
        for name, definition, _pk in _index_definitions(cursor, table):
            head, on, rest = definition.partition(" ON ")
            _using_table, using, columns = rest.partition(" USING ")
            if not (on and using and head.endswith(" " + name)):
                raise ValueError(f"unexpected index definition: {definition}")
            head = head[: -len(name)] + _temporary_index_name(name)
            cursor.execute(f"{head} ON {NEW_TABLE} USING {columns}")
        cursor.execute(f"ANALYZE {NEW_TABLE}")
    return len(arrow)


def _unstage() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {NEW_TABLE}")


def _swap(run: ScoringRun, frame: pd.DataFrame) -> int:
    """Replace every score by the new ones (call inside a transaction: the swap).

    PostgreSQL: the staged table takes the score table's place (drop, rename, the indexes
    renamed, the primary key and foreign keys added; NOT VALID, checked after the commit by
    :func:`_validate`, and any row whose customer was deleted meanwhile removed): a few
    catalogue updates however many customers, so the swap's transaction is short; readers see
    the previous scores until it commits (they wait for the catalogue lock meanwhile).
    SQLite: DELETE, then executemany in batches."""
    table = CustomerScore._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid "
                "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace "
                "AND d.deptype = 'n' AND d.classid IN ('pg_constraint'::regclass, "
                "'pg_rewrite'::regclass) AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
                "WHERE k.oid = d.objid AND k.conrelid = c.oid)",
                [table],
            )
            if cursor.fetchone()[0]:
                # Another table's foreign key or a view depends on the score table: it cannot
                # be dropped, so the staged rows replace its rows instead (a longer swap).
                names = ", ".join(COLUMNS)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table name
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {names} FROM {NEW_TABLE} s "  # noqa: S608 - our own table names
                    "WHERE EXISTS (SELECT 1 FROM customers_customer c WHERE c.id = s.customer_id)"
                )
                return cursor.rowcount
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign = cursor.fetchall()
            indexes = _index_definitions(cursor, table)
            # Deferred checks still pending in this transaction (a caller's writes) would
            # forbid the DROP: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP TABLE {table}")
            cursor.execute(f"ALTER TABLE {NEW_TABLE} RENAME TO {table}")
            for name, _definition, pk in indexes:
                temporary = _temporary_index_name(name)
                if pk:
                    cursor.execute(
                        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" '
                        f'PRIMARY KEY USING INDEX "{temporary}"'
                    )
                else:
                    cursor.execute(f'ALTER INDEX "{temporary}" RENAME TO "{name}"')
            for name, definition in foreign:
                cursor.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID'
                )
            customer = CustomerScore._meta.get_field("customer").remote_field.model._meta.db_table
            cursor.execute(
                f"DELETE FROM {table} s WHERE NOT EXISTS "  # noqa: S608 - our own table names
                f"(SELECT 1 FROM {customer} c WHERE c.id = s.customer_id)"
            )
            return len(frame) - cursor.rowcount
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table name
        rows = _rows(run, frame)
        marks = ", ".join(["%s"] * len(COLUMNS))
        sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608
        values = rows.astype(object).where(rows.notna(), None)
        values = values.replace({np.nan: None})
        for start in range(0, len(values), BATCH):
            chunk = values.iloc[start : start + BATCH]
            _write_batch(cursor, sql, list(chunk.itertuples(index=False, name=None)))
    return len(rows)


def _validate() -> None:
    """PostgreSQL, after the swap: check the score table's NOT VALID foreign keys (a lock that
    lets readers and writers on; a failure leaves the key enforced for new rows, logged)."""
    if connection.vendor != "postgresql":
        return
    table = CustomerScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' AND NOT convalidated",
            [table],
        )
        for (name,) in cursor.fetchall():
            try:
                with transaction.atomic():
                    cursor.execute(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
            except DatabaseError:
                logger.warning("scoring: foreign key %s of %s not validated", name, table)


def write_scores(run: ScoringRun, frame: pd.DataFrame) -> int:
    """Replace every score by ``frame``'s rows: staged, then swapped in one transaction (a
    failure anywhere leaves the previous scores)."""
    try:
        _stage(run, frame)
        with transaction.atomic():
            written = _swap(run, frame)
    finally:
        _unstage()
    _validate()
    return written
