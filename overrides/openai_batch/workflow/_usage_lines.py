"""Usage read from result lines: tokens per model, a block of chat lines at a time where it can be.

Every result line that carries a ``usage`` object counts, in the shape its endpoint reports
(see ``_usage``). Chat completion lines in the service's layout are read by one regular
expression over a block of whole lines; any other line is parsed whole with orjson, or, when
long (an embedding), read by its ``usage`` and ``model`` bytes alone when it holds exactly one
of each. The download sums each result file as it streams in (:class:`UsageSums`), so a
job's usage never reads its result files again; :func:`sum_lines` reads a file that was
downloaded before the sums were kept.

Example::

    sums = UsageSums()
    sums.add_block(block)            # whole lines, each ending in a newline
    sums.add_line(last_line)         # one line on its own
    sums.rows()                      # [("gpt-4o-mini", [requests, input, cached, output, reasoning])]
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["UsageRows", "UsageSums", "line_usage", "sum_lines", "usage_figures"]

#: [(model, [requests, input, cached, output, reasoning]), ...], as the job store keeps them.
UsageRows = list[tuple[str | None, list[int]]]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _detail(usage: Mapping[str, Any], key: str, field: str) -> int:
    details = usage.get(key)
    return _int(details.get(field)) if isinstance(details, dict) else 0


# The (input, output) keys of each endpoint's usage shape, Responses' first; the cached and
# reasoning tokens are in "<key>_details" of each.
_SHAPES = (("input_tokens", "output_tokens"), ("prompt_tokens", "completion_tokens"))


def usage_figures(usage: Any) -> tuple[int, int, int, int] | None:
    """(input, cached, output, reasoning) of one ``usage`` object in any endpoint's shape, or None."""
    if not isinstance(usage, dict):
        return None
    for input_key, output_key in _SHAPES:
        if input_key in usage or output_key in usage:
            return (
                _int(usage.get(input_key)),
                _detail(usage, f"{input_key}_details", "cached_tokens"),
                _int(usage.get(output_key)),
                _detail(usage, f"{output_key}_details", "reasoning_tokens"),
            )
    return None


# Lines up to this size are parsed whole (orjson is quickest then); longer ones (embeddings,
# long answers) read just their "usage" and "model" when they hold exactly one of each.
# ("usage" inside a string is escaped, \"usage\", so the bare key only occurs as a key.)
_WHOLE_LINE_BYTES = 8192
_USAGE_KEY = b'"usage"'
_MODEL_KEY = b'"model"'
# A usage object holds its details one level deep: {"a": 1, "b_details": {"c": 2}}.
_USAGE_OBJECT = re.compile(rb'"usage"\s*:\s*(\{(?:[^{}]|\{[^{}]*\})*\})')
_MODEL_VALUE = re.compile(rb'"model"\s*:\s*"([^"\\]*)"')

_Found = tuple[str | None, tuple[int, int, int, int]]


def _from_fragments(raw: bytes, at: int) -> _Found | None:
    """The usage and model of a long line read from their own bytes, or None to parse it whole."""
    model_at = raw.find(_MODEL_KEY)
    if raw.find(_USAGE_KEY, at + 1) >= 0 or (model_at >= 0 and raw.find(_MODEL_KEY, model_at + 1) >= 0):
        return None
    usage = _USAGE_OBJECT.match(raw, at)
    model = _MODEL_VALUE.match(raw, model_at) if model_at >= 0 else None
    if usage is None or (model is None and model_at >= 0):
        return None
    figures = usage_figures(orjson.loads(usage.group(1)))
    return None if figures is None else (model.group(1).decode() if model else None, figures)


def line_usage(raw: bytes) -> _Found | None:
    """(model, (input, cached, output, reasoning)) of one result line, or None when it carries no usage."""
    at = raw.find(_USAGE_KEY)
    if at < 0:
        return None
    if len(raw) > _WHOLE_LINE_BYTES:
        found = _from_fragments(raw, at)
        if found is not None:
            return found
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    response = line.get("response") if isinstance(line, dict) else None
    body = response.get("body") if isinstance(response, dict) else None
    if not isinstance(body, dict):
        return None
    figures = usage_figures(body.get("usage"))
    model = body.get("model")
    return None if figures is None else (model if isinstance(model, str) else None, figures)


# A chat completion's result line in the service's layout, from its body's "object" to the line's
# end: the model, then prompt, completion, cached and reasoning tokens. A block of lines is read
# with one findall when every "usage" key in it is one of these (see _block_matches). The key is
# sought back from the line's end by its "u" (the quote before it is checked after): the
# engine then stops at a handful of places on the way instead of at every quote, a tenth quicker.
# Past the reasoning tokens nothing is matched but the line's end (the numbers are all read).
_CHAT_LINE = re.compile(
    rb'"object":"chat\.completion","created":\d+,"model":"([^"\\\n]*)","choices":[^\n]*'
    rb'usage(?<="usage)":\{"prompt_tokens":(\d+),"completion_tokens":(\d+),"total_tokens":\d+,'
    rb'"prompt_tokens_details":\{"cached_tokens":(\d+)[^}\n]*\},'
    rb'"completion_tokens_details":\{"reasoning_tokens":(\d+)[^\n]*\n'
)
_SUM_BLOCK = 1 << 20


