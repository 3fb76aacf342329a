"""The queue budget a service states when a batch is created, kept per batch and per model.

Azure answers POST /batches with ``deployment-enqueued-tokens`` and
``deployment-maximum-enqueued-tokens`` (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch,
"Batch quota"). The client records what it saw here; the job engine's queue reads it through
``client.stated_queue_budget(...)``. Which headers to read is the profile's ``queue_budget``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ._profile import QueueBudgetHeaders

__all__ = ["BudgetLedger", "StatedQueueBudget"]

# Batches remembered; a long job creates thousands, and only recent answers matter to a queue.
_KEEP: Final = 1024


@attrs.frozen
class StatedQueueBudget:
    """What one POST /batches answer said about the deployment's queue.

    ``maximum_enqueued_tokens`` is the deployment's limit, ``enqueued_tokens`` what it held
    (either may be None when the header was absent or not a number: never guessed).

    Example::

        budget = client.stated_queue_budget(batch_id=batch.id)
        if budget is not None and budget.available_tokens is not None:
            print(f"{budget.available_tokens:,} tokens left on {budget.model}")
    """

    enqueued_tokens: int | None
    maximum_enqueued_tokens: int | None
    batch_id: str | None = None
    model: str | None = None

    @property
    def available_tokens(self) -> int | None:
        if self.enqueued_tokens is None or self.maximum_enqueued_tokens is None:
            return None
        return max(0, self.maximum_enqueued_tokens - self.enqueued_tokens)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().replace(",", "")
    return int(text) if text.isdigit() else None


class BudgetLedger:
    """Thread-safe record of the budgets stated, by batch id and by model, plus the latest.

    Example::

        ledger = BudgetLedger()
        ledger.record(headers, QueueBudgetHeaders("deployment-enqueued-tokens",
                                                  "deployment-maximum-enqueued-tokens"), body)
        ledger.get(batch_id="batch_abc")
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_batch: OrderedDict[str, StatedQueueBudget] = OrderedDict()
        self._by_model: dict[str, StatedQueueBudget] = {}
        self._latest: StatedQueueBudget | None = None

    def record(self, headers: Mapping[str, str], names: QueueBudgetHeaders, body: Any) -> StatedQueueBudget | None:
        """Keep what `headers` state (None when neither header is there)."""
        enqueued = _int(headers.get(names.enqueued_header))
        maximum = _int(headers.get(names.maximum_header))
        if enqueued is None and maximum is None:
            return None
        batch_id = body.get("id") if isinstance(body, dict) and isinstance(body.get("id"), str) else None
        model = body.get("model") if isinstance(body, dict) and isinstance(body.get("model"), str) else None
        budget = StatedQueueBudget(enqueued, maximum, batch_id, model)
        with self._lock:
            self._latest = budget
            if batch_id is not None:
                self._by_batch[batch_id] = budget
                while len(self._by_batch) > _KEEP:
                    self._by_batch.popitem(last=False)
            if model is not None:
                self._by_model[model] = budget
        return budget

    def note_model(self, batch_id: str, model: str) -> None:
        """Name the model (deployment) of a batch whose create answer did not say it."""
        with self._lock:
            budget = self._by_batch.get(batch_id)
            if budget is not None and budget.model is None:
                budget = attrs.evolve(budget, model=model)
                self._by_batch[batch_id] = budget
                self._by_model[model] = budget

    def get(self, *, batch_id: str | None = None, model: str | None = None) -> StatedQueueBudget | None:
        """By batch id, else by model, else the latest stated; None when nothing was stated."""
        with self._lock:
            if batch_id is not None:
                return self._by_batch.get(batch_id)
            if model is not None:
                return self._by_model.get(model)
            return self._latest
