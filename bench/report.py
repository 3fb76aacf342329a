"""The results table, as aligned plain text for the terminal and as markdown for the README."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    measure: str
    values: Sequence[str]  # one cell per contender, in CONTENDERS order
    ratio: str
    target: str
    result: str  # PASS, MISS, N/A, or "" for a row shown for information

    def cells(self) -> list[str]:
        return [self.measure, *self.values, self.ratio, self.target, self.result]


def render_text(headers: Sequence[str], rows: Sequence[Row], notes: Sequence[str]) -> str:
    table = [list(headers), *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        # The measure is text (left-aligned); every other column is a figure (right-aligned).
        first, *rest = cells
        return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])

    rule = "-" * len(line(headers))
    out = [rule, line(headers), rule, *(line(row.cells()) for row in rows), rule]
    out += [f"* {note}" for note in notes]
    return "\n".join(out)


def render_markdown(headers: Sequence[str], rows: Sequence[Row], notes: Sequence[str]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.strip().replace("|", "\\|") for c in cells) + " |"

    align = "| :-- | " + " | ".join("--:" for _ in headers[1:]) + " |"
    out = [line(headers), align]
    out += [
        line([row.measure.strip(), *row.values, row.ratio, row.target, f"**{row.result}**" if row.result else ""])
        for row in rows
    ]
    out.append("")
    out += [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"