def _add(sums: dict[str | None, list[int]], model: str | None, figures: list[int]) -> None:
    total = sums.get(model)
    if total is None:
        sums[model] = figures
        return
    for i, value in enumerate(figures):
        total[i] += value


_Match = tuple[bytes, bytes, bytes, bytes, bytes]


def _block_matches(
    block: bytes, start: int = 0, end: int | None = None, *, lines: int | None = None
) -> list[_Match] | None:
    """The chat lines of ``block[start:end]`` (whole lines, each ending in a newline) as matched; None to read each line.

    When every ``"usage"`` key there belongs to a chat completion line in the service's
    layout (the match count equals the key count: a line with two keys, or one in another
    shape, cannot pass), one findall reads them all, a few times quicker than parsing each
    line; otherwise the caller reads the lines one by one (as :func:`line_usage` reads each).
    ``lines`` is how many lines the range holds, when the caller counted them.
    """
    end = len(block) if end is None else end
    found: list[_Match] = _CHAT_LINE.findall(block, start, end)
    if not found and block.find(_USAGE_KEY, start, end) < 0:
        return found  # no usage at all (an error file's lines)
    if lines is None:
        lines = block.count(b"\n", start, end)
    # Every line a match (the usual block) needs no count of the keys: each match is one line.
    if found and (len(found) == lines or len(found) == block.count(_USAGE_KEY, start, end)):
        return found
    return None


def _sum_matches(found: list[_Match], sums: dict[str | None, list[int]]) -> None:
    """Add matched chat lines to ``sums``: per model, one parse per column of token counts."""
    models = {row[0] for row in found}
    for model in models:
        rows = found if len(models) == 1 else [row for row in found if row[0] == model]
        _, prompt, completion, cached, reasoning = zip(*rows, strict=True)
        _add(
            sums,
            model.decode(),
            [len(rows), *(_column_sum(column) for column in (prompt, cached, completion, reasoning))],
        )


def _column_sum(column: tuple[bytes, ...]) -> int:
    """The sum of a column of decimal digits as the regular expression captured them."""
    try:
        # One parse of the whole column instead of an int() per line (a few times quicker).
        return sum(orjson.loads(b"[" + b",".join(column) + b"]"))
    except orjson.JSONDecodeError:  # leading zeros, which JSON refuses and int() reads
        return sum(map(int, column))


class UsageSums:
    """Per-model usage of result lines fed in file order: blocks of whole lines, or one line at a time.

    Matched chat lines are kept (their numbers only, as bytes) until a few thousand have come
    and summed together: a download's blocks are 64 KiB, and summing each on its own cost a
    sixth of the usage pass in per-block work.

    Example::

        sums = UsageSums()
        sums.add_block(b"".join(lines), lines=len(lines))
        sums.rows()      # [("gpt-4o-mini", [2, 120, 0, 40, 0])]
    """

    _HELD_MATCHES = 4096

    def __init__(self) -> None:
        self._sums: dict[str | None, list[int]] = {}
        self._held: list[_Match] = []

    def add_block(self, block: bytes, start: int = 0, end: int | None = None, *, lines: int | None = None) -> None:
        """The whole lines of ``block[start:end]``, each ending in a newline; ``lines``, when the caller counted them."""
        found = _block_matches(block, start, end, lines=lines)
        if found is None:
            for raw in block[start:end].splitlines(keepends=True):
                self.add_line(raw)
            return
        self._held += found
        if len(self._held) >= self._HELD_MATCHES:
            self._sum_held()

    def add_line(self, raw: bytes) -> None:
        """One line (the last of a file may lack its newline)."""
        found = line_usage(raw)
        if found is not None:
            _add(self._sums, found[0], [1, *found[1]])

    def _sum_held(self) -> None:
        if self._held:
            _sum_matches(self._held, self._sums)
            self._held = []

    def rows(self) -> UsageRows:
        self._sum_held()
        return [(model, list(values)) for model, values in self._sums.items()]


def sum_lines(path: str | os.PathLike[str]) -> UsageRows:
    """The usage of every line of one result file, summed per model, read a block at a time."""
    sums = UsageSums()
    rest = b""
    with open(path, "rb", buffering=0) as stream:
        while chunk := stream.read(_SUM_BLOCK):
            # The line begun in the last chunk is finished on its own; the rest is read in place.
            first = chunk.find(b"\n") + 1
            if first == 0:
                rest += chunk
                continue
            sums.add_block(rest + chunk[:first], lines=1)
            end = chunk.rfind(b"\n") + 1
            if end > first:
                sums.add_block(chunk, first, end)
            rest = chunk[end:]
    if rest:
        sums.add_line(rest)
    return sums.rows()
