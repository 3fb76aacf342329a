"""A provider profile: everything that differs between services speaking the Batch API, as data.

The profiles shipped with the client live in ``profiles.toml`` beside this module; a user adds
or replaces profiles with a TOML file of the same shape (`load_profiles`). Nothing else in the
client asks which service it talks to: the client reads the URL, auth and normalisation from
the profile, the validator its limits and rules, the server its paths and quirks.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from .._exceptions import ConfigurationError

__all__ = [
    "AuthScheme",
    "FileLimits",
    "PathStyle",
    "ProviderProfile",
    "QueueBudgetHeaders",
    "get_profile",
    "load_profiles",
    "shipped_profiles",
]

DEFAULT_PROVIDER: Final = "openai"

ApiVersionRule = Literal["required", "undated", "none"]
_API_VERSION_RULES: Final = ("required", "undated", "none")


@attrs.frozen
class AuthScheme:
    """How the key travels: a header name and its value's format (``{token}`` is the key).

    A service that also takes an OAuth bearer token (Azure's Microsoft Entra ID) names the
    header and format for it and the scope the token is asked for.

    Example::

        AuthScheme(header="api-key", format="{token}", token_header="Authorization",
                   token_format="Bearer {token}", token_scope="https://cognitiveservices.azure.com/.default")
    """

    header: str = "Authorization"
    format: str = "Bearer {token}"
    token_header: str | None = None
    token_format: str = "Bearer {token}"
    token_scope: str | None = None

    @property
    def takes_token_provider(self) -> bool:
        return self.token_header is not None


@attrs.frozen
class FileLimits:
    """What one input file (one batch) may hold on this service.

    Example::

        FileLimits(max_requests=50_000, max_bytes=200 * 1024 * 1024, max_embedding_inputs=50_000)
    """

    max_requests: int = attrs.field(default=50_000, validator=attrs.validators.gt(0))
    max_bytes: int = attrs.field(default=209_715_200, validator=attrs.validators.gt(0))
    max_embedding_inputs: int = attrs.field(default=50_000, validator=attrs.validators.gt(0))


@attrs.frozen
class PathStyle:
    """One way of addressing the service: the path under the endpoint and its api-version rule.

    ``api_version``: ``required`` (every call carries ``?api-version=``), ``undated`` (optional,
    and never a date) or ``none``. ``created_status`` is what POST /files and POST /batches
    answer on success; ``upload_location`` says the upload also answers a ``Location`` header.

    Example::

        PathStyle(name="legacy", base_path="/openai", api_version="required", created_status=201)
    """

    name: str
    base_path: str
    api_version: ApiVersionRule = "none"
    created_status: int = 200
    upload_location: bool = False


@attrs.frozen
class QueueBudgetHeaders:
    """The response headers of POST /batches that state the deployment's queue budget.

    Example::

        QueueBudgetHeaders(enqueued_header="deployment-enqueued-tokens",
                           maximum_header="deployment-maximum-enqueued-tokens")
    """

    enqueued_header: str
    maximum_header: str


@attrs.frozen
class ProviderProfile:
    """One service that speaks the Files + Batches API, described by data.

    Example::

        azure = get_profile("azure")
        azure.path_styles["legacy"].api_version     # 'required'
        azure.auth.header                            # 'api-key'
        azure.limits.max_requests                    # 50000
    """

    name: str
    title: str
    path_styles: Mapping[str, PathStyle]
    default_path_style: str
    auth: AuthScheme = AuthScheme()
    limits: FileLimits = FileLimits()
    docs: str | None = None
    endpoint: str | None = None
    endpoint_env: str | None = None
    base_url_env: str | None = None
    key_env: tuple[str, ...] = ()
    api_version_env: str | None = None
    completion_windows: tuple[str, ...] = ("24h",)
    #: None: every endpoint the OpenAI Batch API accepts.
    endpoints: frozenset[str] | None = None
    one_model_per_file: bool = True
    supports_cancel: bool = True
    supports_list: bool = True
    normalise: tuple[str, ...] = ()
    queue_budget: QueueBudgetHeaders | None = None
    #: The price table shipped for this service (a file in openai_batch/pricing), or None: unknown.
    prices: str | None = None
    #: Output lines carry content-filter results (Azure): kept by the client, emulated by the server.
    content_filters: bool = False
    #: A batch completed without errors still names an (empty) error file (Azure).
    empty_error_file: bool = False

    def __attrs_post_init__(self) -> None:
        if self.default_path_style not in self.path_styles:
            raise ValueError(
                f"provider {self.name!r}: default_path_style {self.default_path_style!r} is not one of "
                f"its path_styles ({', '.join(self.path_styles)})"
            )
        from ._normalise import RULES  # a profile naming an unknown rule fails when loaded, not per call

        unknown = [rule for rule in self.normalise if rule not in RULES]
        if unknown:
            raise ValueError(
                f"provider {self.name!r}: unknown normalise rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}"
            )

    def path_style(self, name: str | None) -> PathStyle:
        """The named path style (the default when None); a clear error naming the known ones."""
        key = self.default_path_style if name is None else name
        try:
            return self.path_styles[key]
        except KeyError:
            raise ConfigurationError(
                f"provider {self.name!r} has no path style {key!r}; it has: {', '.join(self.path_styles)}"
            ) from None

    def env_key(self) -> str | None:
        """The first environment variable of `key_env` that is set, as its name (never its value)."""
        return next((name for name in self.key_env if os.environ.get(name)), None)


def _profile(name: str, data: Mapping[str, Any], source: str) -> ProviderProfile:
    """A profile from one TOML table; every mistake names the file and the key."""
    where = f"{source}: [{name}]"
    try:
        styles = {
            style: PathStyle(name=style, **dict(fields)) for style, fields in dict(data.get("path_styles", {})).items()
        }
        for style in styles.values():
            if style.api_version not in _API_VERSION_RULES:
                raise ValueError(
                    f"path_styles.{style.name}.api_version must be one of {', '.join(_API_VERSION_RULES)}, "
                    f"got {style.api_version!r}"
                )
        budget = data.get("queue_budget")
        endpoints = data.get("endpoints")
        return ProviderProfile(
            name=name,
            title=str(data.get("title", name)),
            docs=data.get("docs"),
            endpoint=data.get("endpoint"),
            endpoint_env=data.get("endpoint_env"),
            base_url_env=data.get("base_url_env"),
            key_env=tuple(data.get("key_env", ())),
            api_version_env=data.get("api_version_env"),
            path_styles=styles,
            default_path_style=str(data.get("default_path_style", next(iter(styles), ""))),
            auth=AuthScheme(**dict(data.get("auth", {}))),
            limits=FileLimits(**dict(data.get("limits", {}))),
            completion_windows=tuple(data.get("completion_windows", ("24h",))),
            endpoints=None if endpoints is None else frozenset(endpoints),
            one_model_per_file=bool(data.get("one_model_per_file", True)),
            supports_cancel=bool(data.get("supports_cancel", True)),
            supports_list=bool(data.get("supports_list", True)),
            normalise=tuple(data.get("normalise", ())),
            queue_budget=None if budget is None else QueueBudgetHeaders(**dict(budget)),
            prices=data.get("prices"),
            content_filters=bool(data.get("content_filters", False)),
            empty_error_file=bool(data.get("empty_error_file", False)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def _parse(text: str, source: str) -> dict[str, ProviderProfile]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from None
    profiles: dict[str, ProviderProfile] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"{source}: {name!r} must be a table ([{name}]) describing one provider")
        profiles[name] = _profile(name, table, source)
    return profiles


_SHIPPED: dict[str, ProviderProfile] | None = None


def shipped_profiles() -> Mapping[str, ProviderProfile]:
    """The profiles shipped with the client (read once from ``profiles.toml``)."""
    global _SHIPPED
    if _SHIPPED is None:
        text = resources.files(__package__ or "openai_batch.providers").joinpath("profiles.toml").read_text("utf-8")
        _SHIPPED = _parse(text, "openai_batch/providers/profiles.toml")
    return _SHIPPED


def load_profiles(path: str | os.PathLike[str] | None = None) -> dict[str, ProviderProfile]:
    """The shipped profiles, with those of the user's TOML file `path` added or replacing them.

    Example::

        profiles = load_profiles("providers.toml")   # [myproxy] endpoint = "https://llm.internal" ...
        client = BatchClient(provider=profiles["myproxy"])
    """
    profiles = dict(shipped_profiles())
    if path is not None:
        file = Path(path)
        try:
            text = file.read_text("utf-8")
        except OSError as exc:
            raise ConfigurationError(f"{file}: cannot read the provider file: {exc.strerror or exc}") from None
        profiles.update(_parse(text, str(file)))
    return profiles


def get_profile(
    name: str | ProviderProfile | None = None, *, path: str | os.PathLike[str] | None = None
) -> ProviderProfile:
    """The profile called `name` (a profile passes through; None is ``openai``), from `path` too when given."""
    if isinstance(name, ProviderProfile):
        return name
    profiles = load_profiles(path) if path is not None else shipped_profiles()
    key = DEFAULT_PROVIDER if name is None else name.strip().lower()
    try:
        return profiles[key]
    except KeyError:
        raise ConfigurationError(f"unknown provider {name!r}; known: {', '.join(sorted(profiles))}") from None
