"""Submission that respects the account's queue: per-model enqueued-token budgets and an active-batch cap.

The service limits the input tokens a model may have enqueued across the organisation; a
batch over the limit is created and then fails with ``token_limit_exceeded``. No endpoint
reports the remaining room, so the client keeps its own ledger, read from the service:

* **The service is the shared ledger.** Every batch this client creates carries its
  estimated input tokens in metadata (``TOKENS_TAG``: ``"<model>=<tokens>"``), so every
  process and machine sees the organisation's enqueued total by listing the active
  batches (validating, in_progress, finalizing), and so does a rerun with no state.
* **Batches without the tag** (made by other tools) are counted conservatively: their
  ``request_counts.total`` times the largest average tokens per request among the job's
  shards for that model (:data:`UNTAGGED_TOKENS_PER_REQUEST` when the job has none), or,
  while the service has not counted their requests yet, one whole shard of the job's
  largest; a batch whose model is not known yet counts against every model.
* **Budgets** come from the caller (``max_enqueued_tokens={"gpt-4o-mini": 2_000_000}``)
  or are learnt: a ``token_limit_exceeded`` failure names the model and its limit; the shard
  goes back to the queue (its failed attempt is not a failure of the job), and each later
  failure against a known limit lowers the share of it the job relies on by 10 %, since the
  service's count and the estimate may differ.
* **With no budget known yet**, a model's shards start in growing waves (1, then 2, then 4,
  ...: a 16-shard job is all sent within 4 validation rounds, all passed within 5, not 16).
  The waves are discrete: a new one starts only once none of the model's batches is in
  validation, and it may add as many tokens as the model's batches that passed validation
  and still hold the queue (the proof the queue takes them), plus one shard. So the
  enqueued total at most doubles (plus one shard) per round, and a wave always starts from
  a settled queue: a wave that refilled while its mates were still validating was what
  sent several batches into a queue one of them had already found full.
  The service checks the limit during validation: a wave that crosses the limit fails the
  shards that do not fit, and the first failure's message teaches the limit, after which
  every shard is admitted against it (and a later failure against a known limit lowers the
  share relied on, one batch per learning step). Two things keep the crossing wave to one
  failure (see ``_sending``): before each later member of a wave is created (after its
  upload, which can outlast a validation), the members created so far are read, and the
  wave stops if one met the limit; and once that first failure is recorded, the wave-mates
  of that model still in validation that the learnt limit does not hold beside the passed
  batches are withdrawn (cancelled before validation fails them, and queued again: neither
  a failure nor an attempt of the job's retries; they go out again against the learnt
  limit). So at most one batch per model fails on the limit per learning
  step as long as the job sees a wave-mate's failure before the next one is validated;
  wave-mates the service validates in the same instant cannot be reached in time, and each
  of those that does not fit fails too, in that one learning step (then requeued, as any).
  A cancelled wave-mate ran nothing and bills nothing. "In validation" is as the service lists it
  *or as the job last recorded it* (the ledger counts both): the listing can already show
  a batch failed that the job has not polled since, and its failure teaches the limit
  only once recorded; starting more shards in between would send them into the same full
  queue.
* **A budget the service states** (Azure answers each batch create with its deployment's
  maximum enqueued tokens, ``deployment-maximum-enqueued-tokens``, and what it holds,
  ``deployment-enqueued-tokens``: the profile's ``queue_budget``) is recorded as the learnt
  limit at its full share (:func:`record_stated_limit`), and takes precedence over the ramp: the shards after the first
  are admitted against it at once, in the same send. The tokens it states as enqueued
  raise the ledger's count for the model when they are more than the job's own estimate
  (other tools' batches, or an estimate below the service's count).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
from openai_batch_api.models import Batch

from .._batchinfo import batch_counts, batch_metadata
from ._engine import Flow, Walk, gather
from ._store import JobStore, ShardRow

if TYPE_CHECKING:
    from ..providers import StatedQueueBudget

__all__ = [
    "ACTIVE_STATUSES",
    "TOKENS_TAG",
    "UNTAGGED_TOKENS_PER_REQUEST",
    "Admission",
    "Ledger",
    "QueuePolicy",
    "is_token_limit_failure",
    "learn_limit",
    "parse_token_limit",
    "read_ledger",
    "record_stated_limit",
    "tokens_tag",
]

logger = logging.getLogger("openai_batch.workflow")

#: Batch metadata ``"<model>=<estimated input tokens>"``: this batch's share of the queue.
TOKENS_TAG = "openai_batch_tokens"
#: Statuses whose input tokens count against the queue.
ACTIVE_STATUSES = frozenset({"validating", "in_progress", "finalizing"})
#: Tokens per request assumed for an untagged batch when the job has no estimate of its own.
UNTAGGED_TOKENS_PER_REQUEST = 1_000
# Active batches are at most this old: the 24 h window plus the service's slack in expiring.
_ACTIVE_WINDOW = 48 * 3600
# A batch in one of these statuses passed validation (and so the limit check) and still holds its
# tokens in the queue: what the queue has been shown to take, which the next wave may double.
_PASSED = frozenset({"in_progress", "finalizing"})
# Share of a learnt limit relied on after each further failure against it.
_BACKOFF = 0.9

_LIMIT_MESSAGE = re.compile(
    r"Enqueued token limit reached for (?P<model>\S+?) in organization \S+?\.?\s+"
    r"Limit:\s*(?P<limit>[\d,_ ]+)\s*enqueued tokens",
    re.IGNORECASE,
)


def tokens_tag(model: str | None, tokens: int) -> str:
    return f"{model or ''}={tokens}"


def _parse_tag(value: object) -> tuple[str | None, int] | None:
    if not isinstance(value, str) or "=" not in value:
        return None
    model, _, tokens = value.rpartition("=")
    return (model or None, int(tokens)) if tokens.isdigit() else None


def is_token_limit_failure(errors: Sequence[Mapping[str, Any]] | None) -> bool:
    return any(error.get("code") == "token_limit_exceeded" for error in errors or ())


def parse_token_limit(errors: Sequence[Mapping[str, Any]] | None) -> tuple[str, int] | None:
    """(model, limit) from a ``token_limit_exceeded`` error's message, when it states them."""
    for error in errors or ():
        match = _LIMIT_MESSAGE.search(str(error.get("message") or ""))
        if match:
            digits = re.sub(r"[^\d]", "", match.group("limit"))
            if digits:
                return match.group("model"), int(digits)
    return None


