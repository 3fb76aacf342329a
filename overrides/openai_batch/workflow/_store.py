"""The job state file: one SQLite database that survives a crash at any point.

Every step that spends money (an upload, a batch) is recorded twice: an *intent* committed
before the call and the resulting id committed after it. A process killed between the two
leaves an intent without an id, which tells the next run to look the object up on the
server before creating it again. WAL with ``synchronous=FULL`` makes each commit durable
before the call it guards is made.

The file is a cache of what the service holds: every upload and batch carries tags derived
from the job's id (see ``_identity``), so a job whose state file was deleted is found again
through the API. It stays lean: shards are byte ranges of the input file, and result lines
stay in the downloaded result files, with only an index here. The service writes results
mostly in input order, so the index holds *runs*: "these n lines of that file, from this
byte, are the results of the shard's input lines p .. p+n-1", a handful of rows for a batch
of 50,000 results, read back as one block each. Resubmissions are indexed line by line
(custom_id -> file, offset, length), so a finished job's state is little more than the
output files themselves.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from ._lock import job_lock

__all__ = ["DEFAULT_STATE_PATH", "JobRow", "JobStore", "ResultRef", "ResultRun", "ShardRow"]

logger = logging.getLogger("openai_batch.workflow")

#: Where jobs are recorded unless a path is given (relative to the working directory).
DEFAULT_STATE_PATH = Path(".openai-batch") / "jobs.sqlite"

#: Bumped when the tables change; an older file is moved aside (it is only a cache).
SCHEMA_VERSION = 9

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    input_path TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    completion_window TEXT NOT NULL,
    metadata TEXT NOT NULL,
    limits TEXT NOT NULL,
    definition TEXT NOT NULL,
    request_count INTEGER NOT NULL DEFAULT 0,
    sharded INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    discovered INTEGER NOT NULL DEFAULT 0,
    input_size INTEGER NOT NULL DEFAULT 0,
    input_mtime_ns INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_input ON jobs (input_digest, endpoint, completion_window);
CREATE TABLE IF NOT EXISTS shards (
    job_id TEXT NOT NULL REFERENCES jobs (job_id),
    shard_index INTEGER NOT NULL,
    path TEXT NOT NULL,
    byte_offset INTEGER NOT NULL,
    byte_size INTEGER NOT NULL,
    request_count INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    token TEXT NOT NULL,
    retry_of_status TEXT,
    model TEXT,
    token_estimate INTEGER NOT NULL DEFAULT 0,
    upload_started_at REAL,
    file_id TEXT,
    attempt INTEGER NOT NULL DEFAULT 1,
    batch_started_at REAL,
    batch_id TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    total INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    output_file_id TEXT,
    error_file_id TEXT,
    results_done INTEGER NOT NULL DEFAULT 0,
    errors TEXT,
    PRIMARY KEY (job_id, shard_index)
);
CREATE INDEX IF NOT EXISTS shards_by_batch ON shards (batch_id);
CREATE TABLE IF NOT EXISTS attempts (
    job_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    status TEXT NOT NULL,
    errors TEXT,
    PRIMARY KEY (job_id, shard_index, attempt)
);
CREATE TABLE IF NOT EXISTS result_files (
    file_key INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    file_id TEXT NOT NULL,
    path TEXT NOT NULL,
    lines INTEGER NOT NULL
);
-- Runs of stored result lines (see the module's doc): input lines first_line .. first_line +
-- line_count - 1 of the shard (counted from 0, blank lines not counted) have their results, in
-- that order, in bytes byte_offset .. byte_offset + byte_length of result file file_key.
CREATE TABLE IF NOT EXISTS result_runs (
    job_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    file_key INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    byte_length INTEGER NOT NULL,
    PRIMARY KEY (job_id, shard_index, first_line, file_key)
) WITHOUT ROWID;
-- Each planned shard's custom_ids in input order, joined by newlines (UTF-8), written as the
-- validator's one pass plans the shard: the download checks its result lines against them
-- without reading the input again. A shard without a row (planned by an older version, or
-- after a stop between planning and recording) has its input read instead.
CREATE TABLE IF NOT EXISTS shard_inputs (
    job_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    custom_ids BLOB NOT NULL,
    PRIMARY KEY (job_id, shard_index)
) WITHOUT ROWID;
-- A resubmission's result lines, one row each: its requests are found by custom_id.
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    file_key INTEGER NOT NULL,
    line_offset INTEGER NOT NULL,
    line_length INTEGER NOT NULL,
    PRIMARY KEY (job_id, custom_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retried (
    job_id TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 2,
    PRIMARY KEY (job_id, custom_id)
) WITHOUT ROWID;
-- Per downloaded result file, its lines' usage summed per model (JSON [[model, [requests, input,
-- cached, output, reasoning]], ...]): summed once, read by every later status.
CREATE TABLE IF NOT EXISTS usage_sums (
    job_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    sums TEXT NOT NULL,
    PRIMARY KEY (job_id, file_id)
);
-- Each finished batch's own `usage` (JSON, NULL when the service left it out) and result files.
CREATE TABLE IF NOT EXISTS batch_usage (
    job_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    output_file_id TEXT,
    error_file_id TEXT,
    usage TEXT,
    PRIMARY KEY (job_id, batch_id)
);
-- Each job's outcome counts (JSON {outcome: n}) as of `stamp`, what they were computed from
-- (see _harvest.results_stamp), and the last results file written from them: asked again with
-- nothing changed, `status` reads the counts and `results` the file instead of joining again.
CREATE TABLE IF NOT EXISTS outcome_totals (
    job_id TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    counts TEXT NOT NULL,
    written TEXT
);
CREATE TABLE IF NOT EXISTS token_limits (
    origin TEXT NOT NULL,
    model TEXT NOT NULL,
    token_limit INTEGER NOT NULL,
    share REAL NOT NULL,
    learnt_at REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (origin, model)
);
-- Copies another sender made of one of the job's uploads or batches, given up for the copy every
-- sender keeps (see _rivals): never read for results, usage or cost.
CREATE TABLE IF NOT EXISTS duplicates (
    job_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    kind TEXT NOT NULL,
    kept_id TEXT NOT NULL,
    PRIMARY KEY (job_id, object_id)
) WITHOUT ROWID;
-- What a prune leaves of a job: when, and its last status as JSON (see workflow/_prune).
CREATE TABLE IF NOT EXISTS pruned_jobs (
    job_id TEXT PRIMARY KEY,
    pruned_at REAL NOT NULL,
    record TEXT NOT NULL
);
-- What the dashboard draws (see _history): the job's request counts at each poll (bounded,
-- down-sampled), and each batch's own timestamps as the service reported them.
CREATE TABLE IF NOT EXISTS poll_samples (
    job_id TEXT NOT NULL,
    taken_at REAL NOT NULL,
    completed INTEGER NOT NULL,
    failed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS poll_samples_by_job ON poll_samples (job_id, taken_at);
CREATE TABLE IF NOT EXISTS batch_times (
    job_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER,
    in_progress_at INTEGER,
    finalizing_at INTEGER,
    ended_at INTEGER,
    PRIMARY KEY (job_id, batch_id)
);
"""


