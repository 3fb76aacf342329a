"""The job state file: one SQLite database that survives a crash at any point.

Every step that spends money (an upload, a batch) is recorded twice: an *intent* committed
before the call and the resulting id committed after it. A process killed between the two
leaves an intent without an id, which tells the next run to look the object up on the
server before creating it again. WAL with ``synchronous=FULL`` makes each commit durable
before the call it guards is made.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from ._lock import job_lock

__all__ = ["DEFAULT_STATE_PATH", "JobRow", "JobStore", "ShardRow"]

#: Where jobs are recorded unless a path is given (relative to the working directory).
DEFAULT_STATE_PATH = Path(".openai-batch") / "jobs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    input_path TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    completion_window TEXT NOT NULL,
    metadata TEXT NOT NULL,
    limits TEXT NOT NULL,
    request_count INTEGER NOT NULL DEFAULT 0,
    sharded INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_input ON jobs (input_digest, endpoint, completion_window);
CREATE TABLE IF NOT EXISTS shards (
    job_id TEXT NOT NULL REFERENCES jobs (job_id),
    shard_index INTEGER NOT NULL,
    path TEXT NOT NULL,
    request_count INTEGER NOT NULL,
    byte_size INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    token TEXT NOT NULL,
    retry_of_status TEXT,
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
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    batch_id TEXT,
    line BLOB NOT NULL,
    PRIMARY KEY (job_id, custom_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retried (
    job_id TEXT NOT NULL,
    custom_id TEXT NOT NULL,
    shard_index INTEGER NOT NULL,
    PRIMARY KEY (job_id, custom_id)
) WITHOUT ROWID;
"""


@attrs.define
class JobRow:
    job_id: str
    input_path: str
    input_digest: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str]
    limits: dict[str, int]
    request_count: int = 0
    sharded: bool = False
    cancel_requested: bool = False
    created_at: float = 0.0


@attrs.define
class ShardRow:
    job_id: str
    shard_index: int
    path: str
    request_count: int
    byte_size: int
    first_line: int
    token: str
    retry_of_status: str | None = None
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
_JSON_FIELDS = {"metadata", "limits", "errors"}
_BOOL_FIELDS = {"sharded", "cancel_requested", "results_done"}


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
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)

    @property
    def work_dir(self) -> Path:
        """Where shard files live: ``<state dir>/jobs/<job id>/``."""
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

    def find_job(self, digest: str, endpoint: str, completion_window: str) -> JobRow | None:
        """The newest job for this exact input, endpoint and window (the one a rerun resumes)."""
        row = self._db.execute(
            "SELECT job_id FROM jobs WHERE input_digest = ? AND endpoint = ? AND completion_window = ? "
            "ORDER BY created_at DESC LIMIT 1",
            (digest, endpoint, completion_window),
        ).fetchone()
        return None if row is None else self.get_job(row[0])

    def list_jobs(self) -> list[JobRow]:
        ids = [r[0] for r in self._db.execute("SELECT job_id FROM jobs ORDER BY created_at")]
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
    def put_results(self, job_id: str, rows: Iterable[tuple[str, int, str | None, bytes]]) -> None:
        """Store (custom_id, shard, batch id, raw line) rows; a re-download replaces, never duplicates."""
        self._db.executemany(
            "INSERT OR REPLACE INTO results (job_id, custom_id, shard_index, batch_id, line) VALUES (?, ?, ?, ?, ?)",
            ((job_id, *row) for row in rows),
        )

    def get_result(self, job_id: str, custom_id: str) -> tuple[str | None, bytes] | None:
        row = self._db.execute(
            "SELECT batch_id, line FROM results WHERE job_id = ? AND custom_id = ?", (job_id, custom_id)
        ).fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def get_results(self, job_id: str, custom_ids: list[str]) -> dict[str, tuple[str | None, bytes]]:
        """The stored rows of these ids (at most a few hundred per call: one SQL variable each)."""
        if not custom_ids:
            return {}
        marks = ", ".join("?" for _ in custom_ids)
        rows = self._db.execute(
            f"SELECT custom_id, batch_id, line FROM results WHERE job_id = ? AND custom_id IN ({marks})",
            [job_id, *custom_ids],
        )
        return {row[0]: (row[1], bytes(row[2])) for row in rows}

    def result_count(self, job_id: str) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM results WHERE job_id = ?", (job_id,)).fetchone()[0])

    def delete_results(self, job_id: str, custom_ids: Iterable[str]) -> None:
        self._db.executemany(
            "DELETE FROM results WHERE job_id = ? AND custom_id = ?", ((job_id, cid) for cid in custom_ids)
        )

    def mark_retried(self, job_id: str, rows: Iterable[tuple[str, int]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO retried (job_id, custom_id, shard_index) VALUES (?, ?, ?)",
            ((job_id, *row) for row in rows),
        )

    def retried_shard(self, job_id: str, custom_id: str) -> int | None:
        row = self._db.execute(
            "SELECT shard_index FROM retried WHERE job_id = ? AND custom_id = ?", (job_id, custom_id)
        ).fetchone()
        return None if row is None else int(row[0])

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
