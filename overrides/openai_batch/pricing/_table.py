"""The price table: its layout, validation and loading (see the package docstring)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import OpenAIBatchError

if TYPE_CHECKING:
    from ..providers import ProviderProfile

__all__ = ["PER_TOKENS", "ModelPrice", "PriceTable", "PriceTableError", "load_prices"]

#: Prices are per this many tokens.
PER_TOKENS = 1_000_000


class PriceTableError(OpenAIBatchError):
    """A price file that cannot be read as a table: names the file and the first wrong entry."""


@attrs.frozen
class ModelPrice:
    """One model's batch prices, USD per million tokens.

    Example::

        price = ModelPrice(input=0.075, cached_input=0.0375, output=0.3)
        price.cost(input_tokens=2_000_000, output_tokens=1_000_000)   # 0.45
    """

    input: float
    output: float
    cached_input: float | None = None

    def cost(self, *, input_tokens: int, output_tokens: int = 0, cached_tokens: int = 0) -> float:
        """USD for the given tokens; cached tokens are part of ``input_tokens`` and billed at the cached rate."""
        cached_rate = self.input if self.cached_input is None else self.cached_input
        uncached = input_tokens - cached_tokens
        return (uncached * self.input + cached_tokens * cached_rate + output_tokens * self.output) / PER_TOKENS


@attrs.frozen
class PriceTable:
    """Prices per model name, with the date they were taken and where from.

    Example::

        table = PriceTable(as_of="2025-08-01", models={"gpt-4o": ModelPrice(input=1.25, output=5.0)})
        table.get("gpt-4o-2024-05-13")        # None: not in the table, so not priced
    """

    as_of: str
    models: Mapping[str, ModelPrice]
    source: str | None = None
    note: str | None = None

    def get(self, model: str | None) -> ModelPrice | None:
        """The model's price, or None when the table does not list it (exact names only)."""
        return self.models.get(model) if model is not None else None


def _rate(where: str, entry: Mapping[str, Any], key: str, *, optional: bool = False) -> float | None:
    value = entry.get(key)
    if value is None and optional:
        return None
    # bool is an int: `true` is not a price.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise PriceTableError(f"{where}: {key} must be a number >= 0 (USD per 1M tokens), got {value!r}")
    return float(value)


def _parse(document: Any, where: str) -> PriceTable:
    if not isinstance(document, dict):
        raise PriceTableError(f"{where}: expected a JSON object with 'as_of' and 'models'")
    as_of = document.get("as_of")
    models = document.get("models")
    if not isinstance(as_of, str) or not as_of:
        raise PriceTableError(f"{where}: 'as_of' must say when the prices were taken (e.g. \"2025-08-01\")")
    if not isinstance(models, dict) or not models:
        raise PriceTableError(f"{where}: 'models' must map model names to their prices")
    prices: dict[str, ModelPrice] = {}
    for name, entry in models.items():
        if not isinstance(entry, dict):
            raise PriceTableError(f"{where}: models.{name} must be an object with input, cached_input and output")
        at = f"{where}: models.{name}"
        prices[name] = ModelPrice(
            input=_rate(at, entry, "input") or 0.0,
            output=_rate(at, entry, "output") or 0.0,
            cached_input=_rate(at, entry, "cached_input", optional=True),
        )
    source, note = document.get("source"), document.get("note")
    return PriceTable(
        as_of=as_of,
        models=prices,
        source=source if isinstance(source, str) else None,
        note=note if isinstance(note, str) else None,
    )


def load_prices(path: str | os.PathLike[str] | None = None, *, provider: ProviderProfile | None = None) -> PriceTable:
    """The price table in ``path`` (a JSON file laid out as the shipped one), or the shipped table.

    With a `provider`, the shipped table is the one its profile names (``prices``); a service
    without one gets an empty table, so every model's price is reported unknown, never borrowed
    from OpenAI's (an Azure deployment or a Groq model is not priced as OpenAI prices a name).
    A file of your own may hold one table per provider: ``{"providers": {"azure": {"as_of": ...,
    "models": {...}}}}``; the provider's section is used.

    Example::

        load_prices("my-prices.json", provider=get_profile("azure"))
    """
    if path is None:
        if provider is not None and provider.prices is None:
            return PriceTable(
                as_of="",
                models={},
                note=f"no prices are shipped for {provider.title}: give a table of your own (--prices, prices=)",
            )
        shipped = "prices.json" if provider is None or provider.prices is None else provider.prices
        text = resources.files(__package__ or "openai_batch.pricing").joinpath(shipped).read_text(encoding="utf-8")
        where = "the shipped price table"
    else:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        where = os.fspath(path)
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PriceTableError(f"{where}: not JSON ({exc})") from None
    if isinstance(document, dict) and isinstance(document.get("providers"), dict):
        sections = document["providers"]
        name = "openai" if provider is None else provider.name
        if name not in sections:
            raise PriceTableError(f"{where}: no prices for provider {name!r} (it has: {', '.join(sorted(sections))})")
        return _parse(sections[name], f"{where}: providers.{name}")
    return _parse(document, where)
