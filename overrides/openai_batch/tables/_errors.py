"""The error for a table that cannot become requests (or be joined back): it names the row and column."""

from __future__ import annotations

from .._workflow_errors import WorkflowError

__all__ = ["TableInputError"]


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
