"""Authentication as an `httpx.Auth` (a bearer key, a service's own key header, or a token provider).

Auth lives at the httpx layer: the generated functions, the hand-written upload and
the streamed download all go through the same `httpx.Client`, and this class adds
the header to each of them (and to each retry, since httpx re-runs the auth flow per
`send`).

Why the generated `AuthenticatedClient` gets a placeholder token: it is an attrs class
whose repr prints `token=...`, and it copies the token into the httpx client's default
headers. Holding the real key there would leak it through any repr, debugger or crash
dump that shows that object. The placeholder fails closed: if this auth were ever
bypassed, the server would see an invalid token (401), never a key in the wrong place.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Final

import httpx

from ._secret import Secret

PLACEHOLDER_TOKEN: Final = "set-per-request-by-openai_batch.BearerAuth"


class BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <key>`` to each request; its repr never shows the key.

    >>> auth = BearerAuth(Secret("sk-test"))
    >>> httpx.Client(auth=auth)  # every request now carries the key
    """

    def __init__(self, api_key: Secret) -> None:
        self._api_key = api_key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(api_key=<redacted>)"


class HeaderAuth(httpx.Auth):
    """Adds the key in a service's own header and format (Azure: ``api-key: <key>``); repr never shows it.

    >>> auth = HeaderAuth(Secret("azure-key"), header="api-key", format="{token}")
    >>> httpx.Client(auth=auth)
    """

    def __init__(self, api_key: Secret, *, header: str, format: str) -> None:
        self._api_key = api_key
        self._header = header
        self._format = format

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.headers.get("Authorization") == PLACEHOLDER_TOKEN:
            # The generated client's placeholder: this service takes its key in another header.
            del request.headers["Authorization"]
        request.headers[self._header] = self._format.replace("{token}", self._api_key.reveal())
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth(header={self._header!r}, api_key=<redacted>)"


AsyncTokenProvider = Callable[[], "str | Awaitable[str]"]


class TokenProviderAuth(httpx.Auth):
    """Asks `provider` for a token on every request (so it is refreshed), e.g. a Microsoft Entra ID token.

    The provider caches and refreshes the token itself (azure-identity's
    ``get_bearer_token_provider`` does); called per request, an expired token is never sent
    twice. For the async client the provider may return an awaitable.

    >>> auth = TokenProviderAuth(lambda: credential.get_token(scope).token, header="Authorization",
    ...                          format="Bearer {token}")
    """

    def __init__(self, provider: AsyncTokenProvider, *, header: str, format: str) -> None:
        self._provider = provider
        self._header = header
        self._format = format

    def _set(self, request: httpx.Request, token: object) -> None:
        if not isinstance(token, str) or not token:
            # Never quote what came back: it may be a credential in the wrong shape.
            raise TypeError(f"the token provider must return a non-empty str, got {type(token).__name__}")
        request.headers[self._header] = self._format.replace("{token}", token)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token: object = self._provider()
        if inspect.isawaitable(token):
            close = getattr(token, "close", None)
            if callable(close):
                close()  # an un-awaited coroutine would warn
            raise TypeError("an async token provider needs the AsyncBatchClient")
        self._set(request, token)
        token = None
        yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token: object = self._provider()
        if inspect.isawaitable(token):
            token = await token
        self._set(request, token)
        token = None
        yield request

    def __repr__(self) -> str:
        return f"TokenProviderAuth(header={self._header!r}, provider=<redacted>)"
