"""`BatchClient` and `AsyncBatchClient`: configuration, the httpx stack, and the resources.

The stack, outermost first::

    resource method (client.batches.retrieve)      per-call options -> CallContext
      -> runner (SyncRuntime / AsyncRuntime)       drives the shared flow, maps errors
        -> generated endpoint function             builds the request, parses the model
          -> httpx.Client (from AuthenticatedClient, built once and reused)
            -> BearerAuth                          adds the key to every request
              -> RetryTransport                    retries, backoff, per-call timeout, logs
                -> HTTPTransport (built on the first request, _lazy_transport) or the injected one (tests: httpx.MockTransport)

The generated package and the resource modules are imported when the first client is
built, not on ``import openai_batch``, to keep that import cheap.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ._auth import PLACEHOLDER_TOKEN, BearerAuth
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig, resolve_config
from ._core import AsyncRuntime, SyncRuntime
from ._lazy_transport import AsyncLazyTransport, LazyTransport
from ._retry import Clock, RetryPolicy
from ._secret import Secret
from ._transport import AsyncRetryTransport, RetryTransport
from ._types import TimeoutTypes

if TYPE_CHECKING:
    from openai_batch_api.client import AuthenticatedClient

    from .resources import AsyncBatches, AsyncFiles, Batches, Files

__all__ = ["AsyncBatchClient", "BatchClient"]


def _generated_client(
    config: ClientConfig, transport: httpx.BaseTransport | httpx.AsyncBaseTransport
) -> AuthenticatedClient:
    from openai_batch_api.client import AuthenticatedClient

    # `token` is a placeholder on purpose: see _auth.py (its attrs repr would print a real key).
    return AuthenticatedClient(
        base_url=config.base_url,
        token=PLACEHOLDER_TOKEN,
        prefix="",
        timeout=config.timeout,
        headers=config.default_headers(),
        raise_on_unexpected_status=False,
        httpx_args={"transport": transport, "auth": BearerAuth(config.api_key)},
    )


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # works under asyncio and trio; imported on first retry only

    await anyio.sleep(seconds)


class _ClientBase:
    _config: ClientConfig

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def organization(self) -> str | None:
        return self._config.organization

    @property
    def project(self) -> str | None:
        return self._config.project

    @property
    def timeout(self) -> httpx.Timeout:
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def __repr__(self) -> str:
        # Built by hand: never include the generated client (attrs repr) or anything holding the key.
        if not hasattr(self, "_config"):  # __init__ refused the settings; repr must still work
            return f"{type(self).__name__}(<not configured>)"
        return (
            f"{type(self).__name__}(base_url={self._config.base_url!r}, organization={self._config.organization!r}, "
            f"project={self._config.project!r}, max_retries={self._config.max_retries})"
        )


class BatchClient(_ClientBase):
    """A synchronous client for the OpenAI Batch and Files APIs.

    >>> from openai_batch import BatchClient
    >>> with BatchClient() as client:                 # key from OPENAI_API_KEY
    ...     f = client.files.create(file="requests.jsonl", purpose="batch")
    ...     batch = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
    ...                                   completion_window="24h")
    ...     print(client.batches.retrieve(batch.id).status)

    `timeout` (seconds or `httpx.Timeout`; default 600 s, 5 s to connect) and
    `max_retries` (default 2) apply to every call and can be overridden per call.
    `transport`, `sleep`, `clock` (Unix seconds) and `rng` (jitter) are injectable for
    tests. Plain http is refused for hosts other than loopback unless
    `allow_insecure_http=True`.
    """

    batches: Batches
    files: Files

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        allow_insecure_http: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        # Wrapped at once, and the plain strings dropped from this frame: if the settings are
        # refused, a traceback that records locals must not show the key (see _config).
        key, url = Secret.optional(api_key), Secret.optional(base_url)
        api_key = base_url = None
        self._config = resolve_config(
            api_key=key,
            base_url=url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
        )
        policy = RetryPolicy(self._config.max_retries, rng or random.Random(), clock or time.time)
        do_sleep = sleep or time.sleep
        inner = transport if transport is not None else LazyTransport()
        retrying = RetryTransport(inner, policy, self._config.api_key, do_sleep)
        generated = _generated_client(self._config, retrying)
        self._runtime = SyncRuntime(generated, self._config.api_key, policy, self._config.timeout, do_sleep)

        from .resources import Batches, Files

        self.batches = Batches(self._runtime)
        self.files = Files(self._runtime)

    def close(self) -> None:
        """Close the connection pool (and the injected transport)."""
        self._runtime.http.close()

    def __enter__(self) -> BatchClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncBatchClient(_ClientBase):
    """An asyncio/trio client with the same resources as `BatchClient`, awaited.

    >>> from openai_batch import AsyncBatchClient
    >>> async with AsyncBatchClient() as client:
    ...     batch = await client.batches.retrieve("batch_abc")
    ...     async for f in client.files.list(purpose="batch"):
    ...         print(f.id)

    `sleep` is an async callable (default `anyio.sleep`); the rest is as for `BatchClient`.
    """

    batches: AsyncBatches
    files: AsyncFiles

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        allow_insecure_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        # Wrapped at once, and the plain strings dropped from this frame: if the settings are
        # refused, a traceback that records locals must not show the key (see _config).
        key, url = Secret.optional(api_key), Secret.optional(base_url)
        api_key = base_url = None
        self._config = resolve_config(
            api_key=key,
            base_url=url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
        )
        policy = RetryPolicy(self._config.max_retries, rng or random.Random(), clock or time.time)
        do_sleep = sleep or _anyio_sleep
        inner = transport if transport is not None else AsyncLazyTransport()
        retrying = AsyncRetryTransport(inner, policy, self._config.api_key, do_sleep)
        generated = _generated_client(self._config, retrying)
        self._runtime = AsyncRuntime(generated, self._config.api_key, policy, self._config.timeout, do_sleep)

        from .resources import AsyncBatches, AsyncFiles

        self.batches = AsyncBatches(self._runtime)
        self.files = AsyncFiles(self._runtime)

    async def close(self) -> None:
        """Close the connection pool (and the injected transport)."""
        await self._runtime.http.aclose()

    async def __aenter__(self) -> AsyncBatchClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
