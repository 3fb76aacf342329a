"""Several processes or threads opening one new state file at once all get a working store.

Turning a new SQLite file to WAL needs exclusive access and SQLite refuses a racing opener
at once ("database is locked"), without waiting; the store serialises its set-up.
"""

from __future__ import annotations

import threading
from pathlib import Path

from openai_batch.workflow import JobStore


def test_racing_openers_of_a_new_state_file_all_succeed(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    for attempt in range(40):
        path = tmp_path / f"state-{attempt}" / "jobs.sqlite"
        barrier = threading.Barrier(3)

        def open_store(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                with JobStore(path) as store:
                    assert store.list_jobs() == []
            except BaseException as exc:  # reported below: a thread cannot fail the test itself
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
