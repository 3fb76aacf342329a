"""Where calls go for a profile: the base URL, the path style and the api-version, decided once.

Mirrors what the official SDK's ``AzureOpenAI`` does (openai-python, src/openai/lib/azure.py):
the base URL is ``{endpoint}/openai`` and every request's query carries ``api-version``; the v1
path style (``{endpoint}/openai/v1``) takes none. The style is the user's choice and the client
stays on it: a missing or wrong api-version is a configuration error here, never a silent
switch to the other style. The api-version is sent exactly as given.
"""

from __future__ import annotations

import os
import re
from typing import Final

import attrs

from .._exceptions import ConfigurationError
from .._secret import Secret
from ._profile import PathStyle, ProviderProfile

__all__ = ["Route", "is_dated_version", "resolve_route"]

# "2024-10-21", "2025-04-01-preview": Azure's dated api-versions.
_DATED: Final = re.compile(r"^\d{4}-\d{2}-\d{2}")


def is_dated_version(version: str) -> bool:
    return bool(_DATED.match(version))


@attrs.frozen
class Route:
    """The resolved base URL (still wrapped: it may carry a credential until checked), style and version.

    Example::

        route = resolve_route(get_profile("azure"), base_url=None, endpoint=Secret("https://r.openai.azure.com"),
                              path_style=None, api_version="2024-10-21")
        route.style.name    # 'legacy'
    """

    base_url: Secret | None
    style: PathStyle
    api_version: str | None

    @property
    def query(self) -> dict[str, str]:
        """The query parameters every call carries."""
        return {} if self.api_version is None else {"api-version": self.api_version}


def _style_of_url(profile: ProviderProfile, url: str) -> PathStyle | None:
    # The longest base_path the URL ends with: "/openai/v1" before "/openai".
    path = url.split("?", 1)[0].rstrip("/")
    styles = sorted(profile.path_styles.values(), key=lambda style: len(style.base_path), reverse=True)
    return next((style for style in styles if style.base_path and path.endswith(style.base_path.rstrip("/"))), None)


def _env(name: str | None) -> str | None:
    value = os.environ.get(name) if name else None
    return value.strip() or None if value else None


def resolve_route(
    profile: ProviderProfile,
    *,
    base_url: Secret | None,
    endpoint: Secret | None,
    path_style: str | None,
    api_version: str | None,
) -> Route:
    """The route for `profile` from the arguments, then the profile's environment variables.

    A whole `base_url` is used as given (its path style read from its ending when not named);
    otherwise the base URL is the endpoint (argument, the profile's ``endpoint_env``, or its
    shipped endpoint) plus the style's base path. With no style named, a dated api-version
    chooses a style that requires one, and otherwise the profile's default style is used.
    """
    version = api_version.strip() if api_version is not None else _env(profile.api_version_env)
    source = "api_version" if api_version is not None else f"{profile.api_version_env}"
    if base_url is None and profile.base_url_env:
        base_url = Secret.from_env(profile.base_url_env)
        base_url = None if base_url is None or base_url.empty else base_url
    if base_url is not None and not base_url.empty:
        style = profile.path_style(path_style) if path_style else _style_of_url(profile, base_url.reveal())
        if style is None:
            style = _style_for_version(profile, version)
        route = Route(base_url, style, version)
    else:
        style = profile.path_style(path_style) if path_style else _style_for_version(profile, version)
        root = endpoint if endpoint is not None and not endpoint.empty else None
        if root is None and profile.endpoint_env:
            root = Secret.from_env(profile.endpoint_env)
            root = None if root is None or root.empty else root
        if root is None and profile.endpoint:
            root = Secret(profile.endpoint)
        if root is None:
            where = f" or set {profile.endpoint_env}" if profile.endpoint_env else ""
            raise ConfigurationError(f"No endpoint for provider {profile.name!r}: pass endpoint='https://...'{where}.")
        route = Route(Secret(root.reveal().rstrip("/") + style.base_path), style, version)
    _check_version(profile, route, source)
    if route.style.api_version == "none" and route.api_version is not None:
        # Only reachable from the environment (an argument is refused above): not this style's.
        route = attrs.evolve(route, api_version=None)
    return route


def _style_for_version(profile: ProviderProfile, version: str | None) -> PathStyle:
    default = profile.path_style(None)
    if version is None or not is_dated_version(version) or default.api_version == "required":
        return default
    dated = [style for style in profile.path_styles.values() if style.api_version == "required"]
    return dated[0] if dated else default


def _check_version(profile: ProviderProfile, route: Route, source: str) -> None:
    style, version = route.style, route.api_version
    label = f"the {style.name!r} path style of {profile.name!r}"
    if style.api_version == "required" and not version:
        env = f" or set {profile.api_version_env}" if profile.api_version_env else ""
        raise ConfigurationError(f"{label} needs an api-version (for example 2024-10-21): pass api_version=...{env}.")
    if style.api_version == "undated" and version and is_dated_version(version):
        raise ConfigurationError(
            f"{label} takes no dated api-version, but {source} is {version!r} (the service answers 400): "
            "drop it, or choose the path style that takes one."
        )
    if style.api_version == "none" and version and source == "api_version":
        raise ConfigurationError(f"{label} takes no api-version, but api_version={version!r} was given.")
