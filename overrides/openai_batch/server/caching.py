"""Deterministic prompt caching and reasoning tokens for the fake bodies' ``usage``.

The service caches prompts of 1,024 tokens or more and reports a cache hit as
``cached_tokens``: the longest leading part of the prompt it has seen before, in steps of
128 tokens (1,024, 1,152, ...). The local server follows that rule within one batch: a
request's cached tokens are the longest prefix (at those sizes) it shares with an earlier
request of the same model in the same batch's input. Tokens are the responses' own rule of
four characters each, so a prefix of ``k`` tokens is the first ``4 * k`` characters.

Which earlier requests count depends on the input file alone (every line before this one,
whatever its outcome), so a batch resumed after a restart rebuilds the cache by reading
its processed lines again and reports the same figures.

Reasoning models (``o1``, ``o3``, ``o4…``, ``gpt-5…``) think before they answer: they are
billed ``REASONING_SHARE`` hidden tokens per visible one, within the request's output
bound, and report them as ``reasoning_tokens`` (part of the output tokens, as the service
counts them).

Example::

    cache = PromptCache()
    cache.observe("/v1/chat/completions", body)     # 0: nothing seen before
    cache.observe("/v1/chat/completions", body)     # 1024 + 128 * n for a long enough prompt
    reasoning_tokens("o4-mini", visible=10, bound=None)   # 20
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = [
    "CACHE_MIN_TOKENS",
    "CACHE_STEP_TOKENS",
    "CACHING_ENDPOINTS",
    "REASONING_SHARE",
    "PromptCache",
    "cacheable_prompt",
    "chat_prompt",
    "chat_user_texts",
    "is_reasoning_model",
    "reasoning_tokens",
    "responses_prompt",
    "responses_texts",
    "text_of",
]

#: The shortest prompt the service caches, in tokens.
CACHE_MIN_TOKENS = 1024
#: Cache hits grow in steps of this many tokens.
CACHE_STEP_TOKENS = 128
#: Hidden reasoning tokens a reasoning model is billed per visible output token.
REASONING_SHARE = 2
#: The endpoints whose prompts are cached.
CACHING_ENDPOINTS = frozenset({"/v1/chat/completions", "/v1/responses"})
_CHARS_PER_TOKEN = 4
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def text_of(content: Any) -> str:
    """Text of a message content: a string, or a list of parts with text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def chat_prompt(body: dict[str, Any]) -> str:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    return " ".join(text_of(m.get("content")) for m in messages if isinstance(m, dict))


def chat_user_texts(body: dict[str, Any]) -> list[str]:
    """The texts of a chat request's user messages, in order."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [text_of(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]


def responses_texts(body: dict[str, Any]) -> list[str] | None:
    """The texts of a Responses request's input items, in order; None when it has no input."""
    given = body.get("input")
    if isinstance(given, str):
        return [given]
    if isinstance(given, list):
        return [text_of(item.get("content")) for item in given if isinstance(item, dict)]
    return None


def responses_prompt(body: dict[str, Any]) -> str:
    texts = responses_texts(body) or []
    instructions = body.get("instructions")
    return " ".join([instructions if isinstance(instructions, str) else "", *texts]).strip()


def cacheable_prompt(endpoint: str, body: dict[str, Any]) -> tuple[str, str] | None:
    """(model, prompt text) of a request the service may cache, else None (other endpoints)."""
    model = body.get("model")
    if not isinstance(model, str):
        return None
    if endpoint == "/v1/chat/completions":
        return model, chat_prompt(body)
    if endpoint == "/v1/responses":
        return model, responses_prompt(body)
    return None


class PromptCache:
    """The prompt prefixes one batch has seen, by model: answers how many tokens of a prompt are cached.

    Example::

        cache = PromptCache()
        cache.cached_tokens("gpt-4o", "x" * 8000)   # 0, and now remembered
        cache.cached_tokens("gpt-4o", "x" * 8000)   # 1920: 2000 tokens, cached in 128-token steps
    """

    def __init__(self) -> None:
        # Digests of every cacheable prefix seen (16 bytes each: one per 128 tokens of prompt).
        self._seen: set[bytes] = set()

    def observe(self, endpoint: str, body: dict[str, Any]) -> int:
        """The cached tokens of this request; remembers its prompt for the requests after it."""
        prompt = cacheable_prompt(endpoint, body)
        return 0 if prompt is None else self.cached_tokens(*prompt)

    def cached_tokens(self, model: str, text: str) -> int:
        """The longest cacheable prefix of ``text`` seen before (tokens), then remember its prefixes."""
        whole_tokens = len(text) // _CHARS_PER_TOKEN
        if whole_tokens < CACHE_MIN_TOKENS:
            return 0
        running = hashlib.blake2b(model.encode() + b"\x1f", digest_size=16)
        done = 0
        cached = 0
        hit = True
        for tokens in range(CACHE_MIN_TOKENS, whole_tokens + 1, CACHE_STEP_TOKENS):
            end = tokens * _CHARS_PER_TOKEN
            running.update(text[done:end].encode())
            done = end
            digest = running.copy().digest()
            # Prefixes nest: once one was never seen, no longer one was either.
            if hit and digest in self._seen:
                cached = tokens
            else:
                hit = False
                self._seen.add(digest)
        return cached


def is_reasoning_model(model: str) -> bool:
    return model.startswith(_REASONING_PREFIXES)


def reasoning_tokens(model: str, *, visible: int, bound: Any) -> int:
    """Hidden reasoning tokens for ``visible`` output tokens, kept within the output ``bound`` if one is set."""
    if not is_reasoning_model(model):
        return 0
    thinking = REASONING_SHARE * visible
    if isinstance(bound, int) and not isinstance(bound, bool) and bound > 0:
        thinking = min(thinking, max(bound - visible, 0))
    return thinking
