"""Bearer-token authentication as an `httpx.Auth`, so every request gets it.

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

from collections.abc import Generator
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
