"""What a job used and cost: tokens summed from its result lines, checked against each batch's ``usage``.

Every downloaded result line that carries a ``usage`` object counts, whatever its status, in
the shape its endpoint reports:

* chat completions and completions: ``prompt_tokens``, ``prompt_tokens_details.cached_tokens``,
  ``completion_tokens``, ``completion_tokens_details.reasoning_tokens``;
* responses (and images): ``input_tokens``, ``input_tokens_details.cached_tokens``,
  ``output_tokens``, ``output_tokens_details.reasoning_tokens``;
* embeddings: ``prompt_tokens`` only; moderations report no usage and count nothing.

Cached tokens are part of the input tokens and reasoning tokens part of the output tokens,
as the service bills them. Lines are filed under the model their body names (the one that
ran, often a dated snapshot) and priced with that exact name from the price table, at its
batch rates, cached input at the cached rate; a model the table lacks is named, not priced
by guess. Every result file the job downloaded counts, earlier attempts included: they were
billed too.

Each result file is summed once, when usage is first asked for (downloading and writing
results are untouched by it), and the sums are kept in the job store, so asking again costs
one query. Chat completion lines in the service's layout are read a mebibyte at a time by
one regular expression; any other line is parsed whole with orjson, or, when long (an
embedding), read by its ``usage`` and ``model`` bytes alone when it holds exactly one of
each. 100,000 chat lines take about 0.15 s. Where the service filled a batch's own ``usage``, it is
compared with the sum of that batch's lines; a difference is reported in
:attr:`JobUsage.mismatches`, never raised.

Example::

    usage = job.usage()                     # after the results are downloaded
    usage.total.input_tokens, usage.total.cached_tokens, usage.cost_usd
    for row in usage.models:
        print(row.model, row.tokens.output_tokens, row.cost_usd)
    usage.mismatches                        # ["batch_abc: the service reports ..."]
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import orjson

from ..pricing import ModelPrice, PriceTable, load_prices
from ._store import JobStore

__all__ = ["BatchUsageCheck", "JobUsage", "ModelUsage", "TokenCounts", "job_usage", "sum_result_file", "usage_counts"]


@attrs.frozen
class TokenCounts:
    """Tokens of some requests: cached within input, reasoning within output.

    Example::

        TokenCounts(requests=2, input_tokens=3000, cached_tokens=1024, output_tokens=40)
    """

    requests: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True)))

    def same_tokens(self, other: TokenCounts) -> bool:
        """Whether the four token figures agree (request counts aside: a batch reports none)."""
        return attrs.astuple(self)[1:] == attrs.astuple(other)[1:]

    def describe(self) -> str:
        return (
            f"input {self.input_tokens:,} (cached {self.cached_tokens:,}), "
            f"output {self.output_tokens:,} (reasoning {self.reasoning_tokens:,})"
        )

    def to_dict(self) -> dict[str, int]:
        return attrs.asdict(self)

    @classmethod
    def from_list(cls, values: Iterable[int]) -> TokenCounts:
        return cls(*values)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _detail(usage: Mapping[str, Any], key: str, field: str) -> int:
    details = usage.get(key)
    return _int(details.get(field)) if isinstance(details, dict) else 0


def _figures(usage: Any) -> tuple[int, int, int, int] | None:
    """(input, cached, output, reasoning) of one ``usage`` object in any endpoint's shape, or None."""
    if not isinstance(usage, dict):
        return None
    if "input_tokens" in usage or "output_tokens" in usage:
        return (
            _int(usage.get("input_tokens")),
            _detail(usage, "input_tokens_details", "cached_tokens"),
            _int(usage.get("output_tokens")),
            _detail(usage, "output_tokens_details", "reasoning_tokens"),
        )
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return (
            _int(usage.get("prompt_tokens")),
            _detail(usage, "prompt_tokens_details", "cached_tokens"),
            _int(usage.get("completion_tokens")),
            _detail(usage, "completion_tokens_details", "reasoning_tokens"),
        )
    return None


def usage_counts(usage: Any) -> TokenCounts | None:
    """One ``usage`` object (any endpoint's shape, or a batch's) as counts of one request; None if not one."""
    figures = _figures(usage)
    return None if figures is None else TokenCounts(1, *figures)


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
    figures = _figures(orjson.loads(usage.group(1)))
    return None if figures is None else (model.group(1).decode() if model else None, figures)


