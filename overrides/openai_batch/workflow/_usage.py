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

Each result file is summed once, as it downloads (see ``_usage_lines``), and the sums are
kept in the job store beside the file, so asking for usage costs one query; a file
downloaded before the sums were kept is summed when usage is first asked for. Where the
service filled a batch's own ``usage``, it is
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
from collections.abc import Iterable
from typing import Any

import attrs

from ..pricing import ModelPrice, PriceTable, load_prices
from ._store import JobStore
from ._usage_lines import UsageRows, sum_lines, usage_figures

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


def usage_counts(usage: Any) -> TokenCounts | None:
    """One ``usage`` object (any endpoint's shape, or a batch's) as counts of one request; None if not one."""
    figures = usage_figures(usage)
    return None if figures is None else TokenCounts(1, *figures)


def _per_model(rows: UsageRows) -> dict[str | None, TokenCounts]:
    return {model: TokenCounts.from_list(values) for model, values in rows}


def sum_result_file(path: str | os.PathLike[str]) -> dict[str | None, TokenCounts]:
    """The usage of every line of one result file, summed per model."""
    return _per_model(sum_lines(path))


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
        rows = known.get(file_id)
        if rows is None:
            rows = sum_lines(path)
            store.put_usage_sums(job_id, file_id, rows)
        sums[file_id] = _per_model(rows)
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
