"""Each row's ``custom_id``: a column's value as text, or made from the row number."""

from __future__ import annotations

from typing import Any

import attrs

from ._errors import TableInputError

__all__ = ["GENERATED_PREFIX", "IdRule"]

#: Ids made from the row number: ``row-0``, ``row-1``, ... (rows count from 0, as a DataFrame's index).
GENERATED_PREFIX = "row-"


@attrs.frozen
class IdRule:
    """Where a row's custom_id comes from: ``column`` (its value as text), else ``prefix`` + row number.

    Example::

        rule = IdRule("review_id")
        rule.check_columns(("review_id", "text"), "reviews.csv")
        rule.ids(batch, start=0, table="reviews.csv")    # ["r-1", "r-2", ...]
    """

    column: str | None = None
    prefix: str = GENERATED_PREFIX

    def check_columns(self, column_names: tuple[str, ...], table: str) -> None:
        if self.column is not None and self.column not in column_names:
            raise TableInputError(
                f"{table}: no id column {self.column!r}; its columns are {list(column_names)}", column=self.column
            )

    def ids(self, batch: Any, start: int, table: str) -> list[str]:
        """The custom_ids of one record batch whose first row is row ``start``; an empty one is an error."""
        if self.column is None:
            return [f"{self.prefix}{start + offset}" for offset in range(batch.num_rows)]
        ids: list[str] = []
        for offset, value in enumerate(batch.column(self.column).to_pylist()):
            text = "" if value is None else value if isinstance(value, str) else str(value)
            if not text.strip():
                raise TableInputError(
                    f"{table}: row {start + offset}: the id column {self.column!r} is empty "
                    f"({'null' if value is None else repr(value)}); every request needs a custom_id",
                    row=start + offset,
                    column=self.column,
                )
            ids.append(text)
        return ids

    def to_metadata(self) -> dict[bytes, bytes]:
        return {
            b"openai_batch.id_column": (self.column or "").encode(),
            b"openai_batch.id_prefix": self.prefix.encode(),
        }

    @classmethod
    def from_metadata(cls, metadata: dict[bytes, bytes] | None) -> IdRule | None:
        if not metadata or b"openai_batch.id_prefix" not in metadata:
            return None
        column = metadata.get(b"openai_batch.id_column", b"").decode()
        return cls(column or None, metadata[b"openai_batch.id_prefix"].decode())
