"""Which of several senders' copies every sender keeps: the tie-break the service's record decides.

Any number of processes or machines may run the same job, each with its own state file or
none. They share no lock; the service is their only shared ledger. Two senders can both
find no batch for a shard and both create one (or both upload its file). Each sender, right
after creating, lists the copies the service holds under the same tag and applies the same
rule, so every sender picks the same copy without talking to the others:

* a batch: the one **furthest along** (a batch that has started running is never the one
  given up), then the **earliest** (``created_at``, then id);
* an uploaded file: the earliest (``created_at``, then id).

The others are cancelled (a batch still validating runs nothing once cancelled) or deleted,
and recorded as superseded duplicates. A sender whose own copy lost adopts the winner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from openai_batch_api.models import Batch, OpenAIFile

__all__ = ["CANCELLABLE", "earliest", "losers", "progress_rank", "winner"]

# How far along a batch is. A cancelled (or cancelling) copy is already a loser; one that failed
# validation never ran; an expired one ran for a while.
_RANK = {
    "cancelling": -2,
    "cancelled": -2,
    "failed": -1,
    "validating": 0,
    "in_progress": 1,
    "expired": 1,
    "finalizing": 2,
    "completed": 3,
}
#: Statuses in which a losing copy can still be cancelled.
CANCELLABLE = frozenset({"validating", "in_progress"})

_Item = TypeVar("_Item", Batch, OpenAIFile)


def progress_rank(status: str) -> int:
    """How far along a batch in ``status`` is (higher is further; unknown statuses count as validating)."""
    return _RANK.get(status, 0)


def winner(batches: Sequence[Batch]) -> Batch:
    """The copy every sender keeps: furthest along, then earliest ``created_at``, then smallest id."""
    if not batches:
        raise ValueError("winner() of no batches")
    return min(batches, key=lambda b: (-progress_rank(str(b.status)), b.created_at, b.id))


def earliest(items: Sequence[_Item]) -> _Item:
    """The earliest created (then smallest id) of several copies of one upload."""
    if not items:
        raise ValueError("earliest() of no items")
    return min(items, key=lambda item: (item.created_at, item.id))


def losers(batches: Iterable[Batch], kept: Batch) -> list[Batch]:
    """The copies other than ``kept`` that must be cancelled (those not already over or cancelling)."""
    return [b for b in batches if b.id != kept.id and str(b.status) in CANCELLABLE]
