"""The base of the job layer's errors, the wait's timeout and the table error, below the resources.

``client.batches.wait`` raises :class:`BatchWaitTimeout`, so it lives here rather than in
``openai_batch.workflow``: the layers below the job layer never import it. The command line
tells a :class:`TableInputError` apart on every run, and importing it from ``tables`` would
load that whole package (a tenth of the start-up) for a command that reads no table.
"""

from __future__ import annotations

from ._exceptions import OpenAIBatchError

__all__ = ["BatchWaitTimeout", "TableInputError", "WorkflowError"]


class WorkflowError(OpenAIBatchError):
    """Base of the errors the batch workflow raises itself."""


class BatchWaitTimeout(WorkflowError, TimeoutError):
    """Waiting for a batch (or a job's batches) passed its deadline; the batches go on running.

    Example::

        try:
            client.batches.wait("batch_abc", timeout=3600)
        except BatchWaitTimeout as exc:
            print(exc.batch_ids, exc.status)
    """

    def __init__(self, batch_ids: list[str], status: str, waited: float) -> None:
        self.batch_ids = batch_ids
        self.status = status
        self.waited = waited
        names = ", ".join(batch_ids) if batch_ids else "(no batch yet)"
        super().__init__(f"gave up waiting for batch {names} after {waited:.0f}s; last status: {status}")

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its own fields, so it crosses process boundaries intact.
        return (type(self), (self.batch_ids, self.status, self.waited))


class TableInputError(WorkflowError, ValueError):
    """A table's content cannot become a valid request file; nothing was written or sent.

    ``row`` is the 0-based row number (as a DataFrame's index counts) when one row is at
    fault, ``column`` the column involved when there is one.

    Example::

        try:
            write_requests("reviews.csv", "requests.jsonl", template)
        except TableInputError as exc:
            print(exc.row, exc.column, exc)   # 17 id "row 17: id 'r-5' (column 'id') is used by an earlier row"
    """

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