@attrs.frozen
class QueuePolicy:
    """What a job may put in the queue: per-model token budgets (given) and an active-batch cap.

    Example::

        policy = QueuePolicy(max_enqueued_tokens={"gpt-4o-mini": 2_000_000}, max_active_batches=50)
        Job.submit(client, "requests.jsonl", queue=policy)
    """

    max_enqueued_tokens: Mapping[str, int] = attrs.field(factory=dict)
    max_active_batches: int | None = None


@attrs.define
class Ledger:
    """The organisation's queue as the service lists it: estimated tokens per model and active batches."""

    tokens: dict[str | None, int] = attrs.field(factory=dict)
    validating: dict[str | None, int] = attrs.field(factory=dict)
    #: Per model, tokens of the batches that passed validation and still hold the queue.
    passed: dict[str | None, int] = attrs.field(factory=dict)
    active: int = 0

    def enqueued(self, model: str | None) -> int:
        # Tokens of batches whose model is unknown (None) count against every model.
        return self.tokens.get(model, 0) + (self.tokens.get(None, 0) if model is not None else 0)

    def validating_count(self, model: str | None) -> int:
        return self.validating.get(model, 0) + (self.validating.get(None, 0) if model is not None else 0)

    def at_least(self, model: str | None, tokens: int) -> None:
        """The service counts ``tokens`` enqueued for ``model``: count no fewer."""
        self.tokens[model] = max(self.tokens.get(model, 0), tokens)

    def passed_tokens(self, model: str | None) -> int:
        """Tokens of ``model``'s batches that passed validation and still run: the queue holds at least this."""
        return self.passed.get(model, 0)

    def add(self, model: str | None, tokens: int, *, validating: bool, passed: bool = False) -> None:
        self.tokens[model] = self.tokens.get(model, 0) + tokens
        self.active += 1
        if validating:
            self.note_validating(model)
        elif passed:
            self.passed[model] = self.passed.get(model, 0) + tokens

    def note_validating(self, model: str | None) -> None:
        """One more batch of ``model`` in validation (its tokens and activity counted elsewhere, or not)."""
        self.validating[model] = self.validating.get(model, 0) + 1


