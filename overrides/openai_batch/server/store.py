"""Durable state: SQLite (WAL) for metadata, a data directory for file bytes.

Layout of the data directory:
  state.sqlite3            files, batches and the simulated clock
  files/<file_id>          bytes of every uploaded or produced file
  batches/<batch_id>/      input.jsonl (a hard link or copy of the input file taken at creation,
                           so deleting the input file does not break the batch), and
                           output.partial / errors.partial, the result lines written so far
  tmp/                     uploads being written

One connection is shared behind a re-entrant lock: every operation is short, and it makes each
read-modify-write (a cancel racing the processing loop) atomic without SQLite busy errors.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    filename TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_at INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    active INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_active ON batches(active);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS line_failures (custom_id TEXT PRIMARY KEY, failures INTEGER NOT NULL);
"""

ACTIVE_STATUSES = frozenset({"validating", "in_progress", "finalizing", "cancelling"})


@dataclasses.dataclass
class FileRecord:
    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    expires_at: int | None = None
    deleted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": self.expires_at,
        }


@dataclasses.dataclass
class BatchRecord:
    """A batch and its processing position. Only the fields up to `usage` are shown to clients."""

    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    status: str
    created_at: int
    expires_at: int
    metadata: dict[str, str] | None = None
    output_expires_after: dict[str, Any] | None = None
    model: str | None = None
    errors: list[dict[str, Any]] | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    in_progress_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    # The parts of input_tokens read from the prompt cache and of output_tokens spent reasoning.
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    # Processing position (requests consumed, byte offset and line number of the next one),
    # committed together with the byte lengths of the partial result files: lines written past
    # these lengths before a crash are truncated and redone, so none is lost or duplicated.
    validated: bool = False
    processed: int = 0
    input_offset: int = 0
    next_line: int = 1
    output_bytes: int = 0
    error_bytes: int = 0
    token_estimate: int = 0
    # The model whose enqueued-token queue the batch counts against (known once it is estimated).
    queue_model: str | None = None
    # Simulated time of the last tick that could not run every due request (chunk bound).
    lagged_at: int | None = None
    # Final status the batch is heading to once every line has a result ("completed",
    # "expired" or "cancelled"), and the ids its result files will get.
    closing_as: str | None = None
    planned_output_file_id: str | None = None
    planned_error_file_id: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "model": self.model,
            "errors": None if self.errors is None else {"object": "list", "data": self.errors},
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": self.in_progress_at,
            "expires_at": self.expires_at,
            "finalizing_at": self.finalizing_at,
            "completed_at": self.completed_at,
            "failed_at": self.failed_at,
            "expired_at": self.expired_at,
            "cancelling_at": self.cancelling_at,
            "cancelled_at": self.cancelled_at,
            "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
            "usage": {
                "input_tokens": self.input_tokens,
                "input_tokens_details": {"cached_tokens": self.cached_tokens},
                "output_tokens": self.output_tokens,
                "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
                "total_tokens": self.input_tokens + self.output_tokens,
            },
            "metadata": self.metadata,
        }


def _file_from_row(row: sqlite3.Row) -> FileRecord:
    return FileRecord(
        id=row["id"],
        bytes=row["bytes"],
        created_at=row["created_at"],
        filename=row["filename"],
        purpose=row["purpose"],
        expires_at=row["expires_at"],
        deleted=bool(row["deleted"]),
    )


def _batch_from_row(row: sqlite3.Row) -> BatchRecord:
    return BatchRecord(**json.loads(row["data"]))


