"""Batch API prices per model, from a dated table shipped with the package or a file of your own.

The shipped table (``prices.json`` next to this module) holds the publicly listed prices as of
its ``as_of`` date, at Batch API rates (half the standard ones), in USD per million tokens:
``input``, ``cached_input`` (``null`` where a model has no cached rate) and ``output``. Prices
change, so the table says when it was written and a caller can pass their own file in the same
layout. A model missing from the table has no price: callers report it as unknown rather than
borrowing a neighbour's price (a dated snapshot can cost more than its alias).

Example::

    table = load_prices()                      # the shipped table
    table.as_of                                # "2025-08-01"
    table.get("gpt-4o-mini").input             # 0.075 (USD per 1M input tokens, batch rate)
    mine = load_prices("my-prices.json")       # {"as_of": "...", "models": {"gpt-4o": {...}}}
"""

from __future__ import annotations

from ._estimate import CostEstimate, ModelEstimate, estimate_file_cost, output_bound
from ._table import PER_TOKENS, ModelPrice, PriceTable, PriceTableError, load_prices

__all__ = [
    "PER_TOKENS",
    "CostEstimate",
    "ModelEstimate",
    "ModelPrice",
    "PriceTable",
    "PriceTableError",
    "estimate_file_cost",
    "load_prices",
    "output_bound",
]