def _untagged_tokens(batch: Batch, per_request: Mapping[str | None, float], shard_tokens: int) -> int:
    total, _, _ = batch_counts(batch)
    model = batch.model if isinstance(batch.model, str) else None
    rate = per_request.get(model) or max(per_request.values(), default=UNTAGGED_TOKENS_PER_REQUEST)
    if total > 0:
        return int(total * rate)
    return shard_tokens or UNTAGGED_TOKENS_PER_REQUEST


def read_ledger(shards: Sequence[ShardRow]) -> Flow[Ledger]:
    """List the active batches (newest first, at most 48 h old) and total their tokens per model."""
    per_request: dict[str | None, float] = {}
    for shard in shards:
        if shard.request_count and shard.token_estimate:
            rate = shard.token_estimate / shard.request_count
            per_request[shard.model] = max(per_request.get(shard.model, 0.0), rate)
    largest = max((s.token_estimate for s in shards), default=0)
    # The job's batches it last recorded as validating. Polling comes before this listing, so
    # one may show failed here already while its token_limit_exceeded is not recorded (and so
    # not learnt) yet: until a poll records its outcome it still counts as validating.
    unpolled = {s.batch_id: s.model for s in shards if s.batch_id is not None and s.status == "validating"}
    ledger = Ledger()
    batches, keep = gather(time.time() - _ACTIVE_WINDOW)
    yield Walk("batches", {"limit": 100}, keep)
    for batch in batches:
        if batch.status not in ACTIVE_STATUSES:
            continue
        tag = _parse_tag(batch_metadata(batch).get(TOKENS_TAG))
        if tag is not None:
            model, tokens = tag
        else:
            model = batch.model if isinstance(batch.model, str) else None
            tokens = _untagged_tokens(batch, per_request, largest)
        recorded_validating = batch.id in unpolled
        unpolled.pop(batch.id, None)
        validating = batch.status == "validating" or recorded_validating
        ledger.add(model, tokens, validating=validating, passed=batch.status in _PASSED)
    for model in unpolled.values():  # listed as no longer active, or not listed
        ledger.note_validating(model)
    return ledger


