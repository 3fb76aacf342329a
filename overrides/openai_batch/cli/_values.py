"""Argument types of ``openai-batch``: each checks one flag's value and says what it wants.

They run while the command line is parsed, before any command sends anything, and their
messages become argparse's one-line error naming the flag.
"""

from __future__ import annotations

import argparse
import math

from ..workflow._limits import BATCH_ENDPOINTS, DEFAULT_LIMITS

__all__ = [
    "MAX_USER_METADATA_KEYS",
    "attempts",
    "batch_endpoint",
    "cost_usd",
    "fraction",
    "job_id",
    "max_bytes",
    "max_embedding_inputs",
    "max_requests",
    "metadata_item",
    "model_tokens",
    "non_negative",
    "output_expiry",
    "port",
    "positive",
    "positive_int",
]

#: A batch holds at most 16 metadata keys; a job's batches carry 4 tags of their own.
MAX_USER_METADATA_KEYS = 12


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"wants a finite number, got {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a whole number, got {text!r}") from None


def positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def cost_usd(text: str) -> float:
    """A budget in US dollars for --max-cost: 0 or more, a leading $ and , between digits allowed."""
    value = _number(text.strip().removeprefix("$").replace(",", ""))
    if value < 0:
        raise argparse.ArgumentTypeError(f"wants an amount of USD, 0 or more; got {text}")
    return value


def fraction(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _bounded(text: str, low: int, high: int) -> int:
    value = _integer(text)
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, got {text}")
    return value


def positive_int(text: str) -> int:
    return _bounded(text, 1, 2**63 - 1)


def port(text: str) -> int:
    return _bounded(text, 0, 65535)


def max_requests(text: str) -> int:
    return _bounded(text, 1, DEFAULT_LIMITS.max_requests)


def max_bytes(text: str) -> int:
    return _bounded(text, 1, DEFAULT_LIMITS.max_bytes)


def max_embedding_inputs(text: str) -> int:
    return _bounded(text, 1, DEFAULT_LIMITS.max_embedding_inputs)


def output_expiry(text: str) -> int:
    # The service's range for output_expires_after.seconds: 1 hour to 30 days.
    return _bounded(text, 3600, 2_592_000)


def batch_endpoint(text: str) -> str:
    if text not in BATCH_ENDPOINTS:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(sorted(BATCH_ENDPOINTS))}; got {text!r}")
    return text


def job_id(text: str) -> str:
    if not text.startswith("job_") or len(text) < 5:
        raise argparse.ArgumentTypeError(f"wants a job id (job_...), got {text!r}")
    return text


def model_tokens(text: str) -> tuple[str, int]:
    """MODEL=N for --max-enqueued-tokens (N may use , or _ between digits)."""
    model, sep, number = text.rpartition("=")
    if not sep or not model:
        raise argparse.ArgumentTypeError(f"wants MODEL=TOKENS, e.g. gpt-4o-mini=2000000; got {text!r}")
    digits = number.replace(",", "").replace("_", "")
    if not digits.isdigit() or int(digits) < 1:
        raise argparse.ArgumentTypeError(f"wants a whole number of tokens after {model}=, got {number!r}")
    return model, int(digits)


def attempts(text: str) -> int:
    return _bounded(text, 1, 100)


def metadata_item(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"wants KEY=VALUE, got {text!r}")
    if len(key) > 64:
        raise argparse.ArgumentTypeError(f"key {key[:20]!r}... is longer than 64 characters")
    if len(value) > 512:
        raise argparse.ArgumentTypeError(f"value of {key!r} is longer than 512 characters")
    if key.startswith("openai_batch_"):
        raise argparse.ArgumentTypeError(f"keys starting openai_batch_ are the job's own tags, got {key!r}")
    return key, value