class ResultRun(NamedTuple):
    """A run of stored result lines: the results of ``line_count`` consecutive input lines of a shard.

    Example::

        for run in store.result_runs(job_id, 0):
            print(run.first_line, run.line_count, run.file_key, run.offset, run.length)
    """

    first_line: int
    file_key: int
    line_count: int
    offset: int
    length: int


class ResultRef(NamedTuple):
    """Where one stored result line is: its shard, result file (key), byte offset and length.

    Example::

        ref = store.get_results(job_id, ["q-1"])["q-1"]
        print(ref.shard_index, ref.offset, ref.length)
    """

    shard_index: int
    file_key: int
    offset: int
    length: int


@attrs.define
class JobRow:
    """A job as the state file records it: its input, endpoint, options and request count.

    Example::

        with JobStore(".openai-batch/jobs.sqlite") as store:
            row = store.get_job("job_0123456789abcdef")
            print(row.input_path, row.endpoint, row.request_count)
    """

    job_id: str
    input_path: str
    input_digest: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str]
    limits: dict[str, int]
    definition: dict[str, Any]
    request_count: int = 0
    sharded: bool = False
    cancel_requested: bool = False
    #: Whether the service was searched for what an earlier run (or machine) sent.
    discovered: bool = False
    #: Size and mtime of the input when last hashed: a cheap check that it is unchanged.
    input_size: int = 0
    input_mtime_ns: int = 0
    created_at: float = 0.0


