"""The Batch API's per-batch limits, as one value that tests can shrink."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from openai_batch_api import known_values

if TYPE_CHECKING:
    from ..providers import ProviderProfile

#: Endpoints the Batch API accepts for ``POST /batches`` (``endpoint``) and input lines (``url``),
#: derived from openapi.yaml when the client is generated.
BATCH_ENDPOINTS: frozenset[str] = frozenset(known_values.BATCH_ENDPOINTS)

EMBEDDINGS_ENDPOINT = "/v1/embeddings"
# The cap the spec states for embeddings batches; the documented 50,000 should a spec stop stating it.
_EMBEDDING_INPUT_LIMIT = known_values.EMBEDDING_INPUT_LIMITS.get(EMBEDDINGS_ENDPOINT, 50_000)


@attrs.frozen
class BatchLimits:
    """How much one batch may hold; a job bigger than this is split into several batches.

    The defaults are the Batch API's documented limits. Lower them to shard small inputs
    (tests, or to keep each batch short).

    Example::

        limits = BatchLimits(max_requests=1_000)
        job = Job.submit(client, "requests.jsonl", limits=limits)
    """

    max_requests: int = attrs.field(default=50_000, validator=attrs.validators.gt(0))
    max_bytes: int = attrs.field(default=209_715_200, validator=attrs.validators.gt(0))
    max_embedding_inputs: int = attrs.field(default=_EMBEDDING_INPUT_LIMIT, validator=attrs.validators.gt(0))
    #: Estimated input tokens per batch (None: no cap). A job with an enqueued-token budget
    #: caps its shards at the budget, or a shard could never fit the queue.
    max_tokens: int | None = attrs.field(default=None, validator=attrs.validators.optional(attrs.validators.gt(0)))

    def to_dict(self) -> dict[str, int]:
        data = attrs.asdict(self)
        if data["max_tokens"] is None:
            del data["max_tokens"]  # absent, not null: a job without a cap keeps the id it always had
        return data

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> BatchLimits:
        return cls(**data)


DEFAULT_LIMITS = BatchLimits()


def limits_for(profile: ProviderProfile, **overrides: int | None) -> BatchLimits:
    """The per-file limits `profile` states, with any of `overrides` (not None) replacing them.

    Example::

        limits = limits_for(get_profile("azure"), max_requests=100_000)   # your resource takes more
    """
    stated = profile.limits
    values: dict[str, int | None] = {
        "max_requests": stated.max_requests,
        "max_bytes": stated.max_bytes,
        "max_embedding_inputs": stated.max_embedding_inputs,
    }
    values.update({name: value for name, value in overrides.items() if value is not None})
    return BatchLimits(**values)  # type: ignore[arg-type]


def embedding_input_count(body: object) -> int:
    """How many inputs an embeddings request body counts for against the per-batch total.

    A string is one input; an array of strings or of token arrays is one per element;
    a flat array of token ids is a single (pre-tokenised) input.
    """
    if not isinstance(body, dict):
        return 0
    value = body.get("input")
    if isinstance(value, list):
        if value and isinstance(value[0], int) and not isinstance(value[0], bool):
            return 1
        return len(value)
    return 1 if value is not None else 0