class Admission:
    """Decides, shard by shard, what may be created now, from the ledger and the budgets.

    Budgets are the caller's, else the limits :func:`learn_limit` recorded in the state file.

    Example::

        admission = Admission(store, origin, policy, ledger)
        if admission.refusal(shard) is None:
            admission.admit(shard)
            ...create its batch...
    """

    def __init__(self, store: JobStore, origin: str, policy: QueuePolicy, ledger: Ledger) -> None:
        self._store = store
        self._origin = origin
        self._policy = policy
        self._ledger = ledger
        # Per model, the tokens the wave this call opened may still add (see :meth:`refusal`).
        self._wave_room: dict[str | None, int] = {}

    def budget(self, model: str | None) -> float | None:
        """Tokens the job may have enqueued for ``model``: the caller's budget, else the learnt limit's share."""
        if model is not None and model in self._policy.max_enqueued_tokens:
            return float(self._policy.max_enqueued_tokens[model])
        learnt = self._store.learnt_limit(self._origin, model or "")
        if learnt is None:
            return None
        limit, share = learnt
        return limit * share

    def refusal(self, shard: ShardRow) -> str | None:
        """Why ``shard`` may not start now (None: it may)."""
        cap = self._policy.max_active_batches
        if cap is not None and self._ledger.active >= cap:
            return f"{self._ledger.active} active batches (cap {cap})"
        budget = self.budget(shard.model)
        enqueued = self._ledger.enqueued(shard.model)
        if budget is None:
            return self._ramp_refusal(shard)
        if enqueued + shard.token_estimate > budget:
            return f"{enqueued:,} of {budget:,.0f} estimated tokens enqueued for {shard.model}"
        return None

    def _ramp_refusal(self, shard: ShardRow) -> str | None:
        """With no budget known: whether ``shard`` joins the wave this call opens for its model.

        A wave opens only on a settled queue (none of the model's batches in validation), so
        each wave is sent knowing how the one before it ended, failures included. It may add
        the tokens the model's passed batches hold now, plus one shard (its first member, the
        probe, always fits): at most doubling what the queue has been shown to take. The
        passed batches are counted as they run now, not at their highest: a queue whose
        earlier batches finished has shown less of what it takes at once, and a wave sized on
        the old height would cross a limit later and further (more of its shards failing).
        """
        model = shard.model
        room = self._wave_room.get(model)
        if room is None:
            validating = self._ledger.validating_count(model)
            if validating:
                return f"no token budget known for {model} yet; {validating} batch(es) in validation"
            room = self._ledger.passed_tokens(model) + shard.token_estimate
            self._wave_room[model] = room
        if shard.token_estimate > room:
            return f"no token budget known for {model} yet; this wave is full"
        return None

    def admit(self, shard: ShardRow) -> None:
        """Count ``shard`` in the ledger as validating (once :meth:`refusal` let it start)."""
        self._ledger.add(shard.model, shard.token_estimate, validating=True)
        if shard.model in self._wave_room:
            self._wave_room[shard.model] -= shard.token_estimate

    def take_stated(self, model: str | None, stated: StatedQueueBudget) -> None:
        """What the service said of ``model``'s queue when it created a batch: it wins over the ramp.

        The maximum becomes the learnt limit at its full share (kept in the state file, so
        later runs start from it; a maximum already known keeps the share later failures
        lowered); the enqueued count is a floor under the ledger's own estimate.
        """
        # Keyed as the job keys its shards: by the lines' model, which on Azure names the
        # deployment (the answer's own `model` may name the model behind it instead).
        name = model or stated.model
        if stated.maximum_enqueued_tokens is not None:
            record_stated_limit(self._store, self._origin, name or "", stated.maximum_enqueued_tokens)
        if stated.enqueued_tokens is not None:
            self._ledger.at_least(name, stated.enqueued_tokens)


def learn_limit(store: JobStore, origin: str, shard: ShardRow) -> None:
    """A ``token_limit_exceeded`` failure of ``shard``: record the limit it states (or lower the share).

    Learnt limits live in the state file per API origin and model, so every later run of
    every job using that state file starts from them (see :meth:`Admission.budget`).
    """
    stated = parse_token_limit(shard.errors)
    model = (stated[0] if stated else shard.model) or ""
    known = store.learnt_limit(origin, model)
    if stated is not None and (known is None or known[0] != stated[1]):
        store.learn_limit(origin, model, stated[1], 1.0)
        logger.warning("learnt the enqueued-token limit of %s: %s tokens", model, f"{stated[1]:,}")
    elif known is not None and (shard.batch_started_at or 0.0) >= (store.limit_learnt_at(origin, model) or 0.0):
        # Failed although it was admitted against the limit: rely on less of it from now on. (A
        # batch sent before the limit was learnt, in the same wave, teaches nothing more.)
        store.learn_limit(origin, model, known[0], known[1] * _BACKOFF)
    # A failure that states no limit teaches no number: with no budget known, the model's
    # shards keep starting in waves (the failed one goes out again in the next).


def record_stated_limit(store: JobStore, origin: str, model: str, maximum: int) -> None:
    """Record the enqueued-token limit the service stated for ``model`` (unless it is the one known).

    The entry point for a budget the service states outright (Azure's maximum enqueued tokens):
    recorded like a learnt limit at its full share, so :meth:`Admission.budget` finds it and the
    model's shards are admitted against it from then on, with no ramp. Restating the same
    number keeps the share a later failure against it lowered.
    """
    known = store.learnt_limit(origin, model)
    if known is None or known[0] != maximum:
        store.learn_limit(origin, model, maximum, 1.0)
        logger.info("the service states the enqueued-token limit of %s: %s tokens", model, f"{maximum:,}")
