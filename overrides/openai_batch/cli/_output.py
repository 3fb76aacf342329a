"""Printing results: tables for people, plain aligned text for pipes, one JSON document for scripts.

Identifiers, statuses and file names are never broken or folded: a table that is too wide
shortens its free-text columns (error messages, metadata) with an ellipsis instead. A table
is plain text, columns separated by two spaces, one record per line (no box drawing), so
``grep -o 'batch_[0-9a-f]*'`` and ``cut`` see whole values; on a terminal only the header is
bold and free text is cut to the terminal's width.

Example::

    out = Output(as_json=False)
    out.table(["batch", "status", "errors"], [["batch_1", "failed", "token_limit_exceeded: ..."]], shorten={"errors"})
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import IO, Any

__all__ = ["PIPE_TEXT_WIDTH", "Output", "error", "shorten"]

#: Off a terminal, free text in a table is cut to this many characters (a line stays greppable).
PIPE_TEXT_WIDTH = 60


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis when longer."""
    return _cut(" ".join(text.split()), width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Output:
    """Where a command's answer goes: ``emit`` a JSON-ready value, or ``table``/``line`` for people.

    ``emitted`` records that the one JSON document was written, so an error raised after it
    does not print a second one.
    """

    def __init__(self, *, as_json: bool, stream: IO[str] | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.emitted = False

    @property
    def is_terminal(self) -> bool:
        return _is_terminal(self.stream)

    def emit(self, value: Any) -> None:
        """In ``--json`` mode, the one JSON document this command prints."""
        if self.emitted:
            return
        self.emitted = True
        self.stream.write(json.dumps(value, indent=2, default=str) + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        """One line of plain text for people (no markup: names in it are printed as they are)."""
        if not self.as_json:
            self.stream.write(text + "\n")
            self.stream.flush()

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        shorten: Collection[str] = (),
        title: str | None = None,
    ) -> None:
        """Rows under ``columns``; only the columns named in ``shorten`` may be cut (with an ellipsis).

        On a terminal the cut columns share what the others leave of its width (at least
        8 characters each); off a terminal they are cut at ``PIPE_TEXT_WIDTH``.
        """
        if self.as_json:
            return
        if title:
            self.line(title)
        cells = [[" ".join(("" if cell is None else str(cell)).split()) for cell in row] for row in rows]
        free = [i for i, name in enumerate(columns) if name in shorten]
        widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
        terminal = self.is_terminal
        room = PIPE_TEXT_WIDTH
        if terminal:
            fixed = sum(w for i, w in enumerate(widths) if i not in free) + 2 * (len(columns) - 1)
            room = (shutil.get_terminal_size().columns - fixed) // max(len(free), 1)
            if room < (12 if free else 0):
                # The whole values alone do not fit the terminal: one record per block instead.
                self._records(columns, cells, free)
                return
        if free:
            for i in free:
                widths[i] = min(widths[i], max(room, len(columns[i])))
                for row in cells:
                    row[i] = _cut(row[i], widths[i])
        header = "  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)).rstrip()
        bold = terminal and not os.environ.get("NO_COLOR")
        self.stream.write(f"\x1b[1m{header}\x1b[0m\n" if bold else header + "\n")
        for row in cells:
            self.stream.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
            )
        self.stream.flush()

    def _records(self, columns: Sequence[str], cells: list[list[str]], free: list[int]) -> None:
        # Each record as "name  value" lines, values whole, free text cut to the terminal's width.
        width = max(len(name) for name in columns)
        room = max(shutil.get_terminal_size().columns - width - 2, 12)
        for number, row in enumerate(cells):
            if number:
                self.stream.write("\n")
            for i, (name, cell) in enumerate(zip(columns, row, strict=True)):
                if cell:
                    self.stream.write(f"{name.ljust(width)}  {_cut(cell, room) if i in free else cell}\n")
        self.stream.flush()


def error(message: str) -> None:
    """A failure explained on stderr (never holds the API key: client errors are scrubbed)."""
    sys.stderr.write(f"openai-batch: error: {message}\n")
