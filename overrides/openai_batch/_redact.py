"""Key-free copies of the httpx objects an exception keeps: requests, responses and httpx errors.

An exception outlives the call that raised it: it is pickled into another process (process
pools, task queues), recorded by error trackers, kept in a debugger. So the request and
response an `APIError` carries are copies, made before the exception is built:

- credential headers (``Authorization``, ``api-key``, ...) are replaced by a marker;
- every occurrence of a credential (the client's key, and each credential header value the
  request carried) is replaced in the URL, in every other header and in the body. This also
  covers a server or proxy that echoes the request back;
- only the read body is kept (never a stream), and no transport extensions (they hold the
  connection), so the copy pickles.

A `Redactor` is the set of texts to remove; it holds them as `Secret`s, so even a traceback
of a failure in here shows none of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import httpx

from ._logging import SENSITIVE_HEADERS
from ._secret import REDACTED, Secret

_MIN_CREDENTIAL: Final = 8

# Headers that describe an encoding of the original body; the copy holds decoded bytes.
_BODY_FRAMING: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Redactor:
    """Removes a set of secrets from text, bytes, parsed JSON, and httpx requests and responses.

    >>> redactor = Redactor.of(Secret("sk-live-123"), request)
    >>> redactor.text("bad key sk-live-123")
    'bad key <redacted>'
    """

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self._secrets = tuple(secrets)

    @classmethod
    def of(cls, secret: Secret | None = None, request: httpx.Request | None = None) -> Redactor:
        """The client's key, if known, plus every credential `request` carried in its headers."""
        found = [secret] if secret is not None else []
        if request is not None:
            found.extend(_credentials(request.headers))
        return cls(found)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            value = secret.scrub(value)
        return value

    def data(self, value: bytes) -> bytes:
        for secret in self._secrets:
            value = secret.scrub_bytes(value)
        return value

    def obj(self, value: Any) -> Any:
        for secret in self._secrets:
            value = secret.scrub_obj(value)
        return value

    def headers(self, headers: httpx.Headers, *, drop: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        return [
            (name, REDACTED if name.lower() in SENSITIVE_HEADERS else self.text(value))
            for name, value in headers.multi_items()
            if name.lower() not in drop
        ]

    def url(self, url: httpx.URL) -> httpx.URL:
        if url.userinfo:
            url = url.copy_with(username=None, password=None)
        text = str(url)
        cleaned = self.text(text)
        return url if cleaned == text else httpx.URL(cleaned)

    def request(self, request: httpx.Request) -> httpx.Request:
        """A copy of `request` without credentials; its body only when it was read (never a stream)."""
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = b""  # a streamed upload: the copy says what was sent, not the file
        return httpx.Request(
            request.method,
            self.url(request.url),
            headers=self.headers(request.headers, drop=_BODY_FRAMING),
            content=self.data(content),
        )

    def response(self, response: httpx.Response, request: httpx.Request | None = None) -> httpx.Response:
        """A copy of `response` (its body must be read) attached to `request`, the already cleaned request."""
        extensions: dict[str, Any] = {
            name: response.extensions[name] for name in ("http_version", "reason_phrase") if name in response.extensions
        }
        return httpx.Response(
            response.status_code,
            headers=self.headers(response.headers, drop=_BODY_FRAMING),
            content=self.data(response.content),
            request=request,
            extensions=extensions,
        )

    def error(self, exc: httpx.HTTPError) -> httpx.HTTPError:
        """A copy of an httpx error, same class, with its message and request cleaned.

        The copy has no traceback, cause or context: the original's frames and chain can hold
        the request as sent (an HTTP/1.1 event with the raw headers, for one).
        """
        message = self.text(str(exc))
        try:
            request: httpx.Request | None = exc.request
        except RuntimeError:
            request = None
        clean = self.request(request) if request is not None else None
        for cls in type(exc).__mro__:  # the first class we know how to build: a custom subclass may not take these
            if issubclass(cls, httpx.RequestError) and cls.__module__.startswith("httpx"):
                return cls(message, request=clean)
        return httpx.RequestError(message, request=clean)


def _credentials(headers: httpx.Headers) -> list[Secret]:
    found: list[Secret] = []
    for name, value in headers.multi_items():
        if name.lower() not in SENSITIVE_HEADERS:
            continue
        scheme, _, token = value.partition(" ")
        candidates = [value, token.strip()] if scheme.isalpha() else [value]  # "Bearer <key>": the key alone too
        # A value this short is no credential worth hiding, and replacing it would mangle every text.
        found.extend(Secret(text) for text in candidates if len(text) >= _MIN_CREDENTIAL and text != REDACTED)
    return found


def clean_request(request: httpx.Request | None, secret: Secret | None = None) -> httpx.Request | None:
    """`Redactor.of(secret, request).request(request)`, passing None through."""
    if request is None:
        return None
    return Redactor.of(secret, request).request(request)
