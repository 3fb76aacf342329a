"""Client settings: read arguments and environment once, validate, and keep the key wrapped.

Precedence: an explicit argument, then the environment variable, then the default.

| setting      | argument       | environment         | default                      |
|--------------|----------------|---------------------|------------------------------|
| API key      | `api_key`      | `OPENAI_API_KEY`    | none: ConfigurationError     |
| base URL     | `base_url`     | `OPENAI_BASE_URL`   | https://api.openai.com/v1    |
| organization | `organization` | `OPENAI_ORG_ID`     | header not sent              |
| project      | `project`      | `OPENAI_PROJECT_ID` | header not sent              |

Another service (`provider="azure"`, a `ProviderProfile`, see `openai_batch.providers`) reads
its own variables instead, as its profile says: Azure takes `AZURE_OPENAI_API_KEY`,
`AZURE_OPENAI_ENDPOINT` and `OPENAI_API_VERSION`; Groq `GROQ_API_KEY`...

A base URL that carries a credential is refused (`parse_base_url`): the key anywhere in it,
``user:password@``, or a query parameter such as ``api-key=``. A URL travels into logs,
proxies and error messages; the key goes only in the Authorization header.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx

from ._exceptions import ConfigurationError
from ._secret import Secret
from ._types import TimeoutTypes

if TYPE_CHECKING:
    from .providers import PathStyle, ProviderProfile

DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Resolved, validated settings shared by the sync and async clients.

    The key is a `Secret`, so this dataclass's generated repr is safe to log.
    """

    api_key: Secret = field(repr=False)
    base_url: str
    organization: str | None
    project: str | None
    timeout: httpx.Timeout
    max_retries: int
    # The service and how it is addressed; None only for configs built by hand in old code paths.
    provider: ProviderProfile | None = None
    path_style: PathStyle | None = None
    api_version: str | None = None
    # A callable returning a fresh bearer token (Microsoft Entra ID); used instead of the key.
    token_provider: Callable[[], Any] | None = field(default=None, repr=False)

    @property
    def provider_name(self) -> str:
        return "openai" if self.provider is None else self.provider.name

    @property
    def query(self) -> Mapping[str, str]:
        """Query parameters every call carries (Azure's legacy paths: ``api-version``)."""
        return {} if self.api_version is None else {"api-version": self.api_version}

    def default_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers


def as_timeout(value: TimeoutTypes) -> httpx.Timeout:
    """A float sets the read, write and pool limits; connect stays at 5 s (or the float, if smaller).

    A slow connect means an unreachable host, so it should fail fast and be retried,
    while a read may legitimately wait minutes for a large file.
    """
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(float(value), connect=min(float(value), DEFAULT_TIMEOUT.connect or 5.0))


def check_max_retries(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be an integer >= 0, got {value!r}")
    return value


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_config(
    *,
    api_key: Secret | None,
    base_url: Secret | None,
    organization: str | None,
    project: str | None,
    timeout: TimeoutTypes,
    max_retries: int,
    allow_insecure_http: bool,
    provider: str | ProviderProfile | None = None,
    endpoint: Secret | None = None,
    api_version: str | None = None,
    path_style: str | None = None,
    token_provider: Callable[[], Any] | None = None,
) -> ClientConfig:
    """Validate settings; raise ConfigurationError (never quoting the key) when they are unusable.

    The key and the base URL arrive wrapped (a URL may carry credentials until it is checked),
    and no local variable here holds either in clear: a traceback that records locals, as
    error trackers do, shows only `Secret(<redacted>)`.
    """
    from .providers import get_profile, resolve_route

    profile = get_profile(provider)
    secret = _resolve_key(profile, api_key, token_provider)
    route = resolve_route(profile, base_url=base_url, endpoint=endpoint, path_style=path_style, api_version=api_version)
    url = parse_base_url(route.base_url or Secret(DEFAULT_BASE_URL), secret)
    if isinstance(url, str):
        raise ConfigurationError(url)
    if url.scheme == "http" and not is_loopback_host(url.host) and not allow_insecure_http:
        # Plain http to another machine would put the key or token on the wire in clear (any provider).
        raise ConfigurationError(
            f"Refusing to send the API key over plain http to {url.host!r}: use https, a loopback "
            "address (127.0.0.1, ::1, localhost), or pass allow_insecure_http=True."
        )
    return ClientConfig(
        api_key=secret,
        base_url=str(url).rstrip("/"),
        organization=organization if organization is not None else os.environ.get("OPENAI_ORG_ID"),
        project=project if project is not None else os.environ.get("OPENAI_PROJECT_ID"),
        timeout=as_timeout(timeout),
        max_retries=check_max_retries(max_retries),
        provider=profile,
        path_style=route.style,
        api_version=route.api_version,
        token_provider=token_provider,
    )


def _resolve_key(profile: ProviderProfile, api_key: Secret | None, token_provider: Callable[[], Any] | None) -> Secret:
    """The key (argument, then the profile's variables); an empty Secret when a token provider signs instead."""
    if token_provider is not None:
        if not profile.auth.takes_token_provider:
            raise ConfigurationError(f"provider {profile.name!r} takes no token provider: give its API key instead.")
        if api_key is not None and not api_key.empty:
            raise ConfigurationError("Give either an API key or a token provider, not both.")
        return Secret("")
    if api_key is not None and not api_key.empty:
        return api_key
    for name in profile.key_env:
        found = Secret.from_env(name)
        if found is not None and not found.empty:
            return found
    names = " or ".join(profile.key_env) or "the provider's key variable"
    token = (
        " (or sign in with a token provider: azure_ad_token_provider=...)" if profile.auth.takes_token_provider else ""
    )
    raise ConfigurationError(
        f"No API key: pass api_key=... to the client or set the {names} environment variable{token}."
    )


# Query parameters that carry a credential (gateways that take the key in the URL use these).
CREDENTIAL_PARAMS: Final = frozenset(
    {"key", "api_key", "api-key", "apikey", "token", "access_token", "auth", "password", "secret"}
)
_USE_API_KEY: Final = "give the key only as api_key=... or OPENAI_API_KEY"


def parse_base_url(base_url: Secret, key: Secret) -> httpx.URL | str:
    """The parsed base URL, or why it is refused (a message that never quotes the key).

    Refused: not an http(s) URL with a host; the API key anywhere in it; credentials in its
    userinfo (``user:password@``) or in a query parameter such as ``api-key=``. A key in a
    URL travels into logs, proxies and error messages. Returns instead of raising, so this
    frame, which holds the URL in clear, is never part of a traceback.
    """
    text = base_url.reveal()
    if key.found_in(text):
        return f"base_url contains the API key: {_USE_API_KEY}, never inside the URL."
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return f"base_url is not a valid URL: {key.scrub(str(exc))}"
    if url.userinfo:
        return f"base_url must not contain credentials (user:password@host): {_USE_API_KEY}."
    for name in url.params:
        if name.lower() in CREDENTIAL_PARAMS:
            return f"base_url must not carry a credential in its query (parameter {name!r}): {_USE_API_KEY}."
    if url.scheme not in ("http", "https") or not url.host:
        return f"base_url must be an http(s) URL with a host, got {text!r}"
    return url
