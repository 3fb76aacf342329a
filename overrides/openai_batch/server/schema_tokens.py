"""The prompt tokens a structured-output schema adds to a request, as the service bills them.

The service shows the model the ``response_format`` (chat) or ``text.format`` (Responses)
JSON schema, and bills it as input tokens. OpenAI does not publish the rule; the one used
here was measured against the service's reported usage (openai/openai-cookbook#2140, "Guidance
on token counts for structured output schemas"): the schema as compact JSON
(``JSON.stringify``), without its ``required``, ``additionalProperties`` and ``$schema``
keywords at any depth, plus 9 tokens of framing. The deltas matched linearly across schema
sizes there. The name, description and ``strict`` flag of the format are not counted.

Example::

    schema_tokens({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, count_tokens)
    # == count_tokens('{"type":"object","properties":{"a":{"type":"string"}}}') + 9
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["SCHEMA_FRAMING_TOKENS", "schema_text", "schema_tokens"]

#: Tokens of framing around the schema text, whatever its size (the measured constant).
SCHEMA_FRAMING_TOKENS = 9

# Validation-only keywords the model is not shown: they cost nothing.
_UNSHOWN = frozenset({"required", "additionalProperties", "$schema"})
# Maps whose keys are names chosen by the user (a property may well be called "required").
_NAMED = frozenset({"properties", "$defs", "definitions", "patternProperties"})


def _shown(value: Any, *, names: bool = False) -> Any:
    if isinstance(value, dict):
        if names:
            return {key: _shown(sub) for key, sub in value.items()}
        return {key: _shown(sub, names=key in _NAMED) for key, sub in value.items() if key not in _UNSHOWN}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as the model is shown it: compact JSON without the validation-only keywords."""
    return json.dumps(_shown(schema), separators=(",", ":"), ensure_ascii=False)


def schema_tokens(schema: dict[str, Any], count: Callable[[str], int]) -> int:
    """Input tokens ``schema`` adds to a request, its text counted by ``count``."""
    return count(schema_text(schema)) + SCHEMA_FRAMING_TOKENS
