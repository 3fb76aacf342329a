"""A spending cap checked before a job uploads anything: ``Job.submit(..., max_cost=USD)``.

The input is estimated with :func:`openai_batch.pricing.estimate_file_cost` (the queue's
token estimator, every request's output bound, the table's batch prices), and the job is
refused when the *upper* estimate is over the budget. When there is no upper estimate the
job is refused too, since the budget could not be guaranteed:

* some request sets no output bound (``max_completion_tokens``/``max_tokens``/
  ``max_output_tokens``), so its output, and the cost, has no ceiling;
* some model is not in the price table, so its tokens have no price.

The estimate covers the whole input file. It is checked whenever some of the job is still
to be sent (a new job, or a resumed one with shards not sent yet); a job whose every shard
already has its batch sends nothing more for its input, so resuming it is never refused.
Requests sent again later (retries of failed lines, ``resubmit_unfinished``) are not
counted against the budget. A job whose state file is gone looks new until its batches are
found on the service (when it sends), so it is checked like a new one.

Example::

    try:
        job = Job.submit(client, "requests.jsonl", max_cost=25.0)
    except BudgetExceededError as exc:
        print(exc)                        # names the upper estimate, the budget and each model
        exc.estimate.total_high_usd       # None when unbounded or a model is unknown
"""

from __future__ import annotations

import os

from ..pricing import CostEstimate, PriceTable, estimate_file_cost
from ._errors import JobError

__all__ = ["BudgetExceededError", "check_budget"]


class BudgetExceededError(JobError):
    """A job refused before anything was uploaded: its upper cost estimate is over ``max_cost``, or unknown.

    ``estimate`` is the :class:`~openai_batch.pricing.CostEstimate` the decision was made on.

    Example::

        except BudgetExceededError as exc:
            print(exc.max_cost, exc.estimate.total_high_usd, exc.estimate.unknown_models)
    """

    def __init__(self, message: str, *, estimate: CostEstimate, max_cost: float) -> None:
        super().__init__(message)
        self.estimate = estimate
        self.max_cost = max_cost


def usd(value: float) -> str:
    # Cents for whole dollars; small jobs' fractions of a cent still show their figure.
    return f"${value:,.2f}" if value >= 1 else f"${value:.6f}"


def _per_model(estimate: CostEstimate) -> str:
    parts = []
    for row in estimate.models:
        if not row.known:
            high = "not in the price table"
        elif row.high_usd is None:
            high = f"unbounded ({row.unbounded_requests} request(s) without an output bound)"
        else:
            high = f"up to {usd(row.high_usd)}"
        parts.append(f"{row.model or '(no model)'}: {row.requests} request(s), {high}")
    return "; ".join(parts)


def check_budget(path: str | os.PathLike[str], max_cost: float, prices: PriceTable | None = None) -> CostEstimate:
    """Estimate ``path`` and raise :class:`BudgetExceededError` unless its upper estimate is within ``max_cost``."""
    estimate = estimate_file_cost(path, prices)
    budget = f"the budget of {usd(max_cost)}"
    table = f"price table as of {estimate.prices.as_of}"
    models = _per_model(estimate)
    if estimate.unknown_models:
        names = ", ".join(str(name) for name in estimate.unknown_models)
        raise BudgetExceededError(
            f"cannot keep {os.fspath(path)} within {budget}: {names} not in the {table}, so the cost cannot be "
            f"bounded ({models}); nothing was uploaded. Give a price table that lists them (prices=, or --prices)",
            estimate=estimate,
            max_cost=max_cost,
        )
    high = estimate.total_high_usd
    if high is None:
        raise BudgetExceededError(
            f"cannot keep {os.fspath(path)} within {budget}: some requests set no output bound "
            f"(max_completion_tokens, max_tokens or max_output_tokens), so the cost has no upper estimate "
            f"({models}); nothing was uploaded. Bound every request's output, or submit without a budget",
            estimate=estimate,
            max_cost=max_cost,
        )
    if high > max_cost:
        raise BudgetExceededError(
            f"{os.fspath(path)} may cost up to {usd(high)} at batch prices ({table}), over {budget} "
            f"({models}); nothing was uploaded. Raise the budget or send fewer requests",
            estimate=estimate,
            max_cost=max_cost,
        )
    return estimate
