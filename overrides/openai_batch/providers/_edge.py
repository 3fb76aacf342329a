"""The one place a service's answers are made OpenAI-shaped: an httpx transport at the edge.

It sits between ``httpx.Client`` and the retrying transport, so every call (generated or
hand-written) passes through it once, after the retries. For the JSON answers of the Files and
Batches endpoints it:

- accepts the profile's success status for creates (Azure's legacy paths answer 201) as the 200
  the generated parsers expect;
- applies the profile's normalisation rules (`_normalise`) to the body;
- records the queue budget the profile says POST /batches states (`_budget`).

File contents (``/files/{id}/content``) are streamed past untouched. The decisions are the pure
`EdgeRules.finish`; the sync and async transports only read the body and rebuild the response.
"""

from __future__ import annotations

from typing import Final

import attrs
import httpx
import orjson

from ._budget import BudgetLedger
from ._normalise import normalise_body
from ._profile import PathStyle, ProviderProfile

__all__ = ["AsyncEdgeTransport", "EdgeRules", "EdgeTransport"]

# Headers describing the original body's encoding; the rebuilt response holds new bytes.
_FRAMING: Final = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def _resource(path: str) -> tuple[str, bool] | None:
    """("files" | "batches", is_collection) for a Files/Batches JSON path; None otherwise."""
    parts = [part for part in path.split("/") if part]
    for kind in ("files", "batches"):
        if kind in parts:
            rest = parts[len(parts) - parts[::-1].index(kind) :]
            if rest and rest[-1] == "content":
                return None  # a file's bytes, streamed
            return kind, not rest
    return None


@attrs.frozen
class EdgeRules:
    """What the edge does for one profile and path style (pure; no I/O).

    Example::

        rules = EdgeRules(get_profile("azure"), get_profile("azure").path_styles["legacy"], BudgetLedger())
        rules.active     # True: Azure answers need normalising
    """

    profile: ProviderProfile
    style: PathStyle
    ledger: BudgetLedger

    @property
    def active(self) -> bool:
        """False for a service whose answers need nothing (OpenAI): the transport is then left out."""
        return bool(self.profile.normalise) or self.style.created_status != 200 or self.profile.queue_budget is not None

    def wants(self, request: httpx.Request, response: httpx.Response) -> bool:
        """Whether this answer is a Files/Batches JSON body to read and finish."""
        if not 200 <= response.status_code < 300:
            return False
        if _resource(request.url.path) is None:
            return False
        return "json" in response.headers.get("content-type", "json")

    def finish(self, request: httpx.Request, status: int, headers: httpx.Headers, body: bytes) -> tuple[int, bytes]:
        """The status and body the generated parsers get for this answer."""
        kind = _resource(request.url.path)
        if status == self.style.created_status and request.method == "POST" and kind is not None and kind[1]:
            status = 200  # the style's "created" is the spec's success
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return status, body  # not JSON after all: the parser reports it, with the raw body
        if kind == ("batches", True) and request.method == "POST" and self.profile.queue_budget is not None:
            self.ledger.record(headers, self.profile.queue_budget, data)
        if not self.profile.normalise or data is None:
            return status, body
        return status, orjson.dumps(normalise_body(data, self.profile.normalise))


def _rebuilt(request: httpx.Request, response: httpx.Response, status: int, content: bytes) -> httpx.Response:
    headers = [(name, value) for name, value in response.headers.multi_items() if name.lower() not in _FRAMING]
    return httpx.Response(status, headers=headers, content=content, request=request, extensions=response.extensions)


class EdgeTransport(httpx.BaseTransport):
    """Wraps the client's (retrying) transport with a profile's `EdgeRules`.

    >>> transport = EdgeTransport(RetryTransport(...), EdgeRules(profile, style, BudgetLedger()))
    """

    def __init__(self, inner: httpx.BaseTransport, rules: EdgeRules) -> None:
        self._inner = inner
        self._rules = rules

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not self._rules.wants(request, response):
            return response
        try:
            body = response.read()
        finally:
            response.close()
        status, content = self._rules.finish(request, response.status_code, response.headers, body)
        return _rebuilt(request, response, status, content)

    def close(self) -> None:
        self._inner.close()


class AsyncEdgeTransport(httpx.AsyncBaseTransport):
    """The async twin of `EdgeTransport` (same rules, awaited read)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, rules: EdgeRules) -> None:
        self._inner = inner
        self._rules = rules

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if not self._rules.wants(request, response):
            return response
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        status, content = self._rules.finish(request, response.status_code, response.headers, body)
        return _rebuilt(request, response, status, content)

    async def aclose(self) -> None:
        await self._inner.aclose()
