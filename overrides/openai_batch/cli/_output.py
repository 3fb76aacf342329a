"""Printing results: rich tables for people, one JSON document for scripts (``--json``).

rich is imported only when something is drawn for a person, so ``--json`` and ``--help``
stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any


class Output:
    """Where a command's answer goes: ``emit`` a JSON-ready value, or ``table``/``line`` for people."""

    def __init__(self, *, as_json: bool, stream: IO[str] | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout

    def emit(self, value: Any) -> None:
        """In ``--json`` mode, the one JSON document this command prints."""
        self.stream.write(json.dumps(value, indent=2, default=str) + "\n")

    def line(self, text: str) -> None:
        if not self.as_json:
            from rich.console import Console

            Console(file=self.stream, highlight=False, soft_wrap=True).print(text)

    def table(self, title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if self.as_json:
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        Console(file=self.stream, soft_wrap=True).print(table)


def error(message: str) -> None:
    """A failure explained on stderr (never holds the API key: client errors are scrubbed)."""
    sys.stderr.write(f"openai-batch: error: {message}\n")