@attrs.define
class ShardRow:
    """One shard of a job as recorded: its byte range of the input, and the batch that runs it.

    Example::

        for shard in store.shards("job_0123456789abcdef"):
            print(shard.shard_index, shard.batch_id, shard.status)
    """

    job_id: str
    shard_index: int
    #: The input file (a byte range of it) or, for a resubmission, its own compact file.
    path: str
    byte_offset: int
    byte_size: int
    request_count: int
    first_line: int
    #: The upload's file name, derived from the job id: the service's own record of it.
    token: str
    retry_of_status: str | None = None
    model: str | None = None
    token_estimate: int = 0
    upload_started_at: float | None = None
    file_id: str | None = None
    attempt: int = 1
    batch_started_at: float | None = None
    batch_id: str | None = None
    status: str = "pending"
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    results_done: bool = False
    errors: list[dict[str, Any]] | None = None


_JOB_FIELDS = [f.name for f in attrs.fields(JobRow)]
_SHARD_FIELDS = [f.name for f in attrs.fields(ShardRow)]
_JSON_FIELDS = {"metadata", "limits", "errors", "definition"}
_BOOL_FIELDS = {"sharded", "cancel_requested", "results_done", "discovered"}


def _to_db(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return None if value is None else json.dumps(value)
    if name in _BOOL_FIELDS:
        return int(bool(value))
    return value


def _from_db(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return None if value is None else json.loads(value)
    if name in _BOOL_FIELDS:
        return bool(value)
    return value


class JobStore:
    """Jobs, shards, batch attempts and downloaded result lines, in one SQLite file.

    Example::

        with JobStore(".openai-batch/jobs.sqlite") as store:
            for job in store.list_jobs():
                print(job.job_id, job.input_path)
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_STATE_PATH) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: each statement commits on its own unless wrapped in `transaction()`.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        # Switching a new file to WAL needs exclusive access and SQLite answers "database is
        # locked" at once (no busy wait) when two openers race; a file lock serialises set-up.
        with job_lock(self.path.with_name(f".{self.path.name}.init-lock")):
            self._db = self._set_up(self._db)

    def _set_up(self, db: sqlite3.Connection) -> sqlite3.Connection:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        has_tables = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'jobs'").fetchone() is not None
        if has_tables and version != SCHEMA_VERSION:
            # Written by another version. It is only a cache: move it aside and start afresh;
            # jobs are found again through their tags on the service.
            db.close()
            aside = self.path.with_name(f"{self.path.name}.v{version}-{int(time.time())}")
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            logger.warning("state file %s was written by another version; moved it to %s", self.path, aside)
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db

    @property
    def send_lock(self) -> Path:
        """The one lock file that serialises sending for every job of this state file (see ``_lock``)."""
        return self.path.with_name(f".{self.path.name}.lock")

    @property
    def work_dir(self) -> Path:
        """Where each job keeps its result files (and resubmission shards): ``<state dir>/jobs/<job id>/``."""
        return self.path.parent / "jobs"

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- jobs ---------------------------------------------------------------------------
    def create_job(self, job: JobRow) -> None:
        placeholders = ", ".join("?" for _ in _JOB_FIELDS)
        values = [_to_db(name, getattr(job, name)) for name in _JOB_FIELDS]
        self._db.execute(f"INSERT INTO jobs ({', '.join(_JOB_FIELDS)}) VALUES ({placeholders})", values)

    def get_job(self, job_id: str) -> JobRow | None:
        row = self._db.execute(f"SELECT {', '.join(_JOB_FIELDS)} FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else JobRow(*(_from_db(n, v) for n, v in zip(_JOB_FIELDS, row, strict=True)))

    def jobs_for_input(self, digest: str) -> list[JobRow]:
        """Every job recorded for an input of this sha256, newest first."""
        rows = self._db.execute(
            "SELECT job_id FROM jobs WHERE input_digest = ? ORDER BY created_at DESC", (digest,)
        ).fetchall()
        return [job for job in (self.get_job(r[0]) for r in rows) if job is not None]

    def list_jobs(self) -> list[JobRow]:
        """Every job, newest first (as `openai-batch list` shows batches)."""
        ids = [r[0] for r in self._db.execute("SELECT job_id FROM jobs ORDER BY created_at DESC")]
        return [job for job in (self.get_job(i) for i in ids) if job is not None]

    def update_job(self, job_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [_to_db(name, value) for name, value in fields.items()]
        self._db.execute(f"UPDATE jobs SET {sets} WHERE job_id = ?", [*values, job_id])

    # --- shards -------------------------------------------------------------------------
    def add_shards(self, shards: Iterable[ShardRow]) -> None:
        placeholders = ", ".join("?" for _ in _SHARD_FIELDS)
        sql = f"INSERT INTO shards ({', '.join(_SHARD_FIELDS)}) VALUES ({placeholders})"
        self._db.executemany(sql, ([_to_db(n, getattr(s, n)) for n in _SHARD_FIELDS] for s in shards))

    def shards(self, job_id: str) -> list[ShardRow]:
        rows = self._db.execute(
            f"SELECT {', '.join(_SHARD_FIELDS)} FROM shards WHERE job_id = ? ORDER BY shard_index", (job_id,)
        )
        return [ShardRow(*(_from_db(n, v) for n, v in zip(_SHARD_FIELDS, row, strict=True))) for row in rows]

    def update_shard(self, job_id: str, shard_index: int, **fields: Any) -> None:
        sets = ", ".join(f"{name} = ?" for name in fields)
        values = [_to_db(name, value) for name, value in fields.items()]
        self._db.execute(
            f"UPDATE shards SET {sets} WHERE job_id = ? AND shard_index = ?", [*values, job_id, shard_index]
        )

    def job_of_batch(self, batch_id: str) -> str | None:
        row = self._db.execute("SELECT job_id FROM shards WHERE batch_id = ?", (batch_id,)).fetchone()
        if row is None:
            row = self._db.execute("SELECT job_id FROM attempts WHERE batch_id = ?", (batch_id,)).fetchone()
        return None if row is None else str(row[0])

    # --- batch attempts -----------------------------------------------------------------
    def record_attempt(
        self, job_id: str, shard_index: int, attempt: int, batch_id: str, status: str, errors: Any
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
            (job_id, shard_index, attempt, batch_id, status, None if errors is None else json.dumps(errors)),
        )

    def attempts(self, job_id: str) -> list[tuple[int, int, str, str, Any]]:
        rows = self._db.execute(
            "SELECT shard_index, attempt, batch_id, status, errors FROM attempts WHERE job_id = ? "
            "ORDER BY shard_index, attempt",
            (job_id,),
        )
        return [(r[0], r[1], r[2], r[3], None if r[4] is None else json.loads(r[4])) for r in rows]

    # --- results ------------------------------------------------------------------------
    def add_result_file(self, job_id: str, shard_index: int, file_id: str, path: str, lines: int) -> int:
        """Record a downloaded result file (replacing an earlier download of it); returns its key."""
        earlier = [
            (job_id, r[0])
            for r in self._db.execute(
                "SELECT file_key FROM result_files WHERE job_id = ? AND file_id = ?", (job_id, file_id)
            )
        ]
        self._db.executemany("DELETE FROM result_runs WHERE job_id = ? AND file_key = ?", earlier)
        self._db.executemany("DELETE FROM results WHERE job_id = ? AND file_key = ?", earlier)
        self._db.execute("DELETE FROM result_files WHERE job_id = ? AND file_id = ?", (job_id, file_id))
        # A file downloaded again is summed again (the earlier copy may have been cut short).
        self._db.execute("DELETE FROM usage_sums WHERE job_id = ? AND file_id = ?", (job_id, file_id))
        cursor = self._db.execute(
            "INSERT INTO result_files (job_id, shard_index, file_id, path, lines) VALUES (?, ?, ?, ?, ?)",
            (job_id, shard_index, file_id, path, lines),
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    def result_files(self, job_id: str) -> dict[int, tuple[str, str]]:
        """file key -> (file id, local path) of every downloaded result file of the job."""
        rows = self._db.execute("SELECT file_key, file_id, path FROM result_files WHERE job_id = ?", (job_id,))
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def usage_sums(self, job_id: str) -> dict[str, list[tuple[str | None, list[int]]]]:
        """file id -> [(model, [requests, input, cached, output, reasoning]), ...] of the files summed so far."""
        rows = self._db.execute("SELECT file_id, sums FROM usage_sums WHERE job_id = ?", (job_id,))
        return {str(r[0]): [(model, list(values)) for model, values in json.loads(r[1])] for r in rows}

    def put_usage_sums(self, job_id: str, file_id: str, sums: list[tuple[str | None, list[int]]]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO usage_sums (job_id, file_id, sums) VALUES (?, ?, ?)",
            (job_id, file_id, json.dumps(sums)),
        )

    def record_batch_usage(
        self, job_id: str, batch_id: str, output_file_id: str | None, error_file_id: str | None, usage: Any
    ) -> None:
        """A finished batch's own ``usage`` (None when not filled) and the result files it belongs to."""
        self._db.execute(
            "INSERT OR REPLACE INTO batch_usage (job_id, batch_id, output_file_id, error_file_id, usage) "
            "VALUES (?, ?, ?, ?, ?)",
            (job_id, batch_id, output_file_id, error_file_id, None if usage is None else json.dumps(usage)),
        )

    def batch_usages(self, job_id: str) -> list[tuple[str, list[str], Any]]:
        """(batch id, its result file ids, its reported usage or None) of every finished batch, in order."""
        rows = self._db.execute(
            "SELECT batch_id, output_file_id, error_file_id, usage FROM batch_usage WHERE job_id = ? ORDER BY rowid",
            (job_id,),
        )
        return [(str(r[0]), [f for f in (r[1], r[2]) if f], None if r[3] is None else json.loads(r[3])) for r in rows]

    def result_files_stamp(self, job_id: str) -> tuple[int, int, int]:
        """(files, highest key, lines) of the job's downloaded result files: changes with every download."""
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(MAX(file_key), 0), COALESCE(SUM(lines), 0) FROM result_files WHERE job_id = ?",
            (job_id,),
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def outcome_totals(self, job_id: str) -> tuple[str, dict[str, int], Any] | None:
        """(stamp, counts, the last written file's record or None) kept for the job, or None."""
        row = self._db.execute(
            "SELECT stamp, counts, written FROM outcome_totals WHERE job_id = ?", (job_id,)
        ).fetchone()
        if row is None:
            return None
        return str(row[0]), dict(json.loads(row[1])), None if row[2] is None else json.loads(row[2])

    def put_outcome_totals(self, job_id: str, stamp: str, counts: dict[str, int], written: Any = None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO outcome_totals (job_id, stamp, counts, written) VALUES (?, ?, ?, ?)",
            (job_id, stamp, json.dumps(counts), None if written is None else json.dumps(written)),
        )

    def put_result_runs(self, job_id: str, shard_index: int, rows: Iterable[ResultRun]) -> None:
        """Index runs of one shard's result lines (see :class:`ResultRun`)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO result_runs (job_id, shard_index, first_line, file_key, line_count, byte_offset, "
            "byte_length) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((job_id, shard_index, *run) for run in rows),
        )

    def put_shard_inputs(self, job_id: str, shard_index: int, custom_ids: bytes) -> None:
        """A shard's custom_ids in input order, joined by newlines (see the table's note)."""
        self._db.execute(
            "INSERT OR REPLACE INTO shard_inputs (job_id, shard_index, custom_ids) VALUES (?, ?, ?)",
            (job_id, shard_index, custom_ids),
        )

    def forget_shard_inputs(self, job_id: str) -> None:
        self._db.execute("DELETE FROM shard_inputs WHERE job_id = ?", (job_id,))

    def shard_inputs(self, job_id: str, shard_index: int) -> bytes | None:
        """What :meth:`put_shard_inputs` kept for the shard, or None."""
        row = self._db.execute(
            "SELECT custom_ids FROM shard_inputs WHERE job_id = ? AND shard_index = ?", (job_id, shard_index)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def result_runs(self, job_id: str, shard_index: int) -> list[ResultRun]:
        """The runs of a shard's stored result lines, by first input line (then by file, oldest first)."""
        rows = self._db.execute(
            "SELECT first_line, file_key, line_count, byte_offset, byte_length FROM result_runs "
            "WHERE job_id = ? AND shard_index = ? ORDER BY first_line, file_key",
            (job_id, shard_index),
        )
        return [ResultRun(*row) for row in rows]

    def put_results(self, job_id: str, rows: Iterable[tuple[str, int, int, int, int]]) -> None:
        """Index (custom_id, shard, file key, offset, length) rows; a re-download replaces, never duplicates."""
        self._db.executemany(
            "INSERT OR REPLACE INTO results (job_id, custom_id, shard_index, file_key, line_offset, line_length) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((job_id, *row) for row in rows),
        )

    def get_results(self, job_id: str, custom_ids: list[str]) -> dict[str, ResultRef]:
        """Where the stored result lines of these ids are (a few hundred ids per call: one SQL variable each)."""
        if not custom_ids:
            return {}
        marks = ", ".join("?" for _ in custom_ids)
        rows = self._db.execute(
            "SELECT custom_id, shard_index, file_key, line_offset, line_length FROM results "
            f"WHERE job_id = ? AND custom_id IN ({marks})",
            [job_id, *custom_ids],
        )
        return {row[0]: ResultRef(row[1], row[2], row[3], row[4]) for row in rows}

    def result_count(self, job_id: str) -> int:
        """How many result lines are indexed (in runs, and one by one for resubmissions)."""
        runs = self._db.execute(
            "SELECT COALESCE(SUM(line_count), 0) FROM result_runs WHERE job_id = ?", (job_id,)
        ).fetchone()[0]
        singles = self._db.execute("SELECT COUNT(*) FROM results WHERE job_id = ?", (job_id,)).fetchone()[0]
        return int(runs) + int(singles)

    def delete_results(self, job_id: str, custom_ids: Iterable[str]) -> None:
        """Forget the one-by-one rows of these ids (a resubmission's results, now sent again).

        Runs of the original shards stay as they are: the join reads a request that was sent
        again from the shard now holding it (the ``retried`` table), never from its first run.
        """
        self._db.executemany(
            "DELETE FROM results WHERE job_id = ? AND custom_id = ?", ((job_id, cid) for cid in custom_ids)
        )

    def mark_retried(self, job_id: str, rows: Iterable[tuple[str, int]]) -> None:
        """Move requests to the (new) shards that send them again; each move is one more attempt."""
        self._db.executemany(
            "INSERT INTO retried (job_id, custom_id, shard_index, attempts) VALUES (?, ?, ?, 2) "
            "ON CONFLICT (job_id, custom_id) DO UPDATE SET shard_index = excluded.shard_index, "
            "attempts = attempts + 1",
            ((job_id, *row) for row in rows),
        )

    def retried_shard(self, job_id: str, custom_id: str) -> int | None:
        row = self._db.execute(
            "SELECT shard_index FROM retried WHERE job_id = ? AND custom_id = ?", (job_id, custom_id)
        ).fetchone()
        return None if row is None else int(row[0])

    def retried(self, job_id: str, custom_ids: list[str]) -> dict[str, tuple[int, int]]:
        """custom_id -> (shard now holding it, attempts so far) for those of these ids sent again."""
        if not custom_ids:
            return {}
        marks = ", ".join("?" for _ in custom_ids)
        rows = self._db.execute(
            f"SELECT custom_id, shard_index, attempts FROM retried WHERE job_id = ? AND custom_id IN ({marks})",
            [job_id, *custom_ids],
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in rows}

    # --- learnt queue limits ------------------------------------------------------------
    def learnt_limit(self, origin: str, model: str) -> tuple[int, float] | None:
        row = self._db.execute(
            "SELECT token_limit, share FROM token_limits WHERE origin = ? AND model = ?", (origin, model)
        ).fetchone()
        return None if row is None else (int(row[0]), float(row[1]))

    def limit_learnt_at(self, origin: str, model: str) -> float | None:
        """When the limit of ``model`` was last learnt or lowered (Unix seconds), if it was."""
        row = self._db.execute(
            "SELECT learnt_at FROM token_limits WHERE origin = ? AND model = ?", (origin, model)
        ).fetchone()
        return None if row is None else float(row[0])

    def learn_limit(self, origin: str, model: str, limit: int, share: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO token_limits (origin, model, token_limit, share, learnt_at) VALUES (?, ?, ?, ?, ?)",
            (origin, model, limit, share, time.time()),
        )

    # --- duplicates other senders made --------------------------------------------------
    def record_duplicate(
        self, job_id: str, shard_index: int, attempt: int, kind: str, object_id: str, kept_id: str
    ) -> None:
        """``object_id`` (a ``kind`` "batch" or "file") was superseded by ``kept_id``; its usage is dropped."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, object_id, shard_index, attempt, kind, kept_id),
            )
            self._db.execute("DELETE FROM batch_usage WHERE job_id = ? AND batch_id = ?", (job_id, object_id))

    def is_duplicate(self, job_id: str, object_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM duplicates WHERE job_id = ? AND object_id = ?", (job_id, object_id)
        ).fetchone()
        return row is not None

    def duplicates(self, job_id: str) -> list[tuple[str, str, int, int, str]]:
        """(kind, superseded id, shard, attempt, kept id) of every duplicate given up, by shard."""
        rows = self._db.execute(
            "SELECT kind, object_id, shard_index, attempt, kept_id FROM duplicates WHERE job_id = ? "
            "ORDER BY shard_index, attempt, object_id",
            (job_id,),
        )
        return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4])) for r in rows]

    # --- history (drawn by the dashboard; see _history) -------------------------------------
    def poll_samples(self, job_id: str) -> list[tuple[int, float, int, int]]:
        """(key, taken_at, completed, failed) of the job's recorded polls, oldest first."""
        rows = self._db.execute(
            "SELECT rowid, taken_at, completed, failed FROM poll_samples WHERE job_id = ? ORDER BY taken_at, rowid",
            (job_id,),
        )
        return [(int(r[0]), float(r[1]), int(r[2]), int(r[3])) for r in rows]

    def add_poll_sample(self, job_id: str, taken_at: float, completed: int, failed: int) -> None:
        self._db.execute("INSERT INTO poll_samples VALUES (?, ?, ?, ?)", (job_id, taken_at, completed, failed))

    def move_poll_sample(self, key: int, taken_at: float) -> None:
        self._db.execute("UPDATE poll_samples SET taken_at = ? WHERE rowid = ?", (taken_at, key))

    def drop_poll_samples(self, keys: Iterable[int]) -> None:
        self._db.executemany("DELETE FROM poll_samples WHERE rowid = ?", ((key,) for key in keys))

    def record_batch_times(
        self, job_id: str, batch_id: str, shard_index: int, attempt: int, status: str, times: tuple[int | None, ...]
    ) -> None:
        """A batch's status and (created, in_progress, finalizing, ended) timestamps, as last retrieved."""
        self._db.execute(
            "INSERT OR REPLACE INTO batch_times VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (job_id, batch_id, shard_index, attempt, status, *times),
        )

    def batch_times(self, job_id: str) -> list[tuple[str, int, int, str, tuple[int | None, ...]]]:
        """(batch id, shard, attempt, status, (created, in_progress, finalizing, ended)) of every batch seen.

        A batch given up for another sender's copy (see ``duplicates``) is left out: the copy kept is the shard's.
        """
        rows = self._db.execute(
            "SELECT batch_id, shard_index, attempt, status, created_at, in_progress_at, finalizing_at, ended_at "
            "FROM batch_times WHERE job_id = ? AND batch_id NOT IN (SELECT object_id FROM duplicates WHERE job_id = ?) "
            "ORDER BY shard_index, attempt",
            (job_id, job_id),
        )
        return [(str(r[0]), int(r[1]), int(r[2]), str(r[3]), tuple(r[4:8])) for r in rows]

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file (cheap: no table is read)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def delete_job(self, job_id: str) -> None:
        """Forget a job and everything recorded about it (its files on disk are the caller's)."""
        with self.transaction():
            for table in (
                "poll_samples",
                "batch_times",
                "results",
                "result_runs",
                "shard_inputs",
                "outcome_totals",
                "result_files",
                "usage_sums",
                "batch_usage",
                "retried",
                "duplicates",
                "attempts",
                "shards",
                "jobs",
            ):
                self._db.execute(f"DELETE FROM {table} WHERE job_id = ?", (job_id,))

    def put_pruned(self, job_id: str, pruned_at: float, record: dict[str, Any]) -> None:
        """Keep what a prune leaves of a job (its last status), so it can still be shown."""
        self._db.execute(
            "INSERT OR REPLACE INTO pruned_jobs (job_id, pruned_at, record) VALUES (?, ?, ?)",
            (job_id, pruned_at, json.dumps(record)),
        )

    def get_pruned(self, job_id: str) -> tuple[float, dict[str, Any]] | None:
        """``(pruned_at, record)`` of a pruned job, or None."""
        row = self._db.execute("SELECT pruned_at, record FROM pruned_jobs WHERE job_id = ?", (job_id,)).fetchone()
        return None if row is None else (float(row[0]), json.loads(row[1]))

    def compact(self) -> None:
        """Give the space of deleted rows back to the file system."""
        self._db.execute("VACUUM")

    # --- transactions -------------------------------------------------------------------
    def transaction(self) -> _Transaction:
        """``with store.transaction(): ...`` commits everything inside at once, or nothing."""
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def iter_chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