def _line_usage(raw: bytes) -> _Found | None:
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
    figures = _figures(body.get("usage"))
    model = body.get("model")
    return None if figures is None else (model if isinstance(model, str) else None, figures)


# A chat completion's result line in the service's layout, from its body's "object" to the line's
# end: the model, then prompt, completion, cached and reasoning tokens. A block of lines is read
# with one findall when every "usage" key in it is one of these (see _block_sums).
_CHAT_LINE = re.compile(
    rb'"object":"chat\.completion","created":\d+,"model":"([^"\\\n]*)","choices":[^\n]*'
    rb'"usage":\{"prompt_tokens":(\d+),"completion_tokens":(\d+),"total_tokens":\d+,'
    rb'"prompt_tokens_details":\{"cached_tokens":(\d+)[^{}\n]*\},'
    rb'"completion_tokens_details":\{"reasoning_tokens":(\d+)[^{}\n]*\}\}[^\n]*\n'
)
_SUM_BLOCK = 1 << 20


def _add(sums: dict[str | None, list[int]], model: str | None, figures: list[int]) -> None:
    total = sums.get(model)
    if total is None:
        sums[model] = figures
        return
    for i, value in enumerate(figures):
        total[i] += value


def _block_sums(block: bytes, sums: dict[str | None, list[int]], start: int = 0, end: int | None = None) -> None:
    """Add the whole lines of ``block[start:end]`` (each ending in a newline) to ``sums``, as :func:`_line_usage` reads each.

    When every ``"usage"`` key there belongs to a chat completion line in the service's
    layout (the match count equals the key count: a line with two keys, or one in another
    shape, cannot pass), one findall reads them all, a few times quicker than parsing each
    line; otherwise the lines are read one by one.
    """
    end = len(block) if end is None else end
    found = _CHAT_LINE.findall(block, start, end)
    if not found and block.find(_USAGE_KEY, start, end) < 0:
        return  # no usage at all (an error file's lines)
    # Every line a match (the usual block) needs no count of the keys: each match is one line.
    if found and (len(found) == block.count(b"\n", start, end) or len(found) == block.count(_USAGE_KEY, start, end)):
        models = {row[0] for row in found}
        for model in models:
            rows = found if len(models) == 1 else [row for row in found if row[0] == model]
            _, prompt, completion, cached, reasoning = zip(*rows, strict=True)
            _add(
                sums,
                model.decode(),
                [len(rows), *(sum(map(int, column)) for column in (prompt, cached, completion, reasoning))],
            )
        return
    for raw in block[start:end].splitlines(keepends=True):
        line = _line_usage(raw)
        if line is not None:
            _add(sums, line[0], [1, *line[1]])


def sum_result_file(path: str | os.PathLike[str]) -> dict[str | None, TokenCounts]:
    """The usage of every line of one result file, summed per model."""
    sums: dict[str | None, list[int]] = {}
    rest = b""
    with open(path, "rb", buffering=0) as stream:
        while chunk := stream.read(_SUM_BLOCK):
            # The line begun in the last chunk is finished on its own; the rest is read in place.
            first = chunk.find(b"\n") + 1
            if first == 0:
                rest += chunk
                continue
            _block_sums(rest + chunk[:first], sums)
            end = chunk.rfind(b"\n") + 1
            if end > first:
                _block_sums(chunk, sums, first, end)
            rest = chunk[end:]
    if rest:
        _block_sums(rest + b"\n", sums)
    return {model: TokenCounts.from_list(values) for model, values in sums.items()}


@attrs.frozen
class ModelUsage:
    """One model's tokens in a job and their cost at the table's batch prices (None: not in the table).

    Example::

        row = ModelUsage("gpt-4o-mini", TokenCounts(1, 2000, 1024, 100), ModelPrice(0.075, 0.3, 0.0375))
        row.cost_usd      # (976 * 0.075 + 1024 * 0.0375 + 100 * 0.3) / 1e6
    """

    model: str | None
    tokens: TokenCounts
    price: ModelPrice | None

    @property
    def cost_usd(self) -> float | None:
        if self.price is None:
            return None
        return self.price.cost(
            input_tokens=self.tokens.input_tokens,
            output_tokens=self.tokens.output_tokens,
            cached_tokens=self.tokens.cached_tokens,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "known": self.price is not None,
            **self.tokens.to_dict(),
            "cost_usd": self.cost_usd,
        }


