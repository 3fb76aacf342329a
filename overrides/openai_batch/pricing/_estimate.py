"""What a batch input file will cost, per model, before anything is uploaded.

Input tokens come from the same estimator the queue uses (:class:`~openai_batch._tokens.TokenCounter`,
which leans towards counting too many). Output cannot be known in advance, only bounded: a
request's bound is its ``max_completion_tokens``/``max_tokens`` (chat, times ``n``),
``max_output_tokens`` (responses) or ``max_tokens`` (completions, default 16, times
``max(n, best_of)``); embeddings and moderations produce no output tokens. The cost is a range:

* ``low_usd``: the input alone, at the full (uncached) input rate, since cache hits cannot be
  foreseen and output is at least zero;
* ``high_usd``: input plus every request's output bound, or None (unbounded) as soon as one
  request of that model sets no bound.

A model the price table does not list has neither figure; it is named in ``unknown_models``.

Example::

    estimate = estimate_file_cost("requests.jsonl")
    for row in estimate.models:
        print(row.model, row.requests, row.input_tokens, row.low_usd, row.high_usd)
    estimate.total_high_usd      # None when some output is unbounded or some model unknown
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
import orjson

from .._tokens import TokenCounter, _default_model
from ._table import ModelPrice, PriceTable, load_prices

__all__ = ["CostEstimate", "ModelEstimate", "estimate_file_cost", "output_bound"]

_CHAT = "/v1/chat/completions"
_RESPONSES = "/v1/responses"
_COMPLETIONS = "/v1/completions"
# Endpoints whose responses carry no output tokens.
_NO_OUTPUT = frozenset({"/v1/embeddings", "/v1/moderations"})
# The completions API's documented default for max_tokens.
_COMPLETIONS_DEFAULT_MAX_TOKENS = 16


def _count(value: Any) -> int | None:
    # bool is an int, and `true` is no bound; a value the service would reject bounds nothing.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def output_bound(endpoint: str, body: Mapping[str, Any]) -> int | None:
    """The most output tokens one request can be billed for, or None when it sets no bound."""
    if endpoint in _NO_OUTPUT:
        return 0
    if endpoint == _RESPONSES:
        return _count(body.get("max_output_tokens"))
    if endpoint == _CHAT:
        bounds = [b for b in (_count(body.get("max_completion_tokens")), _count(body.get("max_tokens"))) if b]
        # Both set: the larger one, so the bound holds whichever the model honours.
        return max(bounds) * (_count(body.get("n")) or 1) if bounds else None
    if endpoint == _COMPLETIONS:
        limit = body.get("max_tokens", _COMPLETIONS_DEFAULT_MAX_TOKENS)
        bound = _count(limit)
        choices = max(_count(body.get("n")) or 1, _count(body.get("best_of")) or 1)
        return bound * choices if bound else None
    return None


@attrs.frozen
class ModelEstimate:
    """One model's share of a file: requests, tokens and the cost range at batch prices.

    Example::

        row = ModelEstimate(model="gpt-4o-mini", requests=2, input_tokens=40, max_output_tokens=200,
                            unbounded_requests=0, price=ModelPrice(input=0.075, output=0.3))
        row.high_usd     # (40 * 0.075 + 200 * 0.3) / 1e6
    """

    model: str | None
    requests: int
    input_tokens: int
    #: The sum of the output bounds of the requests that set one.
    max_output_tokens: int
    unbounded_requests: int
    price: ModelPrice | None

    @property
    def known(self) -> bool:
        return self.price is not None

    @property
    def bounded(self) -> bool:
        return self.unbounded_requests == 0

    @property
    def low_usd(self) -> float | None:
        return self.price.cost(input_tokens=self.input_tokens) if self.price is not None else None

    @property
    def high_usd(self) -> float | None:
        if self.price is None or not self.bounded:
            return None
        return self.price.cost(input_tokens=self.input_tokens, output_tokens=self.max_output_tokens)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "known": self.known,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "max_output_tokens": self.max_output_tokens if self.bounded else None,
            "unbounded_requests": self.unbounded_requests,
            "low_usd": self.low_usd,
            "high_usd": self.high_usd,
            "price": attrs.asdict(self.price) if self.price is not None else None,
        }


def _total(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


@attrs.frozen
class CostEstimate:
    """A whole file's estimate: one :class:`ModelEstimate` per model, and the table it was priced with.

    Example::

        estimate = estimate_file_cost("requests.jsonl", prices=load_prices("my-prices.json"))
        estimate.unknown_models       # ["my-fine-tune"]: listed, never priced by guess
        estimate.to_dict()            # what `openai-batch estimate --json` prints
    """

    path: str
    models: tuple[ModelEstimate, ...]
    invalid_lines: int
    prices: PriceTable

    @property
    def requests(self) -> int:
        return sum(row.requests for row in self.models)

    @property
    def unknown_models(self) -> list[str | None]:
        return [row.model for row in self.models if not row.known]

    @property
    def total_low_usd(self) -> float | None:
        """The sum of the models' low figures; None when a model has no price."""
        return _total([row.low_usd for row in self.models])

    @property
    def total_high_usd(self) -> float | None:
        """The sum of the models' high figures; None when a model is unknown or its output unbounded."""
        return _total([row.high_usd for row in self.models])

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "requests": self.requests,
            "invalid_lines": self.invalid_lines,
            "models": [row.to_dict() for row in self.models],
            "unknown_models": self.unknown_models,
            "total_low_usd": self.total_low_usd,
            "total_high_usd": self.total_high_usd,
            "prices": {"as_of": self.prices.as_of, "source": self.prices.source, "note": self.prices.note},
        }


@attrs.define
class _Share:
    requests: int = 0
    max_output_tokens: int = 0
    unbounded_requests: int = 0


def estimate_file_cost(path: str | os.PathLike[str], prices: PriceTable | None = None) -> CostEstimate:
    """Estimate the JSONL batch input at ``path`` per model, priced with ``prices`` (default: the shipped table).

    Lines that are not a request object (``url`` and a ``body`` object) are counted in
    ``invalid_lines`` and left out: ``openai-batch validate`` says what is wrong with them.
    """
    table = prices if prices is not None else load_prices()
    counter = TokenCounter()
    shares: dict[str | None, _Share] = {}
    invalid = 0
    with open(path, "rb") as stream:
        for raw in stream:
            if not raw.strip():
                continue
            try:
                request = orjson.loads(raw)
            except orjson.JSONDecodeError:
                request = None
            body = request.get("body") if isinstance(request, dict) else None
            endpoint = request.get("url") if isinstance(request, dict) else None
            if not isinstance(body, dict) or not isinstance(endpoint, str):
                invalid += 1
                continue
            counter.add(endpoint, body)
            model = body.get("model")
            # The same key the counter files the request's tokens under.
            share = shares.setdefault(model if isinstance(model, str) else _default_model(endpoint), _Share())
            share.requests += 1
            bound = output_bound(endpoint, body)
            if bound is None:
                share.unbounded_requests += 1
            else:
                share.max_output_tokens += bound
    tokens = counter.totals()
    rows = tuple(
        ModelEstimate(
            model=model,
            requests=share.requests,
            input_tokens=tokens.get(model, 0),
            max_output_tokens=share.max_output_tokens,
            unbounded_requests=share.unbounded_requests,
            price=table.get(model),
        )
        for model, share in sorted(shares.items(), key=lambda item: (item[0] is None, item[0] or ""))
    )
    return CostEstimate(path=os.fspath(path), models=rows, invalid_lines=invalid, prices=table)