class Store:
    """Files and batches of one data directory.

    Example::

        store = Store(Path("/tmp/batch-server"))
        store.get_file("file-abc")
        store.close()
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.files_dir = data_dir / "files"
        self.batches_dir = data_dir / "batches"
        self.tmp_dir = data_dir / "tmp"
        for directory in (self.files_dir, self.batches_dir, self.tmp_dir):
            directory.mkdir(parents=True, exist_ok=True)
        # Uploads cut short by a crash never became files.
        for leftover in self.tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)
        self.lock = threading.RLock()
        self._db = sqlite3.connect(data_dir / "state.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # Paths

    def file_path(self, file_id: str) -> Path:
        return self.files_dir / file_id

    def batch_dir(self, batch_id: str) -> Path:
        return self.batches_dir / batch_id

    def new_temp_path(self, name: str) -> Path:
        return self.tmp_dir / name

    # Files

    def insert_file(self, record: FileRecord, conn: sqlite3.Connection | None = None) -> None:
        sql = "INSERT INTO files (id, bytes, created_at, filename, purpose, expires_at) VALUES (?, ?, ?, ?, ?, ?)"
        args = (record.id, record.bytes, record.created_at, record.filename, record.purpose, record.expires_at)
        if conn is not None:
            conn.execute(sql, args)
            return
        with self.transaction() as db:
            db.execute(sql, args)

    def get_file(self, file_id: str, *, now: float) -> FileRecord | None:
        """A file that exists, is not deleted and has not expired at simulated time `now`."""
        with self.lock:
            row = self._db.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()
        if row is None:
            return None
        record = _file_from_row(row)
        if record.deleted or (record.expires_at is not None and record.expires_at <= now):
            return None
        return record

    def file_seq(self, file_id: str) -> int | None:
        """Position of any file ever stored, deleted ones included, so cursors stay valid."""
        with self.lock:
            row = self._db.execute("SELECT seq FROM files WHERE id = ?", (file_id,)).fetchone()
        return None if row is None else int(row["seq"])

    def list_files(
        self, *, now: float, purpose: str | None, ascending: bool, after_seq: int | None, limit: int
    ) -> tuple[list[FileRecord], bool]:
        clauses = ["deleted = 0", "(expires_at IS NULL OR expires_at > ?)"]
        args: list[Any] = [now]
        if purpose is not None:
            clauses.append("purpose = ?")
            args.append(purpose)
        if after_seq is not None:
            clauses.append("seq > ?" if ascending else "seq < ?")
            args.append(after_seq)
        order = "ASC" if ascending else "DESC"
        sql = f"SELECT * FROM files WHERE {' AND '.join(clauses)} ORDER BY seq {order} LIMIT ?"
        args.append(limit + 1)
        with self.lock:
            rows = self._db.execute(sql, args).fetchall()
        records = [_file_from_row(row) for row in rows[:limit]]
        return records, len(rows) > limit

    def mark_file_deleted(self, file_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE files SET deleted = 1 WHERE id = ?", (file_id,))
        self.file_path(file_id).unlink(missing_ok=True)

    def delete_expired_files(self, now: float) -> int:
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id FROM files WHERE deleted = 0 AND expires_at IS NOT NULL AND expires_at <= ?", (now,)
            ).fetchall()
            db.executemany("UPDATE files SET deleted = 1 WHERE id = ?", [(row["id"],) for row in rows])
        for row in rows:
            self.file_path(row["id"]).unlink(missing_ok=True)
        return len(rows)

    # Batches

    def insert_batch(self, record: BatchRecord) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO batches (id, data, active) VALUES (?, ?, ?)",
                (record.id, json.dumps(dataclasses.asdict(record)), int(record.active)),
            )

    def insert_batches(self, records: Iterable[BatchRecord]) -> None:
        """Insert many batches in one transaction (seeding a large account; see ``seeding``)."""
        # The fields hold JSON values only, so the instance's own dict serialises as asdict()
        # would, without asdict's deep copy (most of the time of a large seeding).
        rows = ((r.id, json.dumps(vars(r)), int(r.active)) for r in records)
        with self.transaction() as db:
            db.executemany("INSERT INTO batches (id, data, active) VALUES (?, ?, ?)", rows)

    def save_batch(self, record: BatchRecord, conn: sqlite3.Connection | None = None) -> None:
        sql = "UPDATE batches SET data = ?, active = ? WHERE id = ?"
        args = (json.dumps(dataclasses.asdict(record)), int(record.active), record.id)
        if conn is not None:
            conn.execute(sql, args)
            return
        with self.transaction() as db:
            db.execute(sql, args)

    def get_batch(self, batch_id: str) -> BatchRecord | None:
        with self.lock:
            row = self._db.execute("SELECT data FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return None if row is None else _batch_from_row(row)

    def batch_seq(self, batch_id: str) -> int | None:
        with self.lock:
            row = self._db.execute("SELECT seq FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return None if row is None else int(row["seq"])

    def list_batches(self, *, after_seq: int | None, limit: int) -> tuple[list[BatchRecord], bool]:
        """Newest first."""
        sql = "SELECT data FROM batches"
        args: list[Any] = []
        if after_seq is not None:
            sql += " WHERE seq < ?"
            args.append(after_seq)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit + 1)
        with self.lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_batch_from_row(row) for row in rows[:limit]], len(rows) > limit

    def active_batch_ids(self) -> list[str]:
        with self.lock:
            rows = self._db.execute("SELECT id FROM batches WHERE active = 1 ORDER BY seq").fetchall()
        return [row["id"] for row in rows]

    # Injected line failures: how often each custom_id has been made to fail

    def line_failures(self, custom_id: str) -> int:
        with self.lock:
            row = self._db.execute("SELECT failures FROM line_failures WHERE custom_id = ?", (custom_id,)).fetchone()
        return 0 if row is None else int(row["failures"])

    def add_line_failures(self, custom_ids: Iterable[str], conn: sqlite3.Connection) -> None:
        """Count one more failure for each custom_id, inside the caller's transaction."""
        conn.executemany(
            "INSERT INTO line_failures (custom_id, failures) VALUES (?, 1) "
            "ON CONFLICT(custom_id) DO UPDATE SET failures = failures + 1",
            [(custom_id,) for custom_id in custom_ids],
        )

    # Simulated clock

    def saved_clock(self) -> float | None:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        return None if row is None else float(row["value"])

    def save_clock(self, now: float) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('clock', ?)", (repr(now),))


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs nothing for a 200 MB input; copy where the filesystem has none."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