@attrs.frozen
class BatchUsageCheck:
    """One finished batch: the ``usage`` the service reported (None: not filled) and its lines' sum.

    ``summed`` is None until the batch's result files are downloaded; ``matches`` is None
    when there is nothing to compare.

    Example::

        for check in job.usage().batches:
            if check.matches is False:
                print(check.describe())   # what the service reported against what the lines add up to
    """

    batch_id: str
    reported: TokenCounts | None
    summed: TokenCounts | None

    @property
    def matches(self) -> bool | None:
        if self.reported is None or self.summed is None:
            return None
        return self.reported.same_tokens(self.summed)

    def describe(self) -> str:
        assert self.reported is not None and self.summed is not None
        return (
            f"batch {self.batch_id}: the service reports {self.reported.describe()}; "
            f"its result lines sum to {self.summed.describe()}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            # A batch reports tokens, not how many requests they came from.
            "reported": None if self.reported is None else {**self.reported.to_dict(), "requests": None},
            "summed": None if self.summed is None else self.summed.to_dict(),
            "matches": self.matches,
        }


@attrs.frozen
class JobUsage:
    """Tokens a job used, per model, what they cost at batch prices, and each batch's check.

    Example::

        usage = job.usage(prices=load_prices("my-prices.json"))
        usage.cost_usd          # None when some model is not in the table (see unknown_models)
        usage.to_dict()         # what `openai-batch status --json` shows under "usage"
    """

    job_id: str
    models: tuple[ModelUsage, ...]
    batches: tuple[BatchUsageCheck, ...]
    prices: PriceTable

    @property
    def total(self) -> TokenCounts:
        return sum((row.tokens for row in self.models), TokenCounts())

    @property
    def unknown_models(self) -> list[str | None]:
        return [row.model for row in self.models if row.price is None]

    @property
    def cost_usd(self) -> float | None:
        """The models' costs summed; None when a model used is not in the price table."""
        costs = [row.cost_usd for row in self.models]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)

    @property
    def mismatches(self) -> list[str]:
        """One sentence per batch whose reported usage differs from the sum of its lines."""
        return [check.describe() for check in self.batches if check.matches is False]

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": [row.to_dict() for row in self.models],
            "total": {**self.total.to_dict(), "cost_usd": self.cost_usd},
            "unknown_models": self.unknown_models,
            "batches": [check.to_dict() for check in self.batches],
            "mismatches": self.mismatches,
            "prices": {"as_of": self.prices.as_of, "source": self.prices.source},
        }


def _file_sums(store: JobStore, job_id: str) -> dict[str, dict[str | None, TokenCounts]]:
    """file id -> per-model sums of every downloaded result file, summing (and storing) those not done yet."""
    known = store.usage_sums(job_id)
    sums: dict[str, dict[str | None, TokenCounts]] = {}
    for file_id, path in store.result_files(job_id).values():
        if file_id in known:
            sums[file_id] = {model: TokenCounts.from_list(values) for model, values in known[file_id]}
            continue
        summed = sum_result_file(path)
        store.put_usage_sums(job_id, file_id, [(model, list(attrs.astuple(c))) for model, c in summed.items()])
        sums[file_id] = summed
    return sums


def job_usage(store: JobStore, job_id: str, prices: PriceTable | None = None) -> JobUsage:
    """The job's usage from its downloaded result files and its batches' recorded ``usage``."""
    table = prices if prices is not None else load_prices()
    sums = _file_sums(store, job_id)
    per_model: dict[str | None, TokenCounts] = {}
    for file_sums in sums.values():
        for model, counts in file_sums.items():
            per_model[model] = per_model.get(model, TokenCounts()) + counts
    checks = []
    for batch_id, file_ids, reported in store.batch_usages(job_id):
        downloaded = all(f in sums for f in file_ids)
        summed = sum((c for f in file_ids for c in sums[f].values()), TokenCounts()) if downloaded else None
        told = usage_counts(reported)
        checks.append(BatchUsageCheck(batch_id, None if told is None else attrs.evolve(told, requests=0), summed))
    models = tuple(
        ModelUsage(model, counts, table.get(model))
        for model, counts in sorted(per_model.items(), key=lambda item: (item[0] is None, item[0] or ""))
    )
    return JobUsage(job_id=job_id, models=models, batches=tuple(checks), prices=table)
