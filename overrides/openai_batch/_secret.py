"""A wrapper that keeps the API key out of every repr, str, log line and exception.

The key is held by exactly one `Secret`; everything else (config, auth, client) holds
the wrapper, so an accidental `repr()`, an attrs/dataclass auto-repr, a debugger's
locals view or a crash dump shows `Secret('sk-…')`-free text. `scrub()` removes the
key from text that came from elsewhere (an httpx error message, a server error body).
"""

from __future__ import annotations

from typing import Any, Final

REDACTED: Final = "<redacted>"


class Secret:
    """An opaque string: `reveal()` is the only way to read it.

    >>> s = Secret("sk-live-123")
    >>> s
    Secret(<redacted>)
    >>> s.scrub("bad key sk-live-123")
    'bad key <redacted>'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the secret replaced by a marker."""
        if self._value and self._value in text:
            return text.replace(self._value, REDACTED)
        return text

    def scrub_obj(self, value: Any) -> Any:
        """A copy of a parsed JSON value (dicts, lists, strings) with the secret scrubbed from every string."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_obj(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub_obj(v) for v in value]
        return value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling would write the key to disk or a queue in clear: refuse.
        raise TypeError("a Secret cannot be pickled")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
