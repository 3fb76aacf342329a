"""A wrapper that keeps the API key out of every repr, str, log line and exception.

The key is held by exactly one `Secret`; everything else (config, auth, client) holds
the wrapper, so an accidental `repr()`, an attrs/dataclass auto-repr, a debugger's
locals view or a crash dump shows `Secret('sk-…')`-free text. `scrub()` removes the
key from text that came from elsewhere (an httpx error message, a server error body).
"""

from __future__ import annotations

import os
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

    @classmethod
    def optional(cls, value: str | None) -> Secret | None:
        """`value` without surrounding whitespace, wrapped; None stays None.

        Called first thing where a caller hands over a key, so that no frame of ours keeps
        the plain string while settings are checked (a traceback with locals would show it).
        """
        return None if value is None else cls(value.strip())

    @classmethod
    def from_env(cls, name: str) -> Secret | None:
        """The environment variable `name` wrapped (see `optional`), or None when it is unset."""
        return cls.optional(os.environ.get(name))

    @property
    def empty(self) -> bool:
        return not self._value

    def reveal(self) -> str:
        return self._value

    def found_in(self, text: str) -> bool:
        return bool(self._value) and self._value in text

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the secret replaced by a marker."""
        if self._value and self._value in text:
            return text.replace(self._value, REDACTED)
        return text

    def scrub_bytes(self, data: bytes) -> bytes:
        """`data` with every occurrence of the secret (UTF-8 encoded) replaced by the marker."""
        needle = self._value.encode()
        if needle and needle in data:
            return data.replace(needle, REDACTED.encode())
        return data

    def scrub_obj(self, value: Any) -> Any:
        """A copy of a parsed JSON value (dicts, lists, strings, or raw bytes) with the secret scrubbed from every string."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, bytes):
            return self.scrub_bytes(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.scrub_obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub_obj(v) for v in value)
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
