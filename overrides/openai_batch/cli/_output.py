"""Printing results: tables for people, plain aligned text for pipes, one JSON document for scripts.

Identifiers, statuses and file names are never broken or folded: a table that is too wide
shortens its free-text columns (error messages, metadata) with an ellipsis instead, and on a
terminal leaves out its empty columns, then the columns it names as optional, before it gives
up the one-line-per-record layout. A table is plain text, columns separated by two spaces, one
record per line (no box drawing), so ``grep -o 'batch_[0-9a-f]*'`` and ``cut`` see whole
values; on a terminal only the header is bold and free text is cut to the terminal's width.
A line of prose longer than the terminal is wrapped at spaces, never inside a word or an id.

Example::

    out = Output(as_json=False)
    out.table(["batch", "status", "errors"], [["batch_1", "failed", "token_limit_exceeded: ..."]], shorten={"errors"})
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import IO, Any

__all__ = ["PIPE_TEXT_WIDTH", "Output", "error", "shorten"]

#: Off a terminal, free text in a table is cut to this many characters (a line stays greppable).
PIPE_TEXT_WIDTH = 60
#: The narrowest a free-text column is cut to on a terminal before the table gives up its layout.
MIN_FREE_WIDTH = 12


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

    @property
    def width(self) -> int:
        """The terminal's width in columns (``$COLUMNS`` first, as the shell sets it)."""
        return shutil.get_terminal_size().columns

    @property
    def height(self) -> int:
        """The terminal's height in lines (``$LINES`` first)."""
        return shutil.get_terminal_size().lines

    def line(self, text: str) -> None:
        """One line of plain text for people (no markup: names in it are printed as they are).

        On a terminal a line longer than its width is wrapped at spaces (the rest indented by
        two), so no word, id or endpoint is cut in two; off one it stays one line for grep.
        """
        if self.as_json:
            return
        if self.is_terminal and len(text) > self.width:
            text = "\n".join(
                textwrap.wrap(text, self.width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
            )
        self.stream.write(text + "\n")
        self.stream.flush()

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        shorten: Collection[str] = (),
        title: str | None = None,
        optional: Sequence[str] = (),
        overflow: Callable[[], None] | None = None,
    ) -> None:
        """Rows under ``columns``; only the columns named in ``shorten`` may be cut (with an ellipsis).

        On a terminal the cut columns share what the others leave of its width (at least
        ``MIN_FREE_WIDTH`` characters each); off a terminal they are cut at ``PIPE_TEXT_WIDTH``.
        When the whole values do not fit a terminal, empty columns are left out, then the
        ``optional`` ones in their order; if it still does not fit, ``overflow`` is called to
        print a shorter form instead (default: one block of ``name  value`` lines per record).
        """
        if self.as_json:
            return
        if title:
            self.line(title)
        cells = [[" ".join(("" if cell is None else str(cell)).split()) for cell in row] for row in rows]
        terminal = self.is_terminal
        room = PIPE_TEXT_WIDTH
        if terminal:
            keep = _fitting_columns(columns, cells, shorten, optional, self.width)
            if keep is None:
                if overflow is not None:
                    overflow()
                else:
                    self._records(columns, cells, [i for i, name in enumerate(columns) if name in shorten])
                return
            columns = [columns[i] for i in keep]
            cells = [[row[i] for i in keep] for row in cells]
        free = [i for i, name in enumerate(columns) if name in shorten]
        widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
        if terminal:
            fixed = sum(w for i, w in enumerate(widths) if i not in free) + 2 * (len(columns) - 1)
            room = (self.width - fixed) // max(len(free), 1)
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


def _fitting_columns(
    columns: Sequence[str], cells: list[list[str]], shorten: Collection[str], optional: Sequence[str], width: int
) -> list[int] | None:
    """The indexes of the columns to show so that every record fits ``width`` on one line, or None.

    Empty columns go first, then the ``optional`` ones in order; free text (``shorten``) needs
    at least ``MIN_FREE_WIDTH`` columns, or it is left out as optional when it is.
    """

    def needed(keep: list[int]) -> int:
        total = 2 * (len(keep) - 1)
        for i in keep:
            whole = max([len(columns[i]), *(len(row[i]) for row in cells)])
            total += min(whole, max(MIN_FREE_WIDTH, len(columns[i]))) if columns[i] in shorten else whole
        return total

    keep = list(range(len(columns)))
    if needed(keep) <= width:
        return keep
    keep = [i for i in keep if any(row[i] for row in cells)] or keep[:1]
    for name in optional:
        if needed(keep) <= width:
            break
        keep = [i for i in keep if columns[i] != name]
    return keep if needed(keep) <= width else None


def error(message: str) -> None:
    """A failure explained on stderr (never holds the API key: client errors are scrubbed)."""
    sys.stderr.write(f"openai-batch: error: {message}\n")
