"""An argparse help formatter that wraps at spaces only, for ``openai-batch`` and the local server.

argparse wraps help with ``textwrap``'s defaults, which break at hyphens (``--progress-`` /
``interval``) and inside words longer than the line, and prints raw descriptions and epilogs
as written, so a long example line is folded mid-word by the terminal. This formatter wraps
every help text at spaces, never inside a word, flag or id, and folds a raw line that is wider
than the terminal at a space too, its continuation indented under the line's own indent.

Example::

    parser = argparse.ArgumentParser(epilog=EXAMPLES, formatter_class=HelpFormatter)
"""

from __future__ import annotations

import argparse
import re
import textwrap

__all__ = ["HelpFormatter"]

#: Extra indent of a folded raw line's continuation (an example's comment, a long sentence).
CONTINUATION = "    "


def _wrap(text: str, width: int, *, indent: str = "", subsequent: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        max(width, 1),
        initial_indent=indent,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Raw descriptions and epilogs kept line by line; every line, raw or not, wrapped at spaces only."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return _wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        prose: list[str] = []  # a paragraph of unindented lines, refilled whole if one is too long

        def end_paragraph() -> None:
            if any(len(indent + line) > width for line in prose):
                lines.extend(_wrap(" ".join(prose), width, indent=indent, subsequent=indent))
            else:
                lines.extend(indent + line for line in prose)
            prose.clear()

        for line in text.splitlines():
            if line and not line[0].isspace() and not line.endswith(":"):
                prose.append(line)
                continue
            end_paragraph()
            lines += _fold(indent + line, width)
        end_paragraph()
        return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def _fold(line: str, width: int) -> list[str]:
    """One raw line as lines of at most ``width`` columns, cut at spaces only.

    An example's trailing ``# comment`` moves whole to the next line; a two-column line
    (``NAME    what it is``) continues under its second column; prose under its own start.
    """
    if len(line) <= width:
        return [line]
    lead = line[: len(line) - len(line.lstrip())]
    command, gap, comment = line.partition("  # ")
    if gap and len(command.rstrip()) <= width:
        return [
            command.rstrip(),
            *_wrap("# " + comment.strip(), width, indent=lead + CONTINUATION, subsequent=lead + CONTINUATION + "  "),
        ]
    column = re.search(r"\S  +(?=\S)", line[len(lead) :])
    hang = lead + CONTINUATION
    if not lead:
        hang = ""
    elif column is not None and len(lead) + column.end() <= width // 2:
        hang = " " * (len(lead) + column.end())
    return _wrap(line.strip(), width, indent=lead, subsequent=hang)
