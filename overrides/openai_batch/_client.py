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

from ._auth import PLACEHOLDER_TOKEN, BearerAuth, HeaderAuth, TokenProviderAuth
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig, resolve_config
from ._core import AsyncRuntime, SyncRuntime
from ._lazy_transport import AsyncLazyTransport, LazyTransport
from ._retry import Clock, RetryPolicy
from ._secret import Secret
from ._transport import AsyncRetryTransport, RetryTransport
from ._types import TimeoutTypes
from .providers import AsyncEdgeTransport, BudgetLedger, EdgeRules, EdgeTransport

if TYPE_CHECKING:
    from openai_batch_api.client import AuthenticatedClient

    from .providers import ProviderProfile, StatedQueueBudget
    from .resources import AsyncBatches, AsyncFiles, Batches, Files

__all__ = ["AsyncBatchClient", "BatchClient"]


def _generated_client(
    config: ClientConfig, transport: httpx.BaseTransport | httpx.AsyncBaseTransport
) -> AuthenticatedClient:
    from openai_batch_api.client import AuthenticatedClient

    httpx_args: dict[str, object] = {"transport": transport, "auth": _auth(config)}
    if config.query:
        httpx_args["params"] = dict(config.query)  # httpx merges these into every request's query
    # `token` is a placeholder on purpose: see _auth.py (its attrs repr would print a real key).
    return AuthenticatedClient(
        base_url=config.base_url,
        token=PLACEHOLDER_TOKEN,
        prefix="",
        timeout=config.timeout,
        headers=config.default_headers(),
        raise_on_unexpected_status=False,
        httpx_args=httpx_args,
    )


def _auth(config: ClientConfig) -> httpx.Auth:
    """The profile's auth scheme: a token provider when given, else the key in the profile's header."""
    scheme = config.provider.auth if config.provider is not None else None
    if config.token_provider is not None and scheme is not None and scheme.token_header is not None:
        return TokenProviderAuth(config.token_provider, header=scheme.token_header, format=scheme.token_format)
    if scheme is None or (scheme.header.lower() == "authorization" and scheme.format == "Bearer {token}"):
        return BearerAuth(config.api_key)
    return HeaderAuth(config.api_key, header=scheme.header, format=scheme.format)


def _edge_rules(config: ClientConfig, ledger: BudgetLedger) -> EdgeRules | None:
    """The edge step for the config's service, or None when its answers need nothing (OpenAI)."""
    if config.provider is None or config.path_style is None:
        return None
    rules = EdgeRules(config.provider, config.path_style, ledger)
    return rules if rules.active else None


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # works under asyncio and trio; imported on first retry only

    await anyio.sleep(seconds)


class _ClientBase:
    _config: ClientConfig
    _budgets: BudgetLedger

    @property
    def provider(self) -> ProviderProfile | None:
        """The service's profile (``openai`` unless another was chosen)."""
        return self._config.provider

    @property
    def api_version(self) -> str | None:
        """The api-version every call carries, exactly as given (None: the style takes none)."""
        return self._config.api_version

    def stated_queue_budget(self, *, batch_id: str | None = None, model: str | None = None) -> StatedQueueBudget | None:
        """The queue budget the service stated when a batch was created (Azure's deployment headers).

        By `batch_id` (the answer that created it), else by `model` (deployment; the latest
        create answer that named it), else the latest stated. None when the service states none.

        >>> batch = client.batches.create(...)
        >>> budget = client.stated_queue_budget(batch_id=batch.id)
        >>> budget.maximum_enqueued_tokens, budget.enqueued_tokens
        """
        return self._budgets.get(batch_id=batch_id, model=model)

    def note_batch_model(self, batch_id: str, model: str) -> None:
        """Name the model (deployment) behind `batch_id`, so `stated_queue_budget(model=...)` finds it."""
        self._budgets.note_model(batch_id, model)

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
        provider = "" if self._config.provider_name == "openai" else f"provider={self._config.provider_name!r}, "
        return (
            f"{type(self).__name__}({provider}base_url={self._config.base_url!r}, "
            f"organization={self._config.organization!r}, "
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
    `allow_insecure_http=True`, for every provider.

    Another service is a `provider` (a shipped name or a `ProviderProfile`)::

        BatchClient(provider="azure")      # AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION
        BatchClient(provider="azure", endpoint="https://r.openai.azure.com", api_version="2024-10-21",
                    azure_ad_token_provider=default_azure_token_provider())
        BatchClient(provider="groq")       # GROQ_API_KEY

    `api_version` is sent exactly as given on every call; `path_style` ("legacy" or "v1" on
    Azure) is otherwise chosen from the api-version (a dated one: legacy) and never switched.
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
        provider: str | ProviderProfile | None = None,
        endpoint: str | None = None,
        api_version: str | None = None,
        path_style: str | None = None,
        azure_ad_token_provider: Callable[[], object] | None = None,
    ) -> None:
        # Wrapped at once, and the plain strings dropped from this frame: if the settings are
        # refused, a traceback that records locals must not show the key (see _config).
        key, url, root = Secret.optional(api_key), Secret.optional(base_url), Secret.optional(endpoint)
        api_key = base_url = endpoint = None
        self._config = resolve_config(
            api_key=key,
            base_url=url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            provider=provider,
            endpoint=root,
            api_version=api_version,
            path_style=path_style,
            token_provider=azure_ad_token_provider,
        )
        self._budgets = BudgetLedger()
        edge = _edge_rules(self._config, self._budgets)
        policy = RetryPolicy(self._config.max_retries, rng or random.Random(), clock or time.time)
        do_sleep = sleep or time.sleep
        inner = transport if transport is not None else LazyTransport()
        retrying: httpx.BaseTransport = RetryTransport(inner, policy, self._config.api_key, do_sleep)
        if edge is not None:
            retrying = EdgeTransport(retrying, edge)
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
        provider: str | ProviderProfile | None = None,
        endpoint: str | None = None,
        api_version: str | None = None,
        path_style: str | None = None,
        azure_ad_token_provider: Callable[[], object] | None = None,
    ) -> None:
        # Wrapped at once, and the plain strings dropped from this frame: if the settings are
        # refused, a traceback that records locals must not show the key (see _config).
        key, url, root = Secret.optional(api_key), Secret.optional(base_url), Secret.optional(endpoint)
        api_key = base_url = endpoint = None
        self._config = resolve_config(
            api_key=key,
            base_url=url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            provider=provider,
            endpoint=root,
            api_version=api_version,
            path_style=path_style,
            token_provider=azure_ad_token_provider,
        )
        self._budgets = BudgetLedger()
        edge = _edge_rules(self._config, self._budgets)
        policy = RetryPolicy(self._config.max_retries, rng or random.Random(), clock or time.time)
        do_sleep = sleep or _anyio_sleep
        inner = transport if transport is not None else AsyncLazyTransport()
        retrying: httpx.AsyncBaseTransport = AsyncRetryTransport(inner, policy, self._config.api_key, do_sleep)
        if edge is not None:
            retrying = AsyncEdgeTransport(retrying, edge)
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
